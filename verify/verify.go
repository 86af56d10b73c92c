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
//     and the detail gives the count. The signature dictionary is the
//     dictionary of an indirect object ("num gen obj", found by looking
//     back from the /ByteRange, at most eight tries) whose /ByteRange has
//     these four values and whose /Contents is that gap; its /SubFilter and
//     /M are read.
//  2. byte-range-whole-file: a == 0, and c+d equals the length of the file
//     (nothing, not even a stray newline, follows the signed bytes) or what
//     follows is validation data only: incremental updates that add a
//     Document Security Store and change nothing else (see "Validation
//     data after signing"); the detail then says so.
//  3. signature-integrity: the signature dictionary was found and its
//     /SubFilter is adbe.pkcs7.detached or ETSI.CAdES.detached; the CMS
//     has exactly one signer, whose certificate is embedded; the
//     messageDigest signed attribute equals the digest (SHA-256, SHA-384
//     or SHA-512, as the signer names) of the signed byte ranges; the
//     signature over the signed attributes verifies with the signer
//     certificate's key: ECDSA, RSA PKCS #1 v1.5, Ed25519, or RSASSA-PSS
//     whose parameters name the digest algorithm for both the hash and
//     MGF1, a salt length of at least one (20 when left out) and trailer
//     field 1. The messageDigest, contentType (which must be id-data),
//     signingTime, signing-certificate-v2 and signing-certificate
//     attributes may each appear once. When a signing-certificate-v2 or
//     signing-certificate (v1) attribute is present, its first ESSCertID
//     must name the signer's certificate: its hash (v2: SHA-256 unless it
//     names SHA-384 or SHA-512; v1: SHA-1) must be the certificate's and,
//     if it has an issuerSerial, that must hold exactly one directoryName
//     equal to the certificate's issuer and the certificate's serial
//     number. This stops a signature from being passed off under another
//     certificate of the same key. For ETSI.CAdES.detached (PAdES, ETSI
//     EN 319 142-1) one of these attributes and the contentType attribute
//     are required, and a signingTime attribute fails the check: PAdES
//     baseline signatures must not carry one, their claimed time is /M.
//  4. timestamp, only when the signer info has the unsigned attribute
//     id-aa-signatureTimeStampToken: there must be exactly one token, and
//     signer/tsa.VerifyToken must accept it as an RFC 3161 token over the
//     signature value from an authority that chains to Verifier.TSARoots at
//     its genTime. The detail gives genTime in UTC and the authority's
//     name ("Timestamped 2026-11-23 18:12:42 UTC by ..."). With no
//     TSARoots the check fails as not checkable.
//  5. signer-trusted: the signer certificate chains, through the
//     certificates embedded in the CMS, to Verifier.Roots at the time of
//     the signature: the genTime of a timestamp that passed check 4; else
//     the signingTime attribute (older adbe.pkcs7.detached documents);
//     else the signature dictionary's /M when it is a valid PDF date; else
//     Verifier.Now. The signer must not be a CA, and if it has a key usage
//     extension it must allow digitalSignature or nonRepudiation.
//  6. ledger: the SHA-256 of the whole file is looked up in the ledger and
//     the record's status must be valid. When the file is not there, the
//     signed bytes are searched for certa's code marker ("certa-code:"
//     followed by a canonical verification code, which certa writes into
//     the Info /Keywords); a code the ledger knows means the file differs
//     from what was issued. Without a signature the whole file is searched.
//     At most four distinct codes are looked up. A nil Ledger, or a ledger
//     error other than errs.NotFound, fails the check with a generic
//     detail.
//
// Checks 2 to 5 are run only when check 1 finds a signature, check 4
// only when the signature has a timestamp token, and check 5 only when
// check 3 could identify the signer certificate; checks that were not run
// are left out of the report rather than reported as failed.
//
// The verdict is:
//   - valid: all the checks that apply (five, six with a timestamp) ran
//     and passed;
//   - invalid: the signature is missing or malformed in a file that carries
//     a code marker, or byte-range-whole-file, signature-integrity or
//     signer-trusted failed, or the timestamp is malformed, over other data
//     or from an authority that is not trusted, or the ledger says the
//     certificate is revoked or expired, or that the file differs from the
//     issued one;
//   - unknown: anything else (no signature and no marker, a good signature
//     the ledger does not know, ledger unavailable, a timestamp that cannot
//     be checked because no TSARoots are configured or because there are
//     several).
//
// Report.Level gives the PAdES baseline level that the checks established:
// "B-B" for an ETSI.CAdES.detached signature that passed
// signature-integrity; "B-T" when its timestamp also passed; "B-LT" when,
// moreover, validation data follows the signed revision and the DSS it
// leaves in the catalog, added after signing, has at least one /Certs,
// /CRLs or /OCSPs entry (B-LT builds on B-T: a B-B signature with a DSS
// stays "B-B"). It is "" for adbe.pkcs7.detached signatures and when
// signature-integrity failed. The level describes; it does not change the
// verdict.
//
// Details are short English sentences meant for the public: they never
// carry parser or ledger error text, and never the holder's codice fiscale.
// Of the signer's subject only the common name and organization are shown,
// with non-printable characters replaced; likewise for the timestamp
// authority.
//
// # Validation data after signing
//
// PAdES B-LT adds validation data (ISO 32000-2 12.8.4.3, ETSI EN 319 142-1
// 5.4) in incremental updates after the signed revision, outside the
// signature. The bytes after the signed range are accepted when all of
// these hold:
//
//   - The signed revision ends with "startxref N %%EOF" (and white space),
//     with a classic cross-reference table at N whose trailer has /Root and
//     /Size and no /Encrypt or /XRefStm; the catalog is found through that
//     table and those its /Prev chain leads to (at most 64).
//   - The appended bytes start right after the signed range, or after one
//     end-of-line marker, and are one or more incremental updates, each:
//     indirect objects, a classic xref section, a trailer, "startxref" and
//     "%%EOF"; nothing but one end-of-line marker follows the last "%%EOF".
//     No comments, no cross-reference streams, no object streams.
//   - Each update defines at least one object, each once. Its xref section
//     lists exactly those objects, with their generation and the offset of
//     their "num gen obj" header, plus at most a free entry for object 0;
//     its startxref points at it. So an update can neither free an object
//     nor point an object at another, older definition.
//   - Its trailer has only /Size, /Root, /Prev, /Info and /ID; /Root and
//     /Info are those of the signed revision's trailer; /Prev is the
//     previous xref section; /Size does not shrink and exceeds every object
//     number the update defines.
//   - The only object of the signed revision it may redefine is the
//     catalog, whose new dictionary must equal the signed one except for
//     /DSS. Values are compared, not bytes: white space, key order, name
//     escapes and the literal or hexadecimal form of strings do not
//     matter; numbers are compared as written. A /DSS that differs from the
//     signed one must be a reference to a new /Type /DSS object or a direct
//     DSS dictionary.
//   - Every other object has a number at least the signed revision's /Size,
//     which the signed bytes never refer to ("num gen R" anywhere in them:
//     an update must not fill a reference the signed revision left
//     dangling), and is one of: a stream whose dictionary has only a direct /Length
//     (no /Type, no /Filter) and whose data is exactly one DER SEQUENCE
//     containing neither "trailer" nor "num gen obj" (which a reader
//     rebuilding a damaged xref table could take for syntax); a /Type /DSS
//     dictionary whose /Certs, /CRLs and /OCSPs are direct arrays of
//     references to such streams and whose /VRI is a direct dictionary
//     keyed by 40 upper-case hex digits, of direct VRI dictionaries or
//     references to /Type /VRI objects; a /Type /VRI dictionary with only
//     /Cert, /CRL and /OCSP arrays of such streams, a /TU date and a /TS
//     stream. References must point to objects defined after signing, in
//     that update or an earlier one.
//
// Anything else after the signed range (a page, an annotation, a form
// field, JavaScript, an /OpenAction, another redefined object, a comment,
// a stray newline) fails byte-range-whole-file with "The file was changed
// after signing".
//
// # Caveats
//
//   - The signature is found at byte level, without a full PDF parse. A
//     signature dictionary inside a compressed object stream is not seen.
//   - The CMS must be DER (definite lengths) and nested at most 40 levels
//     deep; the pkcs7 parser's time grows with size times depth. Document
//     timestamps (ETSI.RFC3161, so PAdES B-LTA) and CMS without signed
//     attributes are not supported: such a last signature fails
//     signature-integrity. A signature with more than one signature
//     timestamp cannot be checked (unknown).
//   - The code marker is recognised in PDF literal strings, as bytes or as
//     UTF-16BE without escapes; not in hex strings or compressed streams.
//   - Without a timestamp that verifies, the time of the chain check is the
//     one the signer asserts (signingTime or /M), not a trusted time: a
//     holder of a compromised, since expired key could backdate. /M in
//     UTF-16 is not read.
//   - Revocation is not checked for the seal certificate nor for the TSA
//     certificate (CRL, OCSP): revocation of certificates is the ledger's
//     job. In particular the certificates, CRLs and OCSP responses of a
//     DSS are only checked to be DER SEQUENCEs: their signatures, validity
//     and relevance to the signer are not verified, and they are not used.
//     "B-LT" says that validation data was added, not that it is good.
//   - Validation data is recognised only after a signed revision with a
//     classic cross-reference table, and only as signer/pades writes it or
//     alike (uncompressed streams, no object streams); a DSS written by
//     other software may fail byte-range-whole-file. References to
//     objects the signed revision does not define are looked for at byte
//     level: in compressed streams they are not seen, and text that reads
//     like "12 0 R" in an uncompressed content stream counts as one (a DSS
//     update defining object 12 would then be refused).
//   - A valid verdict requires the exact bytes recorded in the ledger, so
//     any re-saving of the file, even a harmless one, makes it not valid.
//     That includes validation data added after issuance by anyone but
//     certa: the signature stays intact (byte-range-whole-file and
//     signature-integrity pass), but the file differs from the issued one.
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
	CheckTimestamp        = "timestamp" // only when the signature has a timestamp
	CheckTrust            = "signer-trusted"
	CheckLedger           = "ledger"
)

