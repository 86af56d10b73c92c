// Package verify checks an uploaded PDF that claims to be a certa
// certificate, independently of how the file was produced.
//
// # Contract
//
// VerifyPDF returns an error only when the input is not a PDF at all: it is
// empty, has no "%PDF-" header within its first 1024 bytes, or contains no
// "%%EOF". That error has kind errs.NotPDF. Every other input, however
// damaged or hostile, yields a Report. VerifyPDF never panics: panics inside
// third-party parsers are recovered and reported as a failed check. Its work
// and memory are linear in the size of the input, which the caller must cap
// (the HTTP layer accepts about 10 MiB).
//
// A Report lists checks in this order, each under a stable name:
//
//  1. signature-present: the last /ByteRange in the file is parsed strictly
//     (four non-negative integers a b c d) and the unsigned gap [a+b, c)
//     must be exactly "<" hex digits ">", right after a /Contents key. The
//     hex decodes to one DER-encoded CMS SignedData followed only by zero
//     padding. When there are several signatures, the last one is verified
//     and the detail gives the count.
//  2. byte-range-whole-file: a == 0 and c+d equals the length of the file,
//     so that nothing (an incremental update, a stray newline) follows the
//     signed bytes.
//  3. signature-integrity: the CMS has exactly one signer, whose certificate
//     is embedded; the messageDigest signed attribute equals the digest
//     (SHA-256, SHA-384 or SHA-512, as the signer names) of the signed byte
//     ranges; the signature over the signed attributes verifies with the
//     signer certificate's key (ECDSA, RSA PKCS #1 v1.5 or Ed25519).
//  4. signer-trusted: the signer certificate chains, through the
//     certificates embedded in the CMS, to Verifier.Roots at the signing
//     time attribute if present, else at Verifier.Now. The signer must not
//     be a CA, and if it has a key usage extension it must allow
//     digitalSignature or nonRepudiation.
//  5. ledger: the SHA-256 of the whole file is looked up in the ledger and
//     the record's status must be valid. When the file is not there, the
//     signed bytes are searched for certa's code marker ("certa-code:"
//     followed by a canonical verification code, which certa writes into
//     the Info /Keywords); a code the ledger knows means the file differs
//     from what was issued. Without a signature the whole file is searched.
//     At most four distinct codes are looked up. A nil Ledger, or a ledger
//     error other than errs.NotFound, fails the check with a generic
//     detail.
//
// Checks 2 to 4 are run only when check 1 finds a signature, and check 4
// only when check 3 could identify the signer certificate; checks that were
// not run are left out of the report rather than reported as failed.
//
// The verdict is:
//   - valid: all five checks ran and passed;
//   - invalid: the signature is missing or malformed in a file that carries
//     a code marker, or byte-range-whole-file, signature-integrity or
//     signer-trusted failed, or the ledger says the certificate is revoked
//     or expired, or that the file differs from the issued one;
//   - unknown: anything else (no signature and no marker, a good signature
//     the ledger does not know, ledger unavailable).
//
// Details are short English sentences meant for the public: they never
// carry parser or ledger error text, and never the holder's codice fiscale.
// Of the signer's subject only the common name and organization are shown,
// with non-printable characters replaced.
//
// # Caveats
//
//   - The signature is found at byte level, without a full PDF parse. A
//     signature dictionary inside a compressed object stream is not seen.
//   - The CMS must be DER (definite lengths) and nested at most 40 levels
//     deep; the pkcs7 parser's time grows with size times depth. Document
//     timestamps (ETSI.RFC3161) and CMS without signed attributes are not
//     supported: such a last signature fails signature-integrity.
//   - The code marker is recognised in PDF literal strings, as bytes or as
//     UTF-16BE without escapes; not in hex strings or compressed streams.
//   - The signing time is the one the signer asserts in the CMS, not a
//     trusted timestamp. The seal certificate's revocation status (CRL,
//     OCSP) is not checked: revocation of certificates is the ledger's job.
//   - The signing-certificate-v2 attribute is not checked against the
//     signer certificate.
//   - A valid verdict requires the exact bytes recorded in the ledger, so
//     any re-saving of the file, even a harmless one, makes it not valid.
package verify

import (
	"bytes"
	"context"
	"crypto/x509"
	"strings"
	"time"
	"unicode"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
)

// Verdict is the overall outcome of a verification.
type Verdict string

const (
	Valid   Verdict = "valid"
	Invalid Verdict = "invalid"
	Unknown Verdict = "unknown"
)

// Check names, in the order they appear in a Report.
const (
	CheckSignaturePresent = "signature-present"
	CheckByteRange        = "byte-range-whole-file"
	CheckIntegrity        = "signature-integrity"
	CheckTrust            = "signer-trusted"
	CheckLedger           = "ledger"
)

// numChecks is the number of checks a complete report has.
const numChecks = 5

