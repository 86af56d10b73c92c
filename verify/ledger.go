package verify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"slices"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/vcode"
)

// dateLayout formats dates in public messages.
const dateLayout = "2006-01-02"

// ledgerOutcome is what the ledger said about a file.
type ledgerOutcome int

const (
	ledgerUnavailable ledgerOutcome = iota // no ledger, an error, or no usable status
	ledgerValid
	ledgerRevoked
	ledgerExpired
	ledgerNotFound // neither the file nor its codes
	ledgerDiffers  // a code the file carries was issued for another file
)

// ledgerResult is the outcome of the ledger check.
type ledgerResult struct {
	check   Check
	outcome ledgerOutcome
	// known is set when the ledger knows the file or one of its codes.
	known bool
	// cert is set when the file itself is in the ledger.
	cert *Certificate
}

// checkLedger looks the file up by its SHA-256 and, when it is not there,
// by the codes it carries.
func (v *Verifier) checkLedger(ctx context.Context, data []byte, codes []string) ledgerResult {
	down := ledgerResult{check: unavailable(CheckLedger, msgLedgerDown)}
	if v.Ledger == nil {
		return ledgerResult{check: unavailable(CheckLedger, msgNoLedger)}
	}

	rec, err := v.Ledger.BySHA256(ctx, sha256.Sum256(data))
	switch {
	case err == nil:
		return v.recordResult(rec)
	case errs.KindOf(err) != errs.NotFound:
		return down
	}

	// The file is not exactly one that certa issued. If it names a code
	// the ledger knows, it is a modified copy.
	for _, code := range codes {
		_, err := v.Ledger.ByCode(ctx, code)
		switch {
		case err == nil:
			return ledgerResult{check: fail(CheckLedger, msgDiffers), outcome: ledgerDiffers, known: true}
		case errs.KindOf(err) != errs.NotFound:
			return down
		}
	}
	if len(codes) > 0 {
		return ledgerResult{check: fail(CheckLedger, msgCodeUnknown), outcome: ledgerNotFound}
	}
	return ledgerResult{check: fail(CheckLedger, msgNotInLedger), outcome: ledgerNotFound}
}

// recordResult judges the ledger record of the file itself.
func (v *Verifier) recordResult(rec ledger.Record) ledgerResult {
	status := rec.StatusAt(v.now())
	cert := &Certificate{
		Code:      rec.Code,
		Type:      rec.Type,
		Status:    status,
		Comune:    rec.Comune,
		Holder:    rec.Holder,
		IssuedAt:  rec.IssuedAt,
		ExpiresAt: rec.ExpiresAt,
		Revoked:   rec.Revoked,
		RevokedAt: rec.RevokedAt,
	}
	res := ledgerResult{cert: cert, known: true}
	switch status {
	case ledger.StatusValid:
		res.outcome = ledgerValid
		res.check = pass(CheckLedger, msgInLedger.f(rec.ExpiresAt.Format(dateLayout)))
	case ledger.StatusRevoked:
		res.outcome = ledgerRevoked
		cert.RevokedReason, cert.ReplacedBy = rec.RevokedReason, rec.ReplacedBy
		t := msgRevoked
		if !rec.RevokedAt.IsZero() {
			t = msgRevokedOn.f(rec.RevokedAt.Format(dateLayout))
		}
		if r, ok := reasonText[cert.RevokedReason]; ok {
			t = t.join(msgReason.in(r))
		}
		if cert.ReplacedBy != "" {
			t = t.join(msgReplaced.f(printable(cert.ReplacedBy)))
		}
		res.check = fail(CheckLedger, t)
	case ledger.StatusExpired:
		res.outcome = ledgerExpired
		res.check = fail(CheckLedger, msgExpiredOn.f(rec.ExpiresAt.Format(dateLayout)))
	default:
		res.check = unavailable(CheckLedger, msgNoStatus)
	}
	return res
}

// addCode adds code to codes unless it is there or codes is full.
func addCode(codes []string, code string) []string {
	if len(codes) >= maxCodes || slices.Contains(codes, code) {
		return codes
	}
	return append(codes, code)
}

// markerPrefix introduces a verification code in certa's PDF metadata.
const markerPrefix = "certa-code:"

// maxCodes bounds the distinct codes taken from one file, and so the
// ledger lookups an upload can cause.
const maxCodes = 4

// findCodes returns the distinct verification codes that follow a marker
// in parts, in canonical form. The marker is recognised both as bytes
// (PDFDocEncoding) and as UTF-16BE, the two encodings of a PDF text string.
func findCodes(parts ...[]byte) []string {
	var codes []string
	add := func(code string) bool {
		for _, c := range codes {
			if c == code {
				return true
			}
		}
		codes = append(codes, code)
		return len(codes) < maxCodes
	}
	prefix8 := []byte(markerPrefix)
	prefix16 := utf16BE(markerPrefix)
	for _, p := range parts {
		for _, enc := range []struct {
			prefix []byte
			width  int
		}{{prefix8, 1}, {prefix16, 2}} {
			for off := 0; off < len(p); {
				i := bytes.Index(p[off:], enc.prefix)
				if i < 0 {
					break
				}
				off += i + len(enc.prefix)
				code, ok := readCode(p[off:], enc.width)
				if ok && !add(code) {
					return codes
				}
			}
		}
	}
	return codes
}

// readCode reads a canonical code at the start of p, one character every
// width bytes (with zero high bytes when width is 2).
func readCode(p []byte, width int) (string, bool) {
	const n = vcode.Len + 3 // with dashes
	if len(p) < n*width {
		return "", false
	}
	var b [n]byte
	for k := range b {
		if width == 2 {
			if p[2*k] != 0 {
				return "", false
			}
			b[k] = p[2*k+1]
		} else {
			b[k] = p[k]
		}
	}
	code, err := vcode.Parse(string(b[:]))
	if err != nil || code != string(b[:]) {
		return "", false
	}
	return code, true
}

func utf16BE(s string) []byte {
	out := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		out = append(out, 0, s[i])
	}
	return out
}
