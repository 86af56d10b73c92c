// Package verify checks an uploaded PDF that claims to be a certa
// certificate, independently of how the file was produced, and reports an
// overall verdict with the checks behind it, in the manner of the EU DSS
// "simple report".
//
// # Contract
//
// VerifyPDF returns an error only when the input is not a PDF at all: it is
// empty, has no "%PDF-" header within its first 1024 bytes, or contains no
// "%%EOF". That error has kind errs.NotPDF. Every other input, however
// damaged or hostile, yields a Report: a PDF that certa did not produce
// (unsigned, signed by someone else, without certa's code or seal) gets
// the verdict "not-certa", never an error. VerifyPDF never panics: panics
// inside third-party parsers are recovered and reported as a failed check.
// Its work and memory are linear in the size of the input, which the
// caller must cap (the HTTP layer accepts about 10 MiB).
//
// # Report
//
// A Report serialises to JSON as below (a valid B-T document with a QR
// seal; dates and times in RFC 3339, seal dates as YYYY-MM-DD). The field
// names and the values of verdict, status and name are a stable interface:
// fields and check names are only ever added, never renamed, removed or
// given another meaning, so clients must ignore what they do not know and
// act on the verdict, not on individual checks. Optional fields are left
// out when empty.
//
//	{
//	  "verdict": "valid",
//	  "message": "The document is intact, sealed by a trusted authority and valid according to the ledger.",
//	  "message_it": "Il documento è integro, sigillato da un'autorità attendibile e valido secondo il registro.",
//	  "level": "B-T",
//	  "checks": [
//	    {"name": "signature-present", "status": "passed", "ok": true,
//	     "message": "The file has one digital signature.", "message_it": "Il file ha una firma digitale."},
//	    {"name": "byte-range-whole-file", "status": "passed", "ok": true, "message": "...", "message_it": "..."},
//	    {"name": "later-updates", ...}, {"name": "signature-integrity", ...}, {"name": "timestamp", ...},
//	    {"name": "signer-trusted", ...}, {"name": "signer-valid-at-signing-time", ...},
//	    {"name": "qr-seal", ...}, {"name": "ledger", ...}
//	  ],
//	  "certificate": {"code": "ABCD-EFGH-JKMN-PQRS", "type": "residenza", "status": "valid",
//	    "comune": "LODI", "holder": "ROSSI MARIO", "issued_at": "2026-11-23T18:12:40Z",
//	    "expires_at": "2027-05-23T18:12:40Z", "revoked": false},
//	  "signer": {"common_name": "Comune di Lodi - Ufficio Anagrafe", "organization": "Comune di Lodi",
//	    "serial_number": "5ea1", "not_before": "...", "not_after": "...",
//	    "signing_time": "2026-11-23T18:12:40Z", "timestamp": "2026-11-23T18:12:42Z",
//	    "timestamp_authority": "certa TEST TSA"},
//	  "seal": {"code": "ABCD-EFGH-JKMN-PQRS", "type": "residenza", "comune_code": "E648",
//	    "comune": "LODI", "issued": "2026-11-23", "expires": "2027-05-23", "holder": "ROSSI MARIO",
//	    "birth_date": "1980-01-01", "facts": {"address": "VIA GIUSEPPE GARIBALDI 12"}, "expired": false}
//	}
//
// A revoked certificate adds "revoked_at" and, when the ledger records
// them, "revoked_reason" (issued-in-error, data-changed, replaced, other)
// and "replaced_by" (the code of the certificate that replaced it) to
// "certificate". "certificate" is present only when the file itself is in
// the ledger; "signer" when the signature's certificate could be
// identified, trusted or not; "seal" only when the qr-seal check passed.
//
// Messages (message, message_it) are fixed English and Italian sentences
// meant for the public, chosen from a catalogue; the only variable parts
// are dates and times (UTC), counts, verification codes, and the common
// name and organization of a signer or timestamp authority (other subject
// attributes, such as a serialNumber carrying a codice fiscale, are left
// out; non-printable characters are replaced). They never carry parser or
// ledger error text, nor the holder's codice fiscale.
//
// # Checks
//
// Every report lists all of the checks below, in this order. Each has a
// status:
//
//   - passed;
//   - failed;
//   - unavailable: the check applies but could not be done (no trust
//     anchors or trusted seal certificates configured, ledger offline, a
//     timestamp that cannot be checked);
//   - not-applicable: it does not apply to this file (no timestamp, no QR
//     seal), or it was not run because what it needs is missing (no usable
//     signature, signer not identified); the message says which.
//
// "ok" is true exactly when the status is passed; it is there for clients
// written before statuses existed.
//
//  1. signature-present: the last /ByteRange in the file is parsed strictly
//     (four non-negative integers a b c d) and the unsigned gap [a+b, c)
//     must be exactly "<" hex digits ">", right after a /Contents key. The
//     hex decodes to one DER-encoded CMS SignedData followed only by zero
//     padding. When there are several signatures, the last one is verified
//     and the message gives the count. The signature dictionary is the
//     dictionary of an indirect object ("num gen obj", found by looking
//     back from the /ByteRange, at most eight tries) whose /ByteRange has
//     these four values and whose /Contents is that gap; its /SubFilter and
//     /M are read. The checks 2 to 7 are not-applicable when this one
//     fails.
//  2. byte-range-whole-file: a == 0 and c+d is at most the length of the
//     file: the signature covers the file from its first byte to the end of
//     the signed revision, except its own value. The message says whether
//     anything follows the signed revision.
//  3. later-updates: nothing follows the signed revision (c+d equals the
//     length of the file; not even a stray newline may follow), or only
//     validation data: incremental updates that add a Document Security
//     Store and change nothing else (see "Validation data after signing").
//     Not applicable when the signed part extends beyond the end of the
//     file.
//  4. signature-integrity: the signature dictionary was found and its
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
//  5. timestamp: when the signer info has the unsigned attribute
//     id-aa-signatureTimeStampToken there must be exactly one token, and
//     signer/tsa.VerifyToken must accept it as an RFC 3161 token over the
//     signature value from an authority that chains to Verifier.TSARoots at
//     its genTime. The message gives genTime in UTC and the authority's
//     name. With no TSARoots, or with several tokens, the check is
//     unavailable. Without a token it is not-applicable, unless
//     Verifier.RequireTimestamp is set: then it fails.
//  6. signer-trusted: the signer certificate chains, through the
//     certificates embedded in the CMS, to Verifier.Roots (never the
//     system pool); the signer must not be a CA, and if it has a key usage
//     extension it must allow digitalSignature or nonRepudiation.
//     Unavailable when Roots is nil; not-applicable when check 4 could not
//     identify the signer certificate.
//  7. signer-valid-at-signing-time: the chain of check 6 is valid at the
//     time of the signature: the genTime of a timestamp that passed check
//     5; else the signingTime attribute (older adbe.pkcs7.detached
//     documents); else the signature dictionary's /M when it is a valid
//     PDF date; else Verifier.Now. The message says which time was used.
//     Not applicable when no chain to the roots could be built at all.
//  8. qr-seal: see "The QR seal" below.
//  9. ledger: the SHA-256 of the whole file is looked up in the ledger and
//     the record's status must be valid. When the file is not there, the
//     verification codes the file carries are looked up: certa's code
//     marker ("certa-code:" followed by a canonical verification code,
//     which certa writes into the Info /Keywords) in the signed bytes (the
//     whole file when there is no signature), and the code of each QR seal
//     link; a code the ledger knows means the file differs from what was
//     issued. At most four distinct codes are looked up. A nil Ledger, a
//     ledger error other than errs.NotFound, or a record without a usable
//     status make the check unavailable.
//
// # The QR seal
//
// certa documents carry the URL of their QR code (docs/seal.md) as a Link
// annotation, << /Subtype /Link /A << /S /URI /URI (HTTPS://HOST/V/CODE/SEAL) >> >>,
// on the last page. The qr-seal check reads the page tree of the signed
// revision only (the bytes up to c+d; the whole file when it has no
// signature), through its classic cross-reference tables, so that an
// annotation added by a later incremental update is never seen. It looks
// at the Link annotations of every page and keeps the URIs that
// seal.ParseURL accepts; the same seal written twice counts once. The
// check is
//
//   - not-applicable when there is no seal link (or the page tree cannot be
//     read: cross-reference streams, encryption, damage);
//   - failed when there are several different seals;
//   - unavailable when Verifier.SealTrust is nil;
//   - failed when seal.Verify, with SealTrust and the current day in
//     Europe/Rome, finds the seal malformed or not authentic; when the
//     seal's code differs from the code in its URL, from the code the
//     ledger holds for the file (when the file is in the ledger), or from
//     the file's code markers (when it has any); or when the seal's
//     certificate is not that of the PDF's signer (or the file has no
//     signature whose certificate could be identified);
//   - passed otherwise, also when the seal has expired: the message then
//     gives the expiry date and "seal"."expired" is true.
//
// "The seal's certificate is that of the PDF's signer" means: the same
// certificate, or one whose subject has the same, non-empty organization
// (O) and the same organizationIdentifier (2.5.4.97; both absent counts
// as the same). A public key match alone is not enough and not needed:
// the QR seal must be ECDSA P-256 and may therefore use a key of its own
// beside an RSA or HSM-held PDF seal, certified for the same comune; the
// organization is what both certificates vouch for, and the
// organizationIdentifier (VATIT-…) pins it down when present. The PDF
// signer itself is checked against Roots (check 6); the seal certificate
// is trusted only because SealTrust lists it.
//
// # Verdict
//
// The verdict is the first of these that applies:
//
//   - not-certa: nothing in the file ties it to certa: no code marker, no
//     seal link, the ledger knows neither the file nor a code, and the
//     signer's certificate (if any) does not chain to Roots. For that last
//     point a malformed signature counts too, when the dictionary holding
//     the last /ByteRange has a hexadecimal /Contents with a CMS whose
//     signer can be identified: a certa document rewritten by other
//     software keeps it. A damaged or modified certa document is
//     therefore "invalid", not "not-certa", as long as any of these
//     survives (see Caveats).
//   - invalid: the signature is missing or malformed in a file that is
//     tied to certa; or byte-range-whole-file, later-updates,
//     signature-integrity, signer-trusted (other than unavailable),
//     signer-valid-at-signing-time or qr-seal failed; or the timestamp is
//     malformed, over other data, from an authority that is not trusted,
//     or missing while required; or the ledger says that the file differs
//     from the one issued with its code.
//   - revoked: the ledger says the certificate was revoked;
//     "certificate" gives the date, the reason and the replacement when
//     the ledger records them.
//   - expired: the ledger says the certificate has expired, or the ledger
//     is unavailable and the QR seal (which passed) has expired.
//   - unknown: the ledger knows neither the file nor its codes.
//   - indeterminate: a check is unavailable (trust anchors, timestamp
//     authorities or seal certificates not configured, several
//     timestamps, the ledger offline or in error).
//   - valid: every check passed or is not-applicable, and at least
//     signature-present, byte-range-whole-file, later-updates,
//     signature-integrity, signer-trusted, signer-valid-at-signing-time
//     and ledger passed.
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
// a stray newline) fails later-updates with "The file was changed after
// signing".
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
//     timestamp cannot be checked (indeterminate).
//   - The code marker is recognised in PDF literal strings, as bytes or as
//     UTF-16BE without escapes; not in hex strings or compressed streams.
//     Seal links are read only from revisions with classic cross-reference
//     tables and uncompressed page and annotation objects (as fpdf and
//     signer/pades write them). A PDF re-saved with object streams loses
//     both, and with them what ties it to certa; its signature is broken
//     by the re-saving anyway.
//   - "not-certa" means that nothing certa recognises is in the file, not
//     that it proves anything about who made it.
//   - Without a timestamp that verifies, the time of the chain check is the
//     one the signer asserts (signingTime or /M), not a trusted time: a
//     holder of a compromised, since expired key could backdate. /M in
//     UTF-16 is not read.
//   - Revocation is not checked for the seal certificate nor for the TSA
//     certificate (CRL, OCSP): revocation of certificates is the ledger's
//     job, and the QR seal's certificates are trusted as SealTrust lists
//     them. In particular the certificates, CRLs and OCSP responses of a
//     DSS are only checked to be DER SEQUENCEs: their signatures, validity
//     and relevance to the signer are not verified, and they are not used.
//     "B-LT" says that validation data was added, not that it is good.
//   - Validation data is recognised only after a signed revision with a
//     classic cross-reference table, and only as signer/pades writes it or
//     alike (uncompressed streams, no object streams); a DSS written by
//     other software may fail later-updates. References to
//     objects the signed revision does not define are looked for at byte
//     level: in compressed streams they are not seen, and text that reads
//     like "12 0 R" in an uncompressed content stream counts as one (a DSS
//     update defining object 12 would then be refused).
//   - A valid verdict requires the exact bytes recorded in the ledger, so
//     any re-saving of the file, even a harmless one, makes it not valid.
//     That includes validation data added after issuance by anyone but
//     certa: the signature stays intact (byte-range-whole-file,
//     later-updates and signature-integrity pass), but the file differs
//     from the issued one.
//   - The QR seal proves what was issued, not that it is still valid: the
//     ledger decides that. When the ledger is unavailable the verdict is
//     indeterminate even with a good seal, unless the seal has expired.
package verify

