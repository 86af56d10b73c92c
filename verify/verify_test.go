package verify

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Expected check states are written as states writes them: "name+" passed,
// "name-" failed, "name?" unavailable, "name." not applicable, in report
// order. ok, ko, un and na make one; with and the others apply them to a
// base list.
func ok(name string) string { return name + "+" }
func ko(name string) string { return name + "-" }
func un(name string) string { return name + "?" }
func na(name string) string { return name + "." }

var statusSym = map[CheckStatus]string{Passed: "+", Failed: "-", Unavailable: "?", NotApplicable: "."}

// verifyAs verifies doc with v and asserts its verdict, its checks (as
// states renders them) and that the report is well formed.
func verifyAs(t *testing.T, v *Verifier, doc []byte, verdict Verdict, checks string) Report {
	t.Helper()
	r, err := v.VerifyPDF(t.Context(), doc)
	if err != nil {
		t.Fatalf("VerifyPDF: %v", err)
	}
	if r.Verdict != verdict {
		t.Errorf("verdict = %s, want %s; checks: %+v", r.Verdict, verdict, r.Checks)
	}
	if got := states(r.Checks); got != checks {
		t.Errorf("checks = %s\nwant     %s; details: %+v", got, checks, r.Checks)
	}
	wellFormed(t, r)
	return r
}

// states renders checks as "name+ name- ...".
func states(cs []Check) string {
	var b strings.Builder
	for _, c := range cs {
		sym, found := statusSym[c.Status]
		if !found {
			sym = "!" + string(c.Status)
		}
		b.WriteString(c.Name + sym + " ")
	}
	return b.String()
}

// apply returns the states base (one entry per check name, in
// checkOrder) with changes made.
func apply(base map[string]string, changes ...string) string {
	m := maps.Clone(base)
	for _, c := range changes {
		m[c[:len(c)-1]] = c[len(c)-1:]
	}
	var b strings.Builder
	for _, name := range checkOrder {
		b.WriteString(name + m[name] + " ")
	}
	return b.String()
}

var (
	// validStates are those of a valid document without timestamp or
	// QR seal.
	validStates = map[string]string{
		CheckSignaturePresent: "+", CheckByteRange: "+", CheckLaterUpdates: "+", CheckIntegrity: "+",
		CheckTimestamp: ".", CheckTrust: "+", CheckValidity: "+", CheckSeal: ".", CheckLedger: "+",
	}
	// unsignedStates are those of a file without a usable signature and
	// not in the ledger.
	unsignedStates = map[string]string{
		CheckSignaturePresent: "-", CheckByteRange: ".", CheckLaterUpdates: ".", CheckIntegrity: ".",
		CheckTimestamp: ".", CheckTrust: ".", CheckValidity: ".", CheckSeal: ".", CheckLedger: "-",
	}
)

// with returns the states of a valid document without timestamp, changed.
func with(changes ...string) string { return apply(validStates, changes...) }

// withTS returns the states of a valid document with a timestamp, changed.
func withTS(changes ...string) string {
	return apply(validStates, append([]string{ok(CheckTimestamp)}, changes...)...)
}

// withSeal returns the states of a valid document with a QR seal, changed.
func withSeal(changes ...string) string {
	return apply(validStates, append([]string{ok(CheckSeal)}, changes...)...)
}

// unsigned returns the states of a file without a usable signature, changed.
func unsigned(changes ...string) string { return apply(unsignedStates, changes...) }

// allOKChecks are the states of a valid document without timestamp.
var allOKChecks = with()

// unsignedChecks are the states of a file without a usable signature.
var unsignedChecks = unsigned()