// Check is the outcome of one verification step.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Certificate is what the ledger says about the issued certificate, limited
// to what a verifier needs (no codice fiscale, no requester).
type Certificate struct {
	Code      string        `json:"code"`
	Type      string        `json:"type"`
	Status    ledger.Status `json:"status"`
	Comune    string        `json:"comune"`
	Holder    string        `json:"holder"`
	IssuedAt  time.Time     `json:"issued_at"`
	ExpiresAt time.Time     `json:"expires_at"`
	Revoked   bool          `json:"revoked"`
	RevokedAt time.Time     `json:"revoked_at,omitzero"`
}

// SignerInfo describes the certificate that made the verified signature,
// whether or not it is trusted.
type SignerInfo struct {
	CommonName   string    `json:"common_name"`
	Organization string    `json:"organization,omitempty"`
	SerialNumber string    `json:"serial_number"` // hexadecimal
	NotBefore    time.Time `json:"not_before"`
	NotAfter     time.Time `json:"not_after"`
	// SigningTime is the time the signer asserts, if any; it is not a
	// trusted timestamp.
	SigningTime time.Time `json:"signing_time,omitzero"`
}

// Report is the result of verifying one file.
type Report struct {
	Verdict     Verdict      `json:"verdict"`
	Checks      []Check      `json:"checks"`
	Certificate *Certificate `json:"certificate,omitempty"`
	Signer      *SignerInfo  `json:"signer,omitempty"`
}

// Verifier verifies PDFs. The zero value is usable but trusts nothing and
// has no ledger, so it never returns valid. A Verifier is safe for
// concurrent use if its Ledger is.
type Verifier struct {
	// Roots are the trust anchors for signer certificates. When nil, no
	// signer is trusted: the system pool is never used.
	Roots *x509.CertPool
	// Ledger is consulted for the status of issued certificates. When nil
	// (offline), the ledger check fails as unavailable.
	Ledger ledger.Reader
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// headerWindow is how far into the file the "%PDF-" header may start.
const headerWindow = 1024

// VerifyPDF verifies data as a signed certa certificate. See the package
// documentation for the checks and the verdict rules.
func (v *Verifier) VerifyPDF(ctx context.Context, data []byte) (Report, error) {
	if err := sniffPDF(data); err != nil {
		return Report{}, err
	}

	var (
		r       Report
		invalid bool
		// scope is where the code marker is looked for: the signed bytes
		// when there is a signature, else the whole file.
		scope = [][]byte{data}
	)

	sig := findSignature(data)
	r.Checks = append(r.Checks, sig.check())
	if sig.status == sigFound {
		scope = sig.signedParts(data)

		c := sig.checkByteRange(len(data))
		r.Checks = append(r.Checks, c)
		invalid = invalid || !c.OK

		msg, c := checkIntegrity(data, sig)
		r.Checks = append(r.Checks, c)
		invalid = invalid || !c.OK

		if msg.signer != nil {
			r.Signer = signerInfo(msg)
			c := v.checkTrust(msg)
			r.Checks = append(r.Checks, c)
			invalid = invalid || !c.OK
		}
	}

	codes := findCodes(scope...)
	if sig.status != sigFound && len(codes) > 0 {
		invalid = true
	}

	lr := v.checkLedger(ctx, data, codes)
	r.Checks = append(r.Checks, lr.check)
	r.Certificate = lr.cert
	invalid = invalid || lr.invalid

	r.Verdict = Unknown
	switch {
	case invalid:
		r.Verdict = Invalid
	case len(r.Checks) == numChecks && allOK(r.Checks):
		r.Verdict = Valid
	}
	return r, nil
}

// sniffPDF rejects data that is not a PDF at all.
func sniffPDF(data []byte) error {
	if len(data) == 0 {
		return errs.New(errs.NotPDF, "The file is empty.")
	}
	head := data[:min(len(data), headerWindow+len("%PDF-")-1)]
	if !bytes.Contains(head, []byte("%PDF-")) {
		return errs.New(errs.NotPDF, "The file is not a PDF: it has no PDF header.")
	}
	if !bytes.Contains(data, []byte("%%EOF")) {
		return errs.New(errs.NotPDF, "The file is not a PDF: it has no end-of-file marker.")
	}
	return nil
}

func allOK(checks []Check) bool {
	for _, c := range checks {
		if !c.OK {
			return false
		}
	}
	return true
}

func pass(name, detail string) Check { return Check{Name: name, OK: true, Detail: detail} }
func fail(name, detail string) Check { return Check{Name: name, OK: false, Detail: detail} }

// maxNameLen bounds the length of certificate names copied into a report.
const maxNameLen = 80

// printable makes a name taken from a certificate safe to show: control
// and other non-printable characters become '?', and it is cut at
// maxNameLen characters.
func printable(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == maxNameLen {
			b.WriteString("...")
			break
		}
		if !unicode.IsPrint(r) {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