import (
	"bytes"
	"context"
	"crypto/x509"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
)

// Verdict is the overall outcome of a verification. See the package
// documentation for when each applies.
type Verdict string

const (
	Valid         Verdict = "valid"
	Invalid       Verdict = "invalid"
	Revoked       Verdict = "revoked"
	Expired       Verdict = "expired"
	Unknown       Verdict = "unknown" // not in the ledger
	Indeterminate Verdict = "indeterminate"
	NotCerta      Verdict = "not-certa" // a PDF that certa did not produce
)

// Check names, in the order they appear in a Report. They are stable:
// names are only ever added.
const (
	CheckSignaturePresent = "signature-present"
	CheckByteRange        = "byte-range-whole-file"
	CheckLaterUpdates     = "later-updates"
	CheckIntegrity        = "signature-integrity"
	CheckTimestamp        = "timestamp"
	CheckTrust            = "signer-trusted"
	CheckValidity         = "signer-valid-at-signing-time"
	CheckSeal             = "qr-seal"
	CheckLedger           = "ledger"
)

// checkOrder lists the check names in report order.
var checkOrder = []string{
	CheckSignaturePresent, CheckByteRange, CheckLaterUpdates, CheckIntegrity, CheckTimestamp,
	CheckTrust, CheckValidity, CheckSeal, CheckLedger,
}