// wellFormed checks what every report must satisfy: every check once, in
// order, with a known status, OK matching it, and both messages; and a
// verdict with its messages.
func wellFormed(t testing.TB, r Report) {
	t.Helper()
	if len(r.Checks) != len(checkOrder) {
		t.Fatalf("%d checks, want %d: %+v", len(r.Checks), len(checkOrder), r.Checks)
	}
	for i, c := range r.Checks {
		if c.Name != checkOrder[i] {
			t.Fatalf("check %d is %q, want %q", i, c.Name, checkOrder[i])
		}
		if _, found := statusSym[c.Status]; !found || c.OK != (c.Status == Passed) {
			t.Fatalf("check %s: status %q, ok %v", c.Name, c.Status, c.OK)
		}
		if c.Message == "" || c.MessageIT == "" || c.Message == c.MessageIT {
			t.Fatalf("check %s: messages %q, %q", c.Name, c.Message, c.MessageIT)
		}
	}
	want, found := verdictText[r.Verdict]
	if !found || r.Message != want.en || r.MessageIT != want.it {
		t.Fatalf("verdict %q with messages %q, %q", r.Verdict, r.Message, r.MessageIT)
	}
}

func TestVerifyPDF(t *testing.T) {
	f := newFixture(t)
	sigGap := func(doc []byte) (start, end int) { // offsets of '<' and '>' of the last signature
		sig := findSignature(doc)
		if sig.status != sigFound {
			t.Fatalf("fixture has no signature")
		}
		return int(sig.a + sig.b), int(sig.c - 1)
	}

	cases := []struct {
		name    string
		doc     func(t *testing.T) []byte
		setup   func(v *Verifier) // optional changes to the verifier
		verdict Verdict
		checks  string                       // as states writes them
		extra   func(t *testing.T, r Report) // optional further assertions
	}{
		{
			name:    "valid document",
			doc:     func(t *testing.T) []byte { return f.issued },
			verdict: Valid,
			checks:  allOKChecks,
			extra: func(t *testing.T, r Report) {
				if r.Certificate == nil || r.Certificate.Code != issuedCode || r.Certificate.Status != ledger.StatusValid {
					t.Errorf("certificate = %+v, want code %s, status valid", r.Certificate, issuedCode)
				}
				if r.Signer == nil || r.Signer.CommonName != "Sigillo Comune di Prova" || r.Signer.Organization != "Comune di Prova" {
					t.Errorf("signer = %+v", r.Signer)
				}
				if r.Signer != nil && (r.Signer.SerialNumber != "5ea1" || r.Signer.SigningTime.IsZero() ||
					r.Signer.SigningTime.Sub(f.now).Abs() > time.Minute) {
					t.Errorf("signer = %+v, want serial 5ea1 and a signing time near %v", r.Signer, f.now)
				}
			},
		},
		{
			name:    "signed twice: the last signature is verified",
			doc:     func(t *testing.T) []byte { return f.twice },
			verdict: Valid,
			checks:  allOKChecks,
			extra: func(t *testing.T, r Report) {
				if d := r.Checks[0].Message; !strings.Contains(d, "2 digital signatures") {
					t.Errorf("signature-present detail = %q, want the count", d)
				}
			},
		},
		{
			name:    "RSA seal",
			doc:     func(t *testing.T) []byte { return f.rsaSigned },
			verdict: Valid,
			checks:  allOKChecks,
		},
		{
			name: "clock after the seal expired: trust uses the signing time",
			doc:  func(t *testing.T) []byte { return f.issued },
			setup: func(v *Verifier) {
				rec := f.issuedRec
				rec.ExpiresAt = f.now.AddDate(5, 0, 0)
				v.Ledger = newFakeLedger(rec)
				v.Now = func() time.Time { return f.now.AddDate(2, 0, 0) }
			},
			verdict: Valid,
			checks:  allOKChecks,
		},
		{
			name:    "one byte flipped inside the signed range",
			doc:     func(t *testing.T) []byte { return replaceOnce(t, f.issued, "/CreationDate (D:2", "/CreationDate (D:1") },
			verdict: Invalid,
			checks:  with(ko(CheckIntegrity), ko(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckIntegrity, "modified after signing")
				wantDetail(t, r, CheckLedger, "differs from the certificate issued")
				if r.Certificate != nil {
					t.Errorf("certificate = %+v, want none for a modified file", r.Certificate)
				}
			},
		},
		{
			name:    "incremental update appended after %%EOF",
			doc:     func(t *testing.T) []byte { return appendUpdate(f.issued) },
			verdict: Invalid,
			checks:  with(ko(CheckLaterUpdates), ko(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckLaterUpdates, "changed after signing")
				wantDetail(t, r, CheckByteRange, "later updates follow")
			},
		},
		{
			name:    "one newline appended",
			doc:     func(t *testing.T) []byte { return cat(f.issued, []byte("\n")) },
			verdict: Invalid,
			checks:  with(ko(CheckLaterUpdates), ko(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckLaterUpdates, "1 bytes follow")
			},
		},
		{
			name:    "signed by an untrusted CA",
			doc:     func(t *testing.T) []byte { return f.untrusted },
			verdict: Invalid,
			checks:  with(ko(CheckTrust), na(CheckValidity)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckTrust, "not certified by a trusted authority")
				if r.Signer == nil || r.Signer.Organization != "Comune Fasullo" {
					t.Errorf("signer = %+v, want the untrusted seal", r.Signer)
				}
			},
		},
		{
			name:    "no trust anchors: the system pool is not used",
			doc:     func(t *testing.T) []byte { return f.issued },
			setup:   func(v *Verifier) { v.Roots = nil },
			verdict: Indeterminate,
			checks:  with(un(CheckTrust), na(CheckValidity)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckTrust, "No trust anchors")
			},
		},
		{
			name:    "unsigned without marker",
			doc:     func(t *testing.T) []byte { return f.unsigned },
			verdict: NotCerta,
			checks:  unsignedChecks,
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckSignaturePresent, "no digital signature")
				wantDetail(t, r, CheckLedger, "not in the ledger")
			},
		},
		{
			name:    "unsigned with marker",
			doc:     func(t *testing.T) []byte { return f.unsignedMarked },
			verdict: Invalid,
			checks:  unsignedChecks,
		},
		{
			name:    "unsigned with marker of an unknown code",
			doc:     func(t *testing.T) []byte { return renderPDF(t, markerPrefix+unknownCode) },
			verdict: Invalid,
			checks:  unsignedChecks,
		},
		{
			name:    "valid signature, not in the ledger, unknown code",
			doc:     func(t *testing.T) []byte { return f.unregistered },
			verdict: Unknown,
			checks:  with(ko(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckLedger, "Neither the file nor its verification code")
			},
		},
		{
			name:    "valid signature, not in the ledger, no marker",
			doc:     func(t *testing.T) []byte { return f.noMarker },
			verdict: Unknown,
			checks:  with(ko(CheckLedger)),
		},
		{
			name:    "valid signature, issued code, different file",
			doc:     func(t *testing.T) []byte { return f.resigned },
			verdict: Invalid,
			checks:  with(ko(CheckLedger)),
		},
		{
			name: "revoked",
			doc:  func(t *testing.T) []byte { return f.issued },
			setup: func(v *Verifier) {
				rec := f.issuedRec
				rec.Revoked, rec.RevokedAt = true, f.now.Add(time.Hour)
				v.Ledger = newFakeLedger(rec)
			},
			verdict: Revoked,
			checks:  with(ko(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckLedger, "revoked on "+f.now.Add(time.Hour).Format(dateLayout))
				if c := r.Certificate; c == nil || !c.Revoked || c.Status != ledger.StatusRevoked || c.Code != issuedCode {
					t.Errorf("certificate = %+v, want revoked %s", c, issuedCode)
				}
			},
		},
		{
			name:    "expired",
			doc:     func(t *testing.T) []byte { return f.issued },
			setup:   func(v *Verifier) { v.Now = func() time.Time { return f.issuedRec.ExpiresAt.Add(time.Hour) } },
			verdict: Expired,
			checks:  with(ko(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckLedger, "expired on "+f.issuedRec.ExpiresAt.Format(dateLayout))
				if c := r.Certificate; c == nil || c.Revoked || c.Status != ledger.StatusExpired {
					t.Errorf("certificate = %+v, want expired", c)
				}
			},
		},
		{
			name:    "expiry is exclusive",
			doc:     func(t *testing.T) []byte { return f.issued },
			setup:   func(v *Verifier) { v.Now = func() time.Time { return f.issuedRec.ExpiresAt } },
			verdict: Expired,
			checks:  with(ko(CheckLedger)),
		},
		{
			name:    "nil ledger",
			doc:     func(t *testing.T) []byte { return f.issued },
			setup:   func(v *Verifier) { v.Ledger = nil },
			verdict: Indeterminate,
			checks:  with(un(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckLedger, "ledger is not available")
			},
		},
		{
			name:    "nil ledger and a modified file",
			doc:     func(t *testing.T) []byte { return replaceOnce(t, f.issued, "/CreationDate (D:2", "/CreationDate (D:1") },
			setup:   func(v *Verifier) { v.Ledger = nil },
			verdict: Invalid,
			checks:  with(ko(CheckIntegrity), un(CheckLedger)),
		},
		{
			name: "ledger error is not leaked",
			doc:  func(t *testing.T) []byte { return f.issued },
			setup: func(v *Verifier) {
				l := f.ledger()
				l.errSum = errs.Wrap(errs.Unavailable, "db", errors.New("dial tcp 10.0.0.7:5432: secret-host"))
				v.Ledger = l
			},
			verdict: Indeterminate,
			checks:  with(un(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckLedger, "could not be consulted")
				if d := detail(r, CheckLedger); strings.Contains(d, "secret-host") || strings.Contains(d, "dial") {
					t.Errorf("ledger detail leaks the error: %q", d)
				}
			},
		},
		{
			name: "ledger error on the lookup by code",
			doc:  func(t *testing.T) []byte { return f.resigned },
			setup: func(v *Verifier) {
				l := f.ledger()
				l.errCode = errors.New("timeout")
				v.Ledger = l
			},
			verdict: Indeterminate,
			checks:  with(un(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckLedger, "could not be consulted")
			},
		},
		{
			name: "ledger error other than not found is not taken as not found",
			doc:  func(t *testing.T) []byte { return f.resigned },
			setup: func(v *Verifier) {
				l := f.ledger()
				l.errSum = errors.New("timeout")
				v.Ledger = l
			},
			verdict: Indeterminate, // a lookup by code would have said invalid
			checks:  with(un(CheckLedger)),
		},
		{
			name:    "signer is a CA",
			doc:     func(t *testing.T) []byte { return f.caSigned },
			verdict: Invalid,
			checks:  with(ko(CheckTrust)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckTrust, "certification authority")
			},
		},
		{
			name:    "signer key not meant for signatures",
			doc:     func(t *testing.T) []byte { return f.wrongUsage },
			verdict: Invalid,
			checks:  with(ko(CheckTrust)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckTrust, "not meant for signatures")
			},
		},
		{
			name:    "truncated inside the trailer",
			doc:     func(t *testing.T) []byte { return f.issued[:len(f.issued)-100] },
			verdict: Invalid,
			checks:  with(ko(CheckByteRange), na(CheckLaterUpdates), ko(CheckIntegrity), ko(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckByteRange, "beyond the end of the file")
				wantDetail(t, r, CheckIntegrity, "incomplete")
			},
		},
		{
			name: "truncated before the signature",
			doc: func(t *testing.T) []byte {
				i := bytes.Index(f.issued, []byte("%%EOF"))
				return f.issued[:i+len("%%EOF")+20]
			},
			verdict: Invalid, // it still carries the marker
			checks:  unsignedChecks,
		},
		{
			name:    "garbage after /ByteRange",
			doc:     func(t *testing.T) []byte { return setByteRange(t, f.issued, "[0 abc def]") },
			verdict: Invalid,
			checks:  unsignedChecks,
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckSignaturePresent, "byte range is malformed")
			},
		},
		{
			name:    "/ByteRange followed by end of file",
			doc:     func(t *testing.T) []byte { return cat(f.unsignedMarked, []byte("/ByteRange")) },
			verdict: Invalid,
			checks:  unsignedChecks,
		},
		{
			name:    "huge number in /ByteRange",
			doc:     func(t *testing.T) []byte { return setByteRange(t, f.issued, "[0 99999999999999999999 1 1]") },
			verdict: Invalid,
			checks:  unsignedChecks,
		},
		{
			name:    "negative number in /ByteRange",
			doc:     func(t *testing.T) []byte { return setByteRange(t, f.issued, "[0 -1 4639 720]") },
			verdict: Invalid,
			checks:  unsignedChecks,
		},
		{
			name:    "/ByteRange gap outside the file",
			doc:     func(t *testing.T) []byte { return setByteRange(t, f.issued, "[0 9999999999 9999999999 9999999999]") },
			verdict: Invalid,
			checks:  unsignedChecks,
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckSignaturePresent, "does not point at a signature value")
			},
		},
		{
			name: "/ByteRange second range starting before the gap",
			doc: func(t *testing.T) []byte {
				s := findSignature(f.issued)
				c := bytes.IndexByte(f.issued, '>') + 1 // a '>' well before the gap
				return setByteRange(t, f.issued, fmt.Sprintf("[%d %d %d %d]", s.a, s.b, c, s.d))
			},
			verdict: Invalid,
			checks:  unsignedChecks,
		},
		{
			name: "/ByteRange second range past the end of the file",
			doc: func(t *testing.T) []byte {
				s := findSignature(f.issued)
				return setByteRange(t, f.issued, fmt.Sprintf("[%d %d %d %d]", s.a, s.b, s.c, s.d+1000))
			},
			verdict: Invalid,
			checks:  with(ko(CheckByteRange), na(CheckLaterUpdates), ko(CheckIntegrity), ko(CheckLedger)),
		},
		{
			name: "/ByteRange leaving out the start of the file",
			doc: func(t *testing.T) []byte {
				s := findSignature(f.issued)
				return setByteRange(t, f.issued, fmt.Sprintf("[%d %d %d %d]", s.a+10, s.b-10, s.c, s.d))
			},
			verdict: Invalid,
			checks:  with(ko(CheckByteRange), ko(CheckIntegrity), ko(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckByteRange, "does not cover the start")
			},
		},
		{
			name: "/Contents with odd hex length",
			doc: func(t *testing.T) []byte {
				s := findSignature(f.issued)
				doc := setByteRange(t, f.issued, fmt.Sprintf("[%d %d %d %d]", s.a, s.b, s.c-1, s.d+1))
				doc[s.c-2], doc[s.c-1] = '>', ' '
				return doc
			},
			verdict: Invalid,
			checks:  unsignedChecks,
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckSignaturePresent, "signature value is malformed")
			},
		},
		{
			name:    "gap not preceded by /Contents",
			doc:     func(t *testing.T) []byte { return replaceOnce(t, f.issued, " /Contents<", " /Contentz<") },
			verdict: Invalid,
			checks:  unsignedChecks,
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckSignaturePresent, "does not point at a signature value")
			},
		},
		{
			name: "/Contents with a non-hex digit",
			doc: func(t *testing.T) []byte {
				start, _ := sigGap(f.issued)
				doc := bytes.Clone(f.issued)
				doc[start+10] = 'g'
				return doc
			},
			verdict: Invalid,
			checks:  unsignedChecks,
		},
		{
			name: "/Contents padding not zero",
			doc: func(t *testing.T) []byte {
				_, end := sigGap(f.issued)
				doc := bytes.Clone(f.issued)
				doc[end-1] = '1'
				return doc
			},
			verdict: Invalid,
			checks:  unsignedChecks,
		},
		{
			name: "/Contents empty",
			doc: func(t *testing.T) []byte {
				s := findSignature(f.issued)
				doc := setByteRange(t, f.issued, fmt.Sprintf("[%d %d %d %d]", s.a, s.b, s.a+s.b+2, s.c+s.d-(s.a+s.b+2)))
				doc[s.a+s.b+1] = '>'
				return doc
			},
			verdict: Invalid,
			checks:  unsignedChecks,
		},
		{
			name: "signature value corrupted",
			doc: func(t *testing.T) []byte {
				start, _ := sigGap(f.issued)
				doc := bytes.Clone(f.issued)
				// The DER ends with the ECDSA signature: change a hex digit
				// of its last byte.
				i := start + 1 + 2*derLen(t, f.issued) - 1
				doc[i] = otherHex(doc[i])
				return doc
			},
			verdict: Invalid,
			checks:  with(ko(CheckIntegrity), ko(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckIntegrity, "does not match the signer's certificate")
			},
		},
		{
			name: "signature value not a CMS",
			doc: func(t *testing.T) []byte {
				return withSignatureValue(t, f.issued, []byte{0x30, 0x03, 0x02, 0x01, 0x01})
			},
			verdict: Invalid,
			checks:  with(ko(CheckIntegrity), na(CheckTimestamp), na(CheckTrust), na(CheckValidity), ko(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckIntegrity, "could not be decoded")
			},
		},
		{
			name:    "deeply nested signature value",
			doc:     func(t *testing.T) []byte { return withSignatureValue(t, f.issued, nestedDER(300)) },
			verdict: Invalid,
			checks:  with(ko(CheckIntegrity), na(CheckTimestamp), na(CheckTrust), na(CheckValidity), ko(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckIntegrity, "could not be decoded")
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := f.verifier()
			if tc.setup != nil {
				tc.setup(v)
			}
			r := verifyAs(t, v, tc.doc(t), tc.verdict, tc.checks)
			if tc.extra != nil {
				tc.extra(t, r)
			}
		})
	}
}