// numChecks is the number of checks a complete report has, without the
// timestamp check.
const numChecks = 5

// PAdES baseline levels (ETSI EN 319 142-1) a Report may give.
const (
	LevelBB  = "B-B"
	LevelBT  = "B-T"
	LevelBLT = "B-LT"
)

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
	// SigningTime is the time the signer asserts, if any: the CMS
	// signing-time attribute, else the signature dictionary's /M. It is
	// not a trusted timestamp.
	SigningTime time.Time `json:"signing_time,omitzero"`
	// Timestamp is the time of the signature timestamp, in UTC, and
	// TimestampAuthority the common name of the authority that made it;
	// both are set only when the timestamp check passed.
	Timestamp          time.Time `json:"timestamp,omitzero"`
	TimestampAuthority string    `json:"timestamp_authority,omitempty"`
}

// Report is the result of verifying one file.
type Report struct {
	Verdict Verdict `json:"verdict"`
	// Level is the PAdES baseline level of the verified signature (LevelBB,
	// LevelBT or LevelBLT), or "" when it is not a PAdES signature or its
	// integrity check failed. See the package documentation.
	Level       string       `json:"level,omitempty"`
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
	// TSARoots are the trust anchors for the authorities of signature
	// timestamps. When nil, no timestamp is trusted, and a signature that
	// has one cannot get a valid verdict.
	TSARoots *x509.CertPool
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
	want := numChecks
	if sig.status == sigFound {
		scope = sig.signedParts(data)

		c, appended := sig.checkByteRange(data)
		r.Checks = append(r.Checks, c)
		invalid = invalid || !c.OK

		msg, c := checkIntegrity(data, sig)
		r.Checks = append(r.Checks, c)
		invalid = invalid || !c.OK
		intact := c.OK

		var ts timestampResult
		if len(msg.tokens) > 0 || msg.badTokens {
			ts = v.checkTimestamp(msg)
			r.Checks = append(r.Checks, ts.check)
			invalid = invalid || ts.invalid
			want++
		}

		if msg.signer != nil {
			claimed := sig.claimed
			if msg.attrs.hasSigningTime {
				claimed = msg.attrs.signingTime
			}
			r.Signer = signerInfo(msg, claimed, ts)
			at := claimed
			if ts.verified {
				at = ts.genTime
			}
			if at.IsZero() {
				at = v.now()
			}
			c := v.checkTrust(msg, at)
			r.Checks = append(r.Checks, c)
			invalid = invalid || !c.OK
		}
		r.Level = level(sig, intact, ts, appended)
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
	case len(r.Checks) == want && allOK(r.Checks):
		r.Verdict = Valid
	}
	return r, nil
}

// level is the PAdES baseline level that the checks established: B-B
// for an intact ETSI.CAdES.detached signature, B-T when its timestamp
// also verified, B-LT when moreover validation data was added after
// signing in DSS-only updates.
func level(sig sigDict, intact bool, ts timestampResult, appended appendedResult) string {
	switch {
	case sig.subFilter != subFilterCAdES || !intact:
		return ""
	case !ts.verified:
		return LevelBB
	case appended.ok && appended.items > 0:
		return LevelBLT
	}
	return LevelBT
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