// CheckNames returns the names of the checks, in report order.
func CheckNames() []string { return slices.Clone(checkOrder) }

// CheckStatus is the outcome of one check.
type CheckStatus string

const (
	Passed        CheckStatus = "passed"
	Failed        CheckStatus = "failed"
	Unavailable   CheckStatus = "unavailable"    // applies, but could not be done
	NotApplicable CheckStatus = "not-applicable" // does not apply, or not run
)

// PAdES baseline levels (ETSI EN 319 142-1) a Report may give.
const (
	LevelBB  = "B-B"
	LevelBT  = "B-T"
	LevelBLT = "B-LT"
)

// Check is the outcome of one verification step.
type Check struct {
	Name   string      `json:"name"`
	Status CheckStatus `json:"status"`
	// OK is Status == Passed.
	OK bool `json:"ok"`
	// Message and MessageIT say the outcome in English and Italian.
	Message   string `json:"message"`
	MessageIT string `json:"message_it"`
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
	// RevokedReason is why the certificate was revoked (issued-in-error,
	// data-changed, replaced, other) and ReplacedBy the code of the
	// certificate that replaced it, when the ledger records them.
	RevokedReason ledger.Reason `json:"revoked_reason,omitempty"`
	ReplacedBy    string        `json:"replaced_by,omitempty"`
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

// SealInfo holds the claims of a QR seal that passed the qr-seal check
// (docs/seal.md). Dates are days, written YYYY-MM-DD; Expires is the last
// valid day. Text is as signed, with non-printable characters replaced.
type SealInfo struct {
	Code       string            `json:"code"`
	Type       string            `json:"type"`
	ComuneCode string            `json:"comune_code"`
	Comune     string            `json:"comune"`
	Issued     string            `json:"issued"`
	Expires    string            `json:"expires"`
	Holder     string            `json:"holder"`
	BirthDate  string            `json:"birth_date"`
	Facts      map[string]string `json:"facts,omitempty"`
	// Expired is set when the day of verification (Europe/Rome) is after
	// Expires.
	Expired bool `json:"expired"`
}

// Report is the result of verifying one file. See the package
// documentation for its JSON form.
type Report struct {
	Verdict Verdict `json:"verdict"`
	// Message and MessageIT explain the verdict in English and Italian.
	Message   string `json:"message"`
	MessageIT string `json:"message_it"`
	// Level is the PAdES baseline level of the verified signature (LevelBB,
	// LevelBT or LevelBLT), or "" when it is not a PAdES signature or its
	// integrity check failed. See the package documentation.
	Level       string       `json:"level,omitempty"`
	Checks      []Check      `json:"checks"`
	Certificate *Certificate `json:"certificate,omitempty"`
	Signer      *SignerInfo  `json:"signer,omitempty"`
	Seal        *SealInfo    `json:"seal,omitempty"`
}

// Check returns the check with the given name, and whether the report
// has it.
func (r Report) Check(name string) (Check, bool) {
	for _, c := range r.Checks {
		if c.Name == name {
			return c, true
		}
	}
	return Check{}, false
}

// Verifier verifies PDFs. The zero value is usable but trusts nothing and
// has no ledger, so it never returns valid. A Verifier is safe for
// concurrent use if its Ledger and SealTrust are.
type Verifier struct {
	// Roots are the trust anchors for signer certificates. When nil, no
	// signer is trusted (signer-trusted is unavailable): the system pool is
	// never used.
	Roots *x509.CertPool
	// TSARoots are the trust anchors for the authorities of signature
	// timestamps. When nil, no timestamp is trusted, and a signature that
	// has one cannot get a valid verdict.
	TSARoots *x509.CertPool
	// RequireTimestamp makes a signature without a timestamp fail the
	// timestamp check, as for a service whose level is B-T or B-LT.
	RequireTimestamp bool
	// Ledger is consulted for the status of issued certificates. When nil
	// (offline), the ledger check is unavailable.
	Ledger ledger.Reader
	// SealTrust returns the trusted QR seal certificate with a key
	// identifier (seal.KID), for seal.Verify. When nil, QR seals cannot be
	// checked: a document that carries one gets qr-seal unavailable.
	SealTrust func(kid []byte) (*x509.Certificate, bool)
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

// outcome gathers what the checks found, for the verdict.
type outcome struct {
	checks map[string]Check
	// invalid is set by a failure that proves the file is not a valid
	// certificate; unavailable by a check that could not be done.
	invalid, unavailable bool
	// tied is set when something in the file ties it to certa: a code
	// marker, a seal link, a ledger record, a signer chaining to Roots.
	tied bool
}

func (o *outcome) set(c Check) {
	o.checks[c.Name] = c
	switch c.Status {
	case Failed:
		o.invalid = true
	case Unavailable:
		o.unavailable = true
	}
}

// VerifyPDF verifies data as a signed certa certificate. See the package
// documentation for the checks and the verdict rules.
func (v *Verifier) VerifyPDF(ctx context.Context, data []byte) (Report, error) {
	if err := sniffPDF(data); err != nil {
		return Report{}, err
	}
	var (
		r   Report
		o   = outcome{checks: make(map[string]Check, len(checkOrder))}
		now = v.now()
		// scope is where the code marker is looked for, and revision
		// where seal links are: the signed bytes when there is a
		// signature, else the whole file.
		scope    = [][]byte{data}
		revision = data
		signer   *x509.Certificate
	)

	sig := findSignature(data)
	o.set(sig.check())
	if sig.status == sigFound {
		scope = sig.signedParts(data)
		revision = nil
		if sig.inBounds(len(data)) {
			revision = data[:sig.c+sig.d]
		}

		o.set(sig.checkByteRange(data))
		later, appended := sig.checkLaterUpdates(data)
		o.set(later)

		msg, c := checkIntegrity(data, sig)
		o.set(c)
		intact := c.Status == Passed

		ts := v.checkTimestamp(msg)
		o.checks[CheckTimestamp] = ts.check
		o.invalid = o.invalid || ts.invalid
		o.unavailable = o.unavailable || ts.check.Status == Unavailable

		if msg.signer != nil {
			signer = msg.signer
			claimed := sig.claimed
			if msg.attrs.hasSigningTime {
				claimed = msg.attrs.signingTime
			}
			r.Signer = signerInfo(msg, claimed, ts)
			at := signingTime{t: claimed, kind: timeClaimed}
			switch {
			case ts.verified:
				at = signingTime{t: ts.genTime, kind: timeStamped}
			case claimed.IsZero():
				at = signingTime{t: now, kind: timeNow}
			}
			tr := v.checkTrust(msg, at)
			o.set(tr.trust)
			o.set(tr.validity)
			o.tied = o.tied || tr.chained
		} else {
			o.set(notApplicable(CheckTrust, msgSignerUnknown))
			o.set(notApplicable(CheckValidity, msgSignerUnknown))
		}
		r.Level = level(sig, intact, ts, appended)
	} else {
		for _, name := range []string{CheckByteRange, CheckLaterUpdates, CheckIntegrity, CheckTimestamp, CheckTrust, CheckValidity} {
			o.set(notApplicable(name, msgNoSignatureToCheck))
		}
		// A signature broken by rewriting the file still says who
		// made it: certa's seal ties the file to certa.
		if m, _ := parseSignedMessage(sig.stray); sig.stray != nil && m.signer != nil {
			o.tied = o.tied || v.checkTrust(m, signingTime{t: now, kind: timeNow}).chained
		}
	}

	links := findSealLinks(revision)
	codes := findCodes(scope...)
	markers := codes
	for _, l := range links {
		codes = addCode(codes, l.code)
	}
	// signature-present failed when there is no usable signature: in a
	// file tied to certa that makes it invalid.
	o.tied = o.tied || len(codes) > 0 || len(links) > 0

	lr := v.checkLedger(ctx, data, codes)
	r.Certificate = lr.cert
	o.tied = o.tied || lr.known

	sr := v.checkSeal(links, signer, lr, markers, now)
	o.set(sr.check)
	r.Seal = sr.info

	// A ledger check that failed says revoked, expired, unknown or
	// modified: the verdict tells them apart.
	o.checks[CheckLedger] = lr.check
	o.unavailable = o.unavailable || lr.check.Status == Unavailable
	o.invalid = o.invalid || lr.outcome == ledgerDiffers

	for _, name := range checkOrder {
		r.Checks = append(r.Checks, o.checks[name])
	}
	r.Verdict = o.verdict(lr, sr)
	t := verdictText[r.Verdict]
	r.Message, r.MessageIT = t.en, t.it
	return r, nil
}

// verdict applies the rules of the package documentation, in order.
func (o *outcome) verdict(lr ledgerResult, sr sealResult) Verdict {
	switch {
	case !o.tied:
		return NotCerta
	case o.invalid:
		return Invalid
	case lr.outcome == ledgerRevoked:
		return Revoked
	case lr.outcome == ledgerExpired, lr.outcome == ledgerUnavailable && sr.expired:
		return Expired
	case lr.outcome == ledgerNotFound:
		return Unknown
	case o.unavailable:
		return Indeterminate
	}
	for _, name := range []string{CheckSignaturePresent, CheckByteRange, CheckLaterUpdates, CheckIntegrity, CheckTrust, CheckValidity, CheckLedger} {
		if o.checks[name].Status != Passed {
			return Indeterminate
		}
	}
	for _, c := range o.checks {
		if c.Status != Passed && c.Status != NotApplicable {
			return Indeterminate
		}
	}
	return Valid
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

func newCheck(name string, s CheckStatus, t text) Check {
	return Check{Name: name, Status: s, OK: s == Passed, Message: t.en, MessageIT: t.it}
}

func pass(name string, t text) Check          { return newCheck(name, Passed, t) }
func fail(name string, t text) Check          { return newCheck(name, Failed, t) }
func unavailable(name string, t text) Check   { return newCheck(name, Unavailable, t) }
func notApplicable(name string, t text) Check { return newCheck(name, NotApplicable, t) }

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

// rome is the time zone in which QR seals expire (docs/seal.md); a fixed
// CET when the system has no time zone database.
var rome = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Rome"); err == nil {
		return loc
	}
	return time.FixedZone("CET", 3600)
})