// TestDeepSignatureValue checks that a deeply nested CMS, which pkcs7's
// BER transcoder handles in time proportional to size times depth, is
// rejected before it reaches it.
func TestDeepSignatureValue(t *testing.T) {
	der := nestedDER(50000) // about 230 KB; pkcs7.Parse takes seconds on it
	start := time.Now()
	_, problem := parseSignedMessage(der)
	if problem != msgUndecodable {
		t.Errorf("problem = %q, want %q", problem, msgUndecodable)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("parseSignedMessage took %v", d)
	}
}

func TestVerifyPDFNotPDF(t *testing.T) {
	v := &Verifier{}
	cases := []struct {
		name string
		data []byte
		ok   bool
	}{
		{"nil", nil, false},
		{"empty", []byte{}, false},
		{"text", []byte("hello, world\n%%EOF"), false},
		{"header too late", cat(bytes.Repeat([]byte(" "), 1025), []byte("%PDF-1.7\n%%EOF\n")), false},
		{"no end-of-file marker", []byte("%PDF-1.7\n1 0 obj\n"), false},
		{"header at the end of the window", cat(bytes.Repeat([]byte(" "), 1023), []byte("%PDF-1.7\n%%EOF")), true},
		{"minimal", []byte("%PDF-1.7\n%%EOF"), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := v.VerifyPDF(t.Context(), tc.data)
			if tc.ok {
				if err != nil {
					t.Fatalf("VerifyPDF: %v, want a report", err)
				}
				if r.Verdict != NotCerta {
					t.Errorf("verdict = %s, want not-certa", r.Verdict)
				}
				wellFormed(t, r)
				return
			}
			if errs.KindOf(err) != errs.NotPDF {
				t.Fatalf("err = %v, want kind %s", err, errs.NotPDF)
			}
			if errs.PublicOf(err) == "" {
				t.Errorf("error has no public detail")
			}
			if r.Verdict != "" || r.Checks != nil {
				t.Errorf("report = %+v, want zero", r)
			}
		})
	}
}

func TestReportJSON(t *testing.T) {
	f := newFixture(t)
	r, err := f.verifier().VerifyPDF(t.Context(), f.issued)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, key := range []string{
		`"verdict":"valid","message":"The document is intact, sealed by a trusted authority and valid according to the ledger.","message_it":"Il documento è integro, `,
		`"checks":[{"name":"signature-present","status":"passed","ok":true,"message":"The file has one digital signature.","message_it":"Il file ha una firma digitale."},{"name":"byte-range-whole-file",`,
		`{"name":"timestamp","status":"not-applicable","ok":false,"message":"The signature has no timestamp.","message_it":"La firma non ha una marca temporale."}`,
		`"certificate":{"code":"` + issuedCode + `","type":"residenza","status":"valid","comune":"Prova","holder":"Mario Rossi","issued_at":`,
		`"expires_at":`, `"revoked":false`,
		`"signer":{"common_name":"Sigillo Comune di Prova","organization":"Comune di Prova","serial_number":"5ea1","not_before":`,
		`"not_after":`, `"signing_time":`,
	} {
		if !strings.Contains(s, key) {
			t.Errorf("JSON lacks %s:\n%s", key, s)
		}
	}
	// The holder's codice fiscale is in the ledger record and in the seal's
	// subject serialNumber of the test PKI: it must appear nowhere.
	for _, banned := range []string{holderCF, "revoked_at", "requester", "subject", `"seal":`, `"level":`, "detail"} {
		if strings.Contains(s, banned) {
			t.Errorf("JSON contains %q:\n%s", banned, s)
		}
	}
}

func TestParseByteRange(t *testing.T) {
	cases := []struct {
		in   string
		want [4]int64
		ok   bool
	}{
		{"[0 1 2 3]", [4]int64{0, 1, 2, 3}, true},
		{" \n[ 0\t10  20\r\n30 ]  /Contents", [4]int64{0, 10, 20, 30}, true},
		{"[0 9999999999 0 0]", [4]int64{0, 9999999999, 0, 0}, true},
		{"[0 10000000000 0 0]", [4]int64{}, false},
		{"[0 1 2]", [4]int64{}, false},
		{"[0 1 2 3 4]", [4]int64{}, false},
		{"[0 -1 2 3]", [4]int64{}, false},
		{"[0 +1 2 3]", [4]int64{}, false},
		{"[0 1.5 2 3]", [4]int64{}, false},
		{"[0 1 2 3", [4]int64{}, false},
		{"0 1 2 3]", [4]int64{}, false},
		{"[01 2 3]", [4]int64{1, 2, 3}, false},
		{"", [4]int64{}, false},
		{"[", [4]int64{}, false},
		{"[0 1 2 3R]", [4]int64{}, false},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%q", tc.in), func(t *testing.T) {
			got, ok := parseByteRange([]byte(tc.in))
			if ok != tc.ok || (ok && got != tc.want) {
				t.Errorf("parseByteRange(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestFindCodes(t *testing.T) {
	cases := []struct {
		name  string
		parts []string
		want  []string
	}{
		{"none", []string{"no marker here"}, nil},
		{"ascii", []string{"/Keywords (certa-code:ABCD-EFGH-JKMN-PQRS)"}, []string{issuedCode}},
		{"utf-16", []string{"/Keywords (\xfe\xff" + string(utf16BE("certa-code:ABCD-EFGH-JKMN-PQRS")) + ")"}, []string{issuedCode}},
		{"lower case is not canonical", []string{"certa-code:abcd-efgh-jkmn-pqrs"}, nil},
		{"confusable is not canonical", []string{"certa-code:ABCD-EFGH-JKMN-PQRO"}, nil},
		{"no dashes is not canonical", []string{"certa-code:ABCDEFGHJKMNPQRS"}, nil},
		{"cut short", []string{"certa-code:ABCD-EFGH"}, nil},
		{"second part", []string{"x", "certa-code:" + unknownCode}, []string{unknownCode}},
		{"duplicates once", []string{"certa-code:" + issuedCode + " certa-code:" + issuedCode}, []string{issuedCode}},
		{"at most four", []string{strings.Repeat("certa-code:", 1) + "0000-0000-0000-0001 " +
			"certa-code:0000-0000-0000-0002 certa-code:0000-0000-0000-0003 " +
			"certa-code:0000-0000-0000-0004 certa-code:0000-0000-0000-0005"},
			[]string{"0000-0000-0000-0001", "0000-0000-0000-0002", "0000-0000-0000-0003", "0000-0000-0000-0004"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var parts [][]byte
			for _, p := range tc.parts {
				parts = append(parts, []byte(p))
			}
			got := findCodes(parts...)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("findCodes = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPrintable(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Comune di Città", "Comune di Città"},
		{"a\x00b\nc\u202ed", "a?b?c?d"},
		{strings.Repeat("x", 100), strings.Repeat("x", maxNameLen) + "..."},
		{"bad \xff utf-8", "bad \ufffd utf-8"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			if got := printable(tc.in); got != tc.want {
				t.Errorf("printable(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func BenchmarkVerifyPDF(b *testing.B) {
	f := newFixture(b)
	v := f.verifier()
	b.SetBytes(int64(len(f.issued)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := v.VerifyPDF(b.Context(), f.issued)
		if err != nil || r.Verdict != Valid {
			b.Fatalf("VerifyPDF = %s, %v", r.Verdict, err)
		}
	}
}

func detail(r Report, name string) string {
	c, _ := r.Check(name)
	return c.Message
}

func wantDetail(t *testing.T, r Report, name, substr string) {
	t.Helper()
	if d := detail(r, name); !strings.Contains(d, substr) {
		t.Errorf("%s detail = %q, want it to contain %q", name, d, substr)
	}
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// replaceOnce replaces the only occurrence of old in doc.
func replaceOnce(t *testing.T, doc []byte, old, new string) []byte {
	t.Helper()
	if n := bytes.Count(doc, []byte(old)); n != 1 {
		t.Fatalf("%q occurs %d times", old, n)
	}
	return bytes.Replace(doc, []byte(old), []byte(new), 1)
}

// setByteRange rewrites the array of the last /ByteRange in place, padding
// with spaces up to /Contents so that no offset moves.
func setByteRange(t *testing.T, doc []byte, array string) []byte {
	t.Helper()
	doc = bytes.Clone(doc)
	i := bytes.LastIndex(doc, []byte(byteRangeKey)) + len(byteRangeKey)
	j := bytes.Index(doc[i:], []byte(contentsKey))
	if j < 0 {
		t.Fatal("no /Contents after /ByteRange")
	}
	if len(array)+1 > j {
		t.Fatalf("%q does not fit in %d bytes", array, j)
	}
	copy(doc[i:i+j], " "+array+strings.Repeat(" ", j-len(array)-1))
	return doc
}

// appendUpdate appends an incremental update that adds an annotation.
func appendUpdate(doc []byte) []byte {
	var b bytes.Buffer
	b.Write(doc)
	obj := b.Len()
	b.WriteString("12 0 obj\n<< /Type /Annot /Subtype /Text /Rect [0 0 10 10] /Contents (changed) >>\nendobj\n")
	xref := b.Len()
	prev := bytes.LastIndex(doc, []byte("startxref"))
	fmt.Fprintf(&b, "xref\n12 1\n%010d 00000 n \ntrailer\n<< /Size 13 /Root 11 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n",
		obj, prev, xref)
	return b.Bytes()
}

// derLen is the length of the DER signature in the last signature of doc.
func derLen(t *testing.T, doc []byte) int {
	t.Helper()
	s := findSignature(doc)
	if s.status != sigFound {
		t.Fatal("no signature")
	}
	var elem cryptobyte.String
	in := cryptobyte.String(s.der)
	if !in.ReadASN1Element(&elem, asn1.SEQUENCE) {
		t.Fatal("bad DER")
	}
	return len(elem)
}

func otherHex(c byte) byte {
	if c == '0' {
		return '1'
	}
	return '0'
}

// withSignatureValue puts der, zero padded, in place of the last signature
// value of doc.
func withSignatureValue(t testing.TB, doc, der []byte) []byte {
	t.Helper()
	s := findSignature(doc)
	if s.status != sigFound {
		t.Fatal("no signature")
	}
	start, end := int(s.a+s.b)+1, int(s.c)-1
	h := hex.EncodeToString(der)
	if len(h) > end-start {
		t.Fatalf("%d hex digits do not fit in %d", len(h), end-start)
	}
	doc = bytes.Clone(doc)
	copy(doc[start:], h)
	for i := start + len(h); i < end; i++ {
		doc[i] = '0'
	}
	return doc
}

// nestedDER is a NULL inside depth SEQUENCEs.
func nestedDER(depth int) []byte {
	header := func(n int) []byte {
		switch {
		case n < 0x80:
			return []byte{0x30, byte(n)}
		case n < 0x100:
			return []byte{0x30, 0x81, byte(n)}
		case n < 0x10000:
			return []byte{0x30, 0x82, byte(n >> 8), byte(n)}
		}
		return []byte{0x30, 0x83, byte(n >> 16), byte(n >> 8), byte(n)}
	}
	// sizes[k] is the content length of the k-th SEQUENCE from the inside.
	sizes := make([]int, depth)
	n := 2
	for k := range sizes {
		sizes[k] = n
		n += len(header(n))
	}
	b := make([]byte, 0, n)
	for k := depth - 1; k >= 0; k-- {
		b = append(b, header(sizes[k])...)
	}
	return append(b, 0x05, 0x00)
}
