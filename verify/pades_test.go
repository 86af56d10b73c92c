package verify

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	encasn1 "encoding/asn1"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"certa.example/certa/signer/pades"
)

// btChecks are the states of a valid document with a timestamp.
var btChecks = withTS()

// inLedger makes v's ledger hold the fixture's records and docs, each
// under its own code.
func inLedger(f *fixture, v *Verifier, docs ...[]byte) {
	l := f.ledger()
	for i, d := range docs {
		r := record(fmt.Sprintf("ZZZZ-ZZZZ-ZZZZ-%04d", i), d, f.now)
		l.bySum[r.SHA256] = r
		l.byCode[r.Code] = r
	}
	v.Ledger = l
}

func TestVerifyPAdES(t *testing.T) {
	f := newFixture(t)
	wantLevel := func(level string) func(t *testing.T, r Report) {
		return func(t *testing.T, r Report) {
			t.Helper()
			if r.Level != level {
				t.Errorf("level = %q, want %q", r.Level, level)
			}
		}
	}
	// Documents signed with /M long before the seal was issued: the
	// timestamp, not /M, must be the time of the chain check.
	backdated := f.now.AddDate(-5, 0, 0)
	oldBB := signPAdES(t, padesSigner(t, f.pki, nil), renderPDF(t, "backdated"), backdated)
	oldBT := signPAdES(t, padesSigner(t, f.pki, f.tsa), renderPDF(t, "backdated"), backdated)
	otherBT := signPAdES(t, padesSigner(t, f.pki, f.tsa), renderPDF(t, "other"), f.now)
	roomyBT := signPAdES(t, padesSigner(t, f.pki, f.tsa, func(o *pades.Options) { o.TimestampReserve = 4 << 10 }),
		renderPDF(t, markerPrefix+padesCodes[1]), f.now)
	bbLT := addDSS(t, f.padesBB, pades.Validation{CRLs: [][]byte{f.crl}})
	emptyUpdate := rawUpdate(t, f.padesBLT, nil, nil, "")
	crlObj := []rawObj{{-1, streamBody("", f.crl)}}
	handDSS := dssByHand(t, f.padesBT, f.crl, "")

	cases := []struct {
		name    string
		doc     func(t *testing.T) []byte
		setup   func(v *Verifier)
		verdict Verdict
		checks  string
		extra   func(t *testing.T, r Report)
		// why is the reason checkAppended gives for refusing what
		// follows the signed revision.
		why string
	}{
		{
			name:    "B-B",
			doc:     func(t *testing.T) []byte { return f.padesBB },
			verdict: Valid,
			checks:  allOKChecks,
			extra: func(t *testing.T, r Report) {
				wantLevel(LevelBB)(t, r)
				wantDetail(t, r, CheckIntegrity, "PAdES")
				// The /M of the signature dictionary, to the second.
				if r.Signer == nil || !r.Signer.SigningTime.Equal(f.now.Truncate(time.Second)) || !r.Signer.Timestamp.IsZero() {
					t.Errorf("signer = %+v, want signing time %v and no timestamp", r.Signer, f.now)
				}
			},
		},
		{
			name:    "B-T",
			doc:     func(t *testing.T) []byte { return f.padesBT },
			verdict: Valid,
			checks:  btChecks,
			extra: func(t *testing.T, r Report) {
				wantLevel(LevelBT)(t, r)
				s := r.Signer
				if s == nil || s.Timestamp.IsZero() || s.Timestamp.Sub(f.now).Abs() > time.Minute ||
					s.Timestamp.Location() != time.UTC || s.TimestampAuthority != "certa TEST TSA" {
					t.Fatalf("signer = %+v, want a timestamp near %v by the test TSA", s, f.now)
				}
				wantDetail(t, r, CheckTimestamp, "Timestamped "+s.Timestamp.Format("2006-01-02 15:04:05")+" UTC by \"certa TEST TSA\"")
				wantDetail(t, r, CheckValidity, "valid at the time of the timestamp, "+s.Timestamp.Format(timeLayout))
			},
		},
		{
			name:    "B-LT: one DSS update",
			doc:     func(t *testing.T) []byte { return f.padesBLT },
			verdict: Valid,
			checks:  btChecks,
			extra: func(t *testing.T, r Report) {
				wantLevel(LevelBLT)(t, r)
				wantDetail(t, r, CheckLaterUpdates, "Only validation data (DSS)")
			},
		},
		{
			name:    "B-LT: two DSS updates",
			doc:     func(t *testing.T) []byte { return f.padesBLT2 },
			verdict: Valid,
			checks:  btChecks,
			extra: func(t *testing.T, r Report) {
				wantLevel(LevelBLT)(t, r)
				wantDetail(t, r, CheckLaterUpdates, "Only validation data (DSS)")
			},
		},
		{
			name:    "B-B with a DSS update is still B-B",
			doc:     func(t *testing.T) []byte { return bbLT },
			setup:   func(v *Verifier) { inLedger(f, v, bbLT) },
			verdict: Valid,
			checks:  allOKChecks,
			extra:   wantLevel(LevelBB),
		},
		{
			name:    "RSA-PSS B-B",
			doc:     func(t *testing.T) []byte { return f.padesPSS },
			verdict: Valid,
			checks:  allOKChecks,
			extra:   wantLevel(LevelBB),
		},
		{
			name:    "adbe.pkcs7.detached has no level",
			doc:     func(t *testing.T) []byte { return f.issued },
			verdict: Valid,
			checks:  allOKChecks,
			extra:   wantLevel(""),
		},
		{
			name:    "B-B when a timestamp is required",
			doc:     func(t *testing.T) []byte { return f.padesBB },
			setup:   func(v *Verifier) { v.RequireTimestamp = true },
			verdict: Invalid,
			checks:  with(ko(CheckTimestamp)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckTimestamp, "which this service requires")
				wantDetail(t, r, CheckValidity, "which no timestamp confirms")
			},
		},
		{
			name:    "B-T when a timestamp is required",
			doc:     func(t *testing.T) []byte { return f.padesBT },
			setup:   func(v *Verifier) { v.RequireTimestamp = true },
			verdict: Valid,
			checks:  btChecks,
		},
		{
			name:    "B-T without trusted timestamp authorities",
			doc:     func(t *testing.T) []byte { return f.padesBT },
			setup:   func(v *Verifier) { v.TSARoots = nil },
			verdict: Indeterminate,
			checks:  withTS(un(CheckTimestamp)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckTimestamp, "no trusted timestamp authority is configured")
				wantLevel(LevelBB)(t, r)
				if r.Signer == nil || !r.Signer.Timestamp.IsZero() {
					t.Errorf("signer = %+v, want no timestamp", r.Signer)
				}
			},
		},
		{
			name:    "B-T from a timestamp authority that is not trusted",
			doc:     func(t *testing.T) []byte { return f.padesBT },
			setup:   func(v *Verifier) { v.TSARoots = f.pki.pool },
			verdict: Invalid,
			checks:  withTS(ko(CheckTimestamp)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckTimestamp, `timestamp authority "certa TEST TSA" (certa TEST) is not trusted`)
			},
		},
		{
			name: "B-T with the token of another signature",
			doc: func(t *testing.T) []byte {
				other := cmsOf(t, otherBT)
				return rebuildCMS(t, f.padesBT, nil, func(c *cmsParts) { c.unsigned = other.unsigned })
			},
			verdict: Invalid,
			checks:  withTS(ko(CheckTimestamp), ko(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckTimestamp, "not made for this signature")
			},
		},
		{
			name: "B-T with a corrupt token",
			doc: func(t *testing.T) []byte {
				return rebuildCMS(t, f.padesBT, nil, func(c *cmsParts) {
					tok := c.unsigned[0]
					tok[len(tok)-3] ^= 1 // in the TSA's signature
				})
			},
			verdict: Invalid,
			checks:  withTS(ko(CheckTimestamp), ko(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckTimestamp, "malformed or its own signature is not valid")
			},
		},
		{
			name: "B-T with two tokens",
			doc: func(t *testing.T) []byte {
				return rebuildCMS(t, roomyBT, nil, func(c *cmsParts) {
					c.unsigned = append(c.unsigned, c.unsigned[0])
				})
			},
			setup:   func(v *Verifier) { v.Ledger = nil },
			verdict: Indeterminate,
			checks:  withTS(un(CheckTimestamp), un(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckTimestamp, "more than one timestamp")
			},
		},
		{
			name:    "B-B signed with a /M before the seal: /M is the time of the chain check",
			doc:     func(t *testing.T) []byte { return oldBB },
			setup:   func(v *Verifier) { inLedger(f, v, oldBB) },
			verdict: Invalid,
			checks:  with(ko(CheckValidity)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckValidity, "not valid at the signing time, "+backdated.UTC().Format(timeLayout))
				wantDetail(t, r, CheckTrust, "comes from a trusted authority")
			},
		},
		{
			name:    "B-T signed with a /M before the seal: the timestamp is the time of the chain check",
			doc:     func(t *testing.T) []byte { return oldBT },
			setup:   func(v *Verifier) { inLedger(f, v, oldBT) },
			verdict: Valid,
			checks:  btChecks,
			extra: func(t *testing.T, r Report) {
				if r.Signer == nil || !r.Signer.SigningTime.Equal(backdated.Truncate(time.Second)) {
					t.Errorf("signer = %+v, want the /M %v as signing time", r.Signer, backdated)
				}
			},
		},
		{
			name: "B-T after the seal expired: the timestamp is the time of the chain check",
			doc:  func(t *testing.T) []byte { return f.padesBT },
			setup: func(v *Verifier) {
				rec := record(padesCodes[1], f.padesBT, f.now)
				rec.ExpiresAt = f.now.AddDate(5, 0, 0)
				v.Ledger = newFakeLedger(rec)
				v.Now = func() time.Time { return f.now.AddDate(2, 0, 0) }
			},
			verdict: Valid,
			checks:  btChecks,
		},

		// Signed attributes, re-signed by the seal's key.
		{
			name:    "re-signed with the same attributes (control)",
			doc:     func(t *testing.T) []byte { return rebuildCMS(t, f.padesBT, f.pki.leafKey, dropTokens) },
			verdict: Invalid, // a different file with an issued code
			checks:  with(ko(CheckLedger)),
			extra:   wantLevel(LevelBB),
		},
		{
			name: "signing-certificate-v2 with another certificate's hash",
			doc: func(t *testing.T) []byte {
				return rebuildCMS(t, f.padesBT, f.pki.leafKey, func(c *cmsParts) {
					dropTokens(c)
					c.replaceAttr(oidSigningCertV2, essV2(f.other.leaf, crypto.SHA256, f.pki.leaf))
				})
			},
			verdict: Invalid,
			checks:  with(ko(CheckIntegrity), ko(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckIntegrity, "names a signing certificate other than the one that made it")
				wantLevel("")(t, r)
			},
		},
		{
			name: "signing-certificate-v2 with another serial number",
			doc: func(t *testing.T) []byte {
				return rebuildCMS(t, f.padesBT, f.pki.leafKey, func(c *cmsParts) {
					dropTokens(c)
					c.replaceAttr(oidSigningCertV2, essV2(f.pki.leaf, crypto.SHA256, f.pki.root))
				})
			},
			verdict: Invalid,
			checks:  with(ko(CheckIntegrity), ko(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckIntegrity, "names a signing certificate other than")
			},
		},
		{
			name: "signing-certificate-v2 with SHA-384 and issuerSerial",
			doc: func(t *testing.T) []byte {
				return rebuildCMS(t, f.padesBT, f.pki.leafKey, func(c *cmsParts) {
					dropTokens(c)
					c.replaceAttr(oidSigningCertV2, essV2(f.pki.leaf, crypto.SHA384, f.pki.leaf))
				})
			},
			verdict: Invalid,
			checks:  with(ko(CheckLedger)),
		},
		{
			name: "signing-certificate (v1) of another certificate next to a good v2",
			doc: func(t *testing.T) []byte {
				return rebuildCMS(t, f.padesBT, f.pki.leafKey, func(c *cmsParts) {
					dropTokens(c)
					c.signed = append(c.signed, attribute(oidSigningCertV1, essV1(f.other.leaf)))
				})
			},
			verdict: Invalid,
			checks:  with(ko(CheckIntegrity), ko(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckIntegrity, "names a signing certificate other than")
			},
		},
		{
			name: "signing-certificate (v1) alone",
			doc: func(t *testing.T) []byte {
				return rebuildCMS(t, f.padesBT, f.pki.leafKey, func(c *cmsParts) {
					dropTokens(c)
					c.replaceAttr(oidSigningCertV2, nil)
					c.signed = append(c.signed, attribute(oidSigningCertV1, essV1(f.pki.leaf)))
				})
			},
			verdict: Invalid,
			checks:  with(ko(CheckLedger)),
		},
		{
			name: "ETSI.CAdES.detached without signing-certificate-v2",
			doc: func(t *testing.T) []byte {
				return rebuildCMS(t, f.padesBT, f.pki.leafKey, func(c *cmsParts) {
					dropTokens(c)
					c.replaceAttr(oidSigningCertV2, nil)
				})
			},
			verdict: Invalid,
			checks:  with(ko(CheckIntegrity), ko(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckIntegrity, "does not name its signing certificate")
			},
		},
		{
			name: "ETSI.CAdES.detached with a signing-time attribute",
			doc: func(t *testing.T) []byte {
				return rebuildCMS(t, f.padesBT, f.pki.leafKey, func(c *cmsParts) {
					dropTokens(c)
					var b cryptobyte.Builder
					b.AddASN1UTCTime(f.now.UTC())
					c.signed = append(c.signed, attribute(encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}, b.BytesOrPanic()))
				})
			},
			verdict: Invalid,
			checks:  with(ko(CheckIntegrity), ko(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckIntegrity, "signing-time attribute, which PAdES signatures must not have")
			},
		},
		{
			name: "ETSI.CAdES.detached without content type",
			doc: func(t *testing.T) []byte {
				return rebuildCMS(t, f.padesBT, f.pki.leafKey, func(c *cmsParts) {
					dropTokens(c)
					c.replaceAttr(encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}, nil)
				})
			},
			verdict: Invalid,
			checks:  with(ko(CheckIntegrity), ko(CheckLedger)),
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckIntegrity, "lack the content type")
			},
		},

		// What may follow the signed revision.
		{
			name:    "an update without objects",
			doc:     func(t *testing.T) []byte { return emptyUpdate },
			setup:   func(v *Verifier) { inLedger(f, v, emptyUpdate) },
			verdict: Invalid,
			checks:  withTS(ko(CheckLaterUpdates)),
			why:     "update without objects",
		},
		{
			name: "after B-LT, a DER stream that hides an object",
			doc: func(t *testing.T) []byte {
				var b cryptobyte.Builder
				b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1OctetString([]byte("\n3 0 obj << /Type /Page /Parent 1 0 R >> endobj\n"))
				})
				return rawUpdate(t, f.padesBLT, []rawObj{{-1, streamBody("", b.BytesOrPanic())}}, nil, "")
			},
			verdict: Invalid,
			checks:  withTS(ko(CheckLaterUpdates), ko(CheckLedger)),
			why:     "stream data looks like PDF syntax",
		},
		{
			name: "after B-LT, a DSS whose /VRI key is not a SHA-1",
			doc: func(t *testing.T) []byte {
				return replaceLast(t, dssByHand(t, f.padesBT, f.crl, ""), "0123456789ABCDEF0123456789ABCDEF01234567", "0123456789abcdef0123456789abcdef01234567")
			},
			verdict: Invalid,
			checks:  withTS(ko(CheckLaterUpdates), ko(CheckLedger)),
			why:     "DSS dictionary",
		},
		{
			name: "after B-LT, an update that adds a page",
			doc: func(t *testing.T) []byte {
				return rawUpdate(t, f.padesBLT, []rawObj{{-1, "<< /Type /Page /Parent 1 0 R /MediaBox [0 0 595 842] >>"}}, nil, "")
			},
			verdict: Invalid,
			checks:  withTS(ko(CheckLaterUpdates), ko(CheckLedger)),
			why:     "object type",
			extra: func(t *testing.T, r Report) {
				wantDetail(t, r, CheckLaterUpdates, "changed after signing")
				wantLevel(LevelBT)(t, r)
			},
		},
		{
			name: "after B-LT, an update that redefines the page tree unchanged",
			doc: func(t *testing.T) []byte {
				return rawUpdate(t, f.padesBLT, []rawObj{{1, objectBody(t, f.padesBLT, 1)}}, nil, "")
			},
			verdict: Invalid,
			checks:  withTS(ko(CheckLaterUpdates), ko(CheckLedger)),
			why:     "signed object redefined",
		},
		{
			name: "after B-LT, the catalog with an /OpenAction",
			doc: func(t *testing.T) []byte {
				cat := catalogOf(t, f.padesBLT)
				cat = strings.TrimSuffix(cat, ">>") + " /OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> >>"
				return rawUpdate(t, f.padesBLT, []rawObj{{0, cat}}, nil, "")
			},
			verdict: Invalid,
			checks:  withTS(ko(CheckLaterUpdates), ko(CheckLedger)),
			why:     "catalog changed beyond /DSS",
		},
		{
			name:    "after B-T, a DSS update written by hand",
			doc:     func(t *testing.T) []byte { return handDSS },
			setup:   func(v *Verifier) { inLedger(f, v, handDSS) },
			verdict: Valid,
			checks:  btChecks,
			extra: func(t *testing.T, r Report) {
				wantLevel(LevelBLT)(t, r)
				wantDetail(t, r, CheckLaterUpdates, "Only validation data (DSS)")
			},
		},
		{
			name: "after B-T, a DSS update that also adds an /OpenAction to the catalog",
			doc: func(t *testing.T) []byte {
				return dssByHand(t, f.padesBT, f.crl, " /OpenAction [3 0 R /Fit]")
			},
			verdict: Invalid,
			checks:  withTS(ko(CheckLaterUpdates), ko(CheckLedger)),
			why:     "catalog changed beyond /DSS",
		},
		{
			name: "after B-LT, the catalog pointing /DSS at an annotation",
			doc: func(t *testing.T) []byte {
				cat := catalogOf(t, f.padesBLT)
				cat = regexp.MustCompile(`/DSS \d+ 0 R`).ReplaceAllString(cat, "/DSS $$NEW 0 R")
				return rawUpdate(t, f.padesBLT, []rawObj{{0, cat}, {-1, "<< /Type /Annot /Subtype /Text /Rect [0 0 10 10] >>"}}, nil, "")
			},
			verdict: Invalid,
			checks:  withTS(ko(CheckLaterUpdates), ko(CheckLedger)),
			why:     "catalog /DSS",
		},
		{
			name: "after B-LT, an embedded file stream",
			doc: func(t *testing.T) []byte {
				return rawUpdate(t, f.padesBLT, []rawObj{{-1, streamBody("/Type /EmbeddedFile", f.crl)}}, nil, "")
			},
			verdict: Invalid,
			checks:  withTS(ko(CheckLaterUpdates), ko(CheckLedger)),
			why:     "stream dictionary",
		},
		{
			name: "after B-LT, a stream that is not DER",
			doc: func(t *testing.T) []byte {
				return rawUpdate(t, f.padesBLT, []rawObj{{-1, streamBody("", []byte("<html><script>alert(1)</script></html>"))}}, nil, "")
			},
			verdict: Invalid,
			checks:  withTS(ko(CheckLaterUpdates), ko(CheckLedger)),
			why:     "stream not DER",
		},
		{
			name: "after B-LT, a DER stream nothing refers to",
			doc: func(t *testing.T) []byte {
				return rawUpdate(t, f.padesBLT, []rawObj{{-1, streamBody("", f.crl)}}, nil, "")
			},
			setup: func(v *Verifier) {
				inLedger(f, v, rawUpdate(t, f.padesBLT, []rawObj{{-1, streamBody("", f.crl)}}, nil, ""))
			},
			verdict: Valid,
			checks:  btChecks,
			extra:   wantLevel(LevelBLT),
		},
		{
			name: "after B-LT, a new DSS whose /Certs names an old object",
			doc: func(t *testing.T) []byte {
				cat := catalogOf(t, f.padesBLT)
				cat = regexp.MustCompile(`/DSS \d+ 0 R`).ReplaceAllString(cat, "/DSS $$NEW 0 R")
				return rawUpdate(t, f.padesBLT, []rawObj{{0, cat}, {-1, "<< /Type /DSS /Certs [1 0 R] >>"}}, nil, "")
			},
			verdict: Invalid,
			checks:  withTS(ko(CheckLaterUpdates), ko(CheckLedger)),
			why:     "DSS dictionary",
		},
		{
			name: "after B-LT, an xref entry that points an object at its old definition",
			doc: func(t *testing.T) []byte {
				off := bytes.Index(f.padesBLT, []byte("\n1 0 obj")) + 1
				return rawUpdate(t, f.padesBLT, crlObj, []xrefEntry{{num: 1, off: off}}, "")
			},
			verdict: Invalid,
			checks:  withTS(ko(CheckLaterUpdates), ko(CheckLedger)),
			why:     "xref entry for no object of the update",
		},
		{
			name: "after B-LT, an xref entry that frees an object",
			doc: func(t *testing.T) []byte {
				return rawUpdate(t, f.padesBLT, crlObj, []xrefEntry{{num: 5, gen: 1, free: true}}, "")
			},
			verdict: Invalid,
			checks:  withTS(ko(CheckLaterUpdates), ko(CheckLedger)),
			why:     "xref frees an object",
		},
		{
			name:    "after B-LT, a trailer with another /Info",
			doc:     func(t *testing.T) []byte { return rawUpdate(t, f.padesBLT, crlObj, nil, "/Info 1 0 R") },
			verdict: Invalid,
			checks:  withTS(ko(CheckLaterUpdates), ko(CheckLedger)),
			why:     "trailer /Info",
		},
		{
			name:    "after B-LT, a trailer with another key",
			doc:     func(t *testing.T) []byte { return rawUpdate(t, f.padesBLT, crlObj, nil, "/Encrypt 1 0 R") },
			verdict: Invalid,
			checks:  withTS(ko(CheckLaterUpdates), ko(CheckLedger)),
			why:     "trailer key Encrypt",
		},
		{
			name: "after B-LT, a trailer with a wrong /Prev",
			doc: func(t *testing.T) []byte {
				doc := rawUpdate(t, f.padesBLT, crlObj, nil, "")
				prev := regexp.MustCompile(`/Prev (\d+)`).FindAllSubmatch(doc, -1)
				last := prev[len(prev)-1]
				return replaceLast(t, doc, string(last[0]), fmt.Sprintf("/Prev %0*d", len(last[1]), 0))
			},
			verdict: Invalid,
			checks:  withTS(ko(CheckLaterUpdates), ko(CheckLedger)),
			why:     "trailer /Prev",
		},
		{
			name:    "after B-LT, a comment",
			doc:     func(t *testing.T) []byte { return cat(f.padesBLT, []byte("%<script>alert(1)</script>\n")) },
			verdict: Invalid,
			checks:  withTS(ko(CheckLaterUpdates), ko(CheckLedger)),
			why:     "syntax",
		},
		{
			name:    "after B-LT, a blank line",
			doc:     func(t *testing.T) []byte { return cat(f.padesBLT, []byte("\n")) },
			verdict: Invalid,
			checks:  withTS(ko(CheckLaterUpdates), ko(CheckLedger)),
			why:     "trailing white space",
		},
		{
			name: "a DSS update cut short",
			doc: func(t *testing.T) []byte {
				return f.padesBLT[:len(f.padesBLT)-20]
			},
			verdict: Invalid,
			checks:  withTS(ko(CheckLaterUpdates), ko(CheckLedger)),
			why:     "syntax",
		},
		{
			name: "a DSS update with its startxref off by one",
			doc: func(t *testing.T) []byte {
				m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(f.padesBLT)
				var n int
				fmt.Sscan(string(m[1]), &n)
				return replaceLast(t, f.padesBLT, string(m[0]), fmt.Sprintf("startxref\n%d\n%%%%EOF\n", n-1))
			},
			verdict: Invalid,
			checks:  withTS(ko(CheckLaterUpdates), ko(CheckLedger)),
			why:     "startxref",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := f.verifier()
			if tc.setup != nil {
				tc.setup(v)
			}
			doc := tc.doc(t)
			r := verifyAs(t, v, doc, tc.verdict, tc.checks)
			if tc.extra != nil {
				tc.extra(t, r)
			}
			if tc.why != "" {
				sig := findSignature(doc)
				if res := checkAppended(doc, int(sig.c+sig.d)); res.ok || res.why != tc.why {
					t.Errorf("checkAppended = %+v, want refused because %q", res, tc.why)
				}
			}
		})
	}
}

// TestUnsupportedSubFilter checks that only the two detached CMS
// sub-filters are verified.
func TestUnsupportedSubFilter(t *testing.T) {
	f := newFixture(t)
	for _, sf := range []string{"ETSI.RFC3161", "adbe.pkcs7.sha1", ""} {
		sig := findSignature(f.padesBB)
		sig.subFilter = sf
		if _, c := checkIntegrity(f.padesBB, sig); c.OK || !strings.Contains(c.Message, "not supported") {
			t.Errorf("sub-filter %q: %+v", sf, c)
		}
	}
	sig := findSignature(f.padesBB)
	sig.dictFound = false
	if _, c := checkIntegrity(f.padesBB, sig); c.OK || !strings.Contains(c.Message, "dictionary could not be read") {
		t.Errorf("no dictionary: %+v", c)
	}
}

func TestReadSigDict(t *testing.T) {
	f := newFixture(t)
	for name, doc := range map[string][]byte{"pdfsign": f.issued, "pades": f.padesBT, "pades B-LT": f.padesBLT2} {
		sig := findSignature(doc)
		if !sig.dictFound || sig.claimed.IsZero() || sig.claimed.Sub(f.now).Abs() > time.Second {
			t.Errorf("%s: dictionary found %v, /M %v", name, sig.dictFound, sig.claimed)
		}
		want := subFilterCAdES
		if name == "pdfsign" {
			want = subFilterPKCS7
		}
		if sig.subFilter != want {
			t.Errorf("%s: sub-filter %q, want %q", name, sig.subFilter, want)
		}
	}
	// The signature dictionary must be an indirect object's.
	for _, obj := range []string{"", "1 0 obj\n"} {
		head := "%PDF-1.7\n" + obj + "<< /ByteRange [0 0000 0000 0000] /SubFilter /x /M (D:2026) /Contents "
		gap := "<3003020101>"
		tail := " >>\nendobj\n%%EOF"
		br := fmt.Sprintf("[0 %04d %04d %04d]", len(head), len(head)+len(gap), len(tail))
		doc := []byte(strings.Replace(head, "[0 0000 0000 0000]", br, 1) + gap + tail)
		sig := findSignature(doc)
		if sig.status != sigFound || sig.dictFound != (obj != "") {
			t.Errorf("%q: %+v", doc, sig)
		}
		if obj != "" && (sig.subFilter != "x" || sig.claimed.Year() != 2026) {
			t.Errorf("%q: sub-filter %q, /M %v", doc, sig.subFilter, sig.claimed)
		}
	}
}

func TestParsePDFDate(t *testing.T) {
	cases := []struct {
		in   string
		want string // RFC 3339, "" when invalid
	}{
		{"D:20261123183030+01'00'", "2026-11-23T17:30:30Z"},
		{"D:20261123183030+01'00", "2026-11-23T17:30:30Z"},
		{"D:20261123183030-05'30'", "2026-11-24T00:00:30Z"},
		{"D:20261123183030Z", "2026-11-23T18:30:30Z"},
		{"D:20261123183030Z00'00'", "2026-11-23T18:30:30Z"},
		{"D:20261123183030", "2026-11-23T18:30:30Z"},
		{"D:2026", "2026-01-01T00:00:00Z"},
		{"20261123", "2026-11-23T00:00:00Z"},
		{"D:20260230", ""},
		{"D:20261323", ""},
		{"D:202611231860", ""},
		{"D:20261123183030+24'00'", ""},
		{"D:20261123183030+01'00'x", ""},
		{"D:2026112", ""},
		{"D:", ""},
		{"", ""},
		{"\xfe\xff\x00D", ""},
	}
	for _, tc := range cases {
		got, ok := parsePDFDate(tc.in)
		if s := got.Format(time.RFC3339); ok != (tc.want != "") || (ok && s != tc.want) {
			t.Errorf("parsePDFDate(%q) = %s, %v; want %q", tc.in, s, ok, tc.want)
		}
	}
}

func TestPDFValues(t *testing.T) {
	parse := func(s string) (pdfValue, error) {
		r := &pdfReader{b: []byte(s), comments: true, budget: newBudget([]byte(s))}
		v, end, err := r.value(0, 0)
		if err == nil && r.ws(end) != len(s) {
			err = errSyntax
		}
		return v, err
	}
	same := [][2]string{
		{"<< /A 1 /B [1 0 R (x)] >>", "<</B[1 0 R<78>]/A 1>>"},
		{"/N#41me", "/NAme"},
		{"(a\\(b\\)c\\101\\\nd)", "(a(b)cAd)"},
		{"(line\r\nbreak)", "(line\nbreak)"},
		{"<4 1>", "(A)"},
		{"<41 4>", "(A@)"},
		{"[1 % comment\n 2]", "[1 2]"},
	}
	for _, p := range same {
		a, err1 := parse(p[0])
		b, err2 := parse(p[1])
		if err1 != nil || err2 != nil || !bytes.Equal(canonical(nil, a), canonical(nil, b)) {
			t.Errorf("%q and %q: %v %v, %q vs %q", p[0], p[1], err1, err2, canonical(nil, a), canonical(nil, b))
		}
	}
	different := [][2]string{
		{"1", "1.0"}, {"(1)", "1"}, {"/A", "(A)"}, {"[1 0 R]", "[1 1 R]"}, {"<< /A 1 >>", "<< /A 1 /B 2 >>"},
		{"true", "(true)"}, {"null", "[]"},
	}
	for _, p := range different {
		a, err1 := parse(p[0])
		b, err2 := parse(p[1])
		if err1 != nil || err2 != nil || bytes.Equal(canonical(nil, a), canonical(nil, b)) {
			t.Errorf("%q and %q: %v %v, both %q", p[0], p[1], err1, err2, canonical(nil, a))
		}
	}
	for _, bad := range []string{
		"", "<< /A >>", "<< /A 1 /A 2 >>", "<< 1 2 >>", "[1 2", "(abc", "<4G>", "/A#4", "/A#00", "1.2.3", "--1", "R",
		"foo", "<< /A 1 >", strings.Repeat("[", 40) + strings.Repeat("]", 40),
	} {
		if v, err := parse(bad); err == nil {
			t.Errorf("parse(%q) = %+v, want an error", bad, v)
		}
	}
	// The budget stops the reader.
	long := "[" + strings.Repeat("1 ", 1000) + "]"
	budget := 100
	r := &pdfReader{b: []byte(long), budget: &budget}
	if _, _, err := r.value(0, 0); err != errBudget {
		t.Errorf("err = %v, want %v", err, errBudget)
	}
}

func TestPSSOptions(t *testing.T) {
	f := newFixture(t)
	raw, ok := parseSignerInfo(findSignature(f.padesPSS).der)
	if !ok || !raw.sigAlg.Equal(oidRSASSAPSS) {
		t.Fatalf("not a PSS signature: %v", raw.sigAlg)
	}
	if o, ok := pssOptions(raw.sigParams, crypto.SHA256); !ok || o.SaltLength != 32 || o.Hash != crypto.SHA256 {
		t.Errorf("pssOptions = %+v, %v", o, ok)
	}
	if _, ok := pssOptions(raw.sigParams, crypto.SHA384); ok {
		t.Error("accepted a PSS hash other than the digest algorithm")
	}
	hashAlg := func(oid encasn1.ObjectIdentifier) func(b *cryptobyte.Builder) {
		return func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oid); b.AddASN1NULL() })
		}
	}
	sha256OID := encasn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	params := func(h, mgfHash encasn1.ObjectIdentifier, salt, trailer int64) []byte {
		var b cryptobyte.Builder
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			if h != nil {
				b.AddASN1(asn1.Tag(0).Constructed().ContextSpecific(), hashAlg(h))
			}
			if mgfHash != nil {
				b.AddASN1(asn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(oidMGF1)
						hashAlg(mgfHash)(b)
					})
				})
			}
			if salt >= 0 {
				b.AddASN1(asn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddASN1Int64(salt) })
			}
			if trailer >= 0 {
				b.AddASN1(asn1.Tag(3).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddASN1Int64(trailer) })
			}
		})
		return b.BytesOrPanic()
	}
	sha1OID := encasn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	for _, tc := range []struct {
		name   string
		params []byte
		ok     bool
		salt   int
	}{
		{"explicit", params(sha256OID, sha256OID, 32, 1), true, 32},
		{"default salt", params(sha256OID, sha256OID, -1, -1), true, 20},
		{"salt 0", params(sha256OID, sha256OID, 0, -1), false, 0},
		{"trailer 2", params(sha256OID, sha256OID, 32, 2), false, 0},
		{"default hash (SHA-1)", params(nil, nil, 32, -1), false, 0},
		{"SHA-1", params(sha1OID, sha1OID, 20, -1), false, 0},
		{"MGF1 with another hash", params(sha256OID, sha1OID, 32, -1), false, 0},
		{"absent", nil, false, 0},
	} {
		o, ok := pssOptions(tc.params, crypto.SHA256)
		if ok != tc.ok || (ok && o.SaltLength != tc.salt) {
			t.Errorf("%s: pssOptions = %+v, %v", tc.name, o, ok)
		}
	}
}

func TestCheckSigningCert(t *testing.T) {
	f := newFixture(t)
	leaf, other := f.pki.leaf, f.other.leaf
	for _, tc := range []struct {
		name  string
		attrs signedAttrs
		want  string // substring of the problem, "" for none
	}{
		{"none", signedAttrs{}, ""},
		{"v2 SHA-256", signedAttrs{essV2: essV2(leaf, crypto.SHA256, nil)}, ""},
		{"v2 SHA-512 with issuerSerial", signedAttrs{essV2: essV2(leaf, crypto.SHA512, leaf)}, ""},
		{"v2 of another certificate", signedAttrs{essV2: essV2(other, crypto.SHA256, nil)}, "other than"},
		{"v2 with another issuer", signedAttrs{essV2: essV2(leaf, crypto.SHA256, other)}, "other than"},
		{"v2 with SHA-1", signedAttrs{essV2: essV2(leaf, crypto.SHA1, nil)}, "hash that is not accepted"},
		{"v2 malformed", signedAttrs{essV2: []byte{0x30, 0x00}}, "malformed"},
		{"v1", signedAttrs{essV1: essV1(leaf)}, ""},
		{"v1 of another certificate", signedAttrs{essV1: essV1(other)}, "other than"},
		{"good v2, bad v1", signedAttrs{essV2: essV2(leaf, crypto.SHA256, leaf), essV1: essV1(other)}, "other than"},
	} {
		got := checkSigningCert(tc.attrs, leaf).en
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// cmsParts is a CMS SignedData taken apart for editing.
type cmsParts struct {
	head     [][]byte // SignedData elements before signerInfos
	siHead   [][]byte // version, sid, digestAlgorithm
	signed   [][]byte // signed attributes
	sigAlg   []byte
	sig      []byte
	unsigned [][]byte // values of the signature timestamp attribute
}

// cmsOf takes apart the CMS of the last signature of doc.
func cmsOf(t *testing.T, doc []byte) cmsParts {
	t.Helper()
	var c cmsParts
	in := cryptobyte.String(findSignature(doc).der)
	var ci, sd, sis, si, attrs, unsigned cryptobyte.String
	if !in.ReadASN1(&ci, asn1.SEQUENCE) || !ci.SkipASN1(asn1.OBJECT_IDENTIFIER) ||
		!ci.ReadASN1(&sd, asn1.Tag(0).Constructed().ContextSpecific()) || !sd.ReadASN1(&sd, asn1.SEQUENCE) {
		t.Fatal("bad ContentInfo")
	}
	for !sd.PeekASN1Tag(asn1.SET) || len(c.head) < 2 {
		var e cryptobyte.String
		var tag asn1.Tag
		if !sd.ReadAnyASN1Element(&e, &tag) {
			t.Fatal("bad SignedData")
		}
		c.head = append(c.head, e)
	}
	if !sd.ReadASN1(&sis, asn1.SET) || !sis.ReadASN1(&si, asn1.SEQUENCE) {
		t.Fatal("bad signerInfos")
	}
	for range 3 {
		var e cryptobyte.String
		var tag asn1.Tag
		si.ReadAnyASN1Element(&e, &tag)
		c.siHead = append(c.siHead, e)
	}
	var alg cryptobyte.String
	if !si.ReadASN1(&attrs, asn1.Tag(0).Constructed().ContextSpecific()) ||
		!si.ReadASN1Element(&alg, asn1.SEQUENCE) || !si.ReadASN1Bytes(&c.sig, asn1.OCTET_STRING) {
		t.Fatal("bad SignerInfo")
	}
	c.sigAlg = alg
	for !attrs.Empty() {
		var e cryptobyte.String
		attrs.ReadASN1Element(&e, asn1.SEQUENCE)
		c.signed = append(c.signed, bytes.Clone(e))
	}
	if si.ReadASN1(&unsigned, asn1.Tag(1).Constructed().ContextSpecific()) {
		tokens, bad := timestampTokens(unsigned)
		if bad {
			t.Fatal("bad unsigned attributes")
		}
		for _, tok := range tokens {
			c.unsigned = append(c.unsigned, bytes.Clone(tok))
		}
	}
	return c
}

// rebuildCMS edits the CMS of doc's last signature and puts it back in
// place. When key is not nil the signed attributes are signed again with
// it (ECDSA with SHA-256).
func rebuildCMS(t *testing.T, doc []byte, key crypto.Signer, edit func(*cmsParts)) []byte {
	t.Helper()
	c := cmsOf(t, doc)
	edit(&c)
	slices.SortFunc(c.signed, bytes.Compare)
	content := bytes.Join(c.signed, nil)
	var set cryptobyte.Builder
	set.AddASN1(asn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(content) })
	setDER := set.BytesOrPanic()
	if key != nil {
		d := sha256.Sum256(setDER)
		var err error
		if c.sig, err = key.Sign(rand.Reader, d[:], crypto.SHA256); err != nil {
			t.Fatal(err)
		}
	}
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2})
		b.AddASN1(asn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, e := range c.head {
					b.AddBytes(e)
				}
				b.AddASN1(asn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
						for _, e := range c.siHead {
							b.AddBytes(e)
						}
						b.AddASN1(asn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(content) })
						b.AddBytes(c.sigAlg)
						b.AddASN1OctetString(c.sig)
						if len(c.unsigned) > 0 {
							b.AddASN1(asn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
								b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
									b.AddASN1ObjectIdentifier(oidTimeStampToken)
									b.AddASN1(asn1.SET, func(b *cryptobyte.Builder) {
										for _, tok := range c.unsigned {
											b.AddBytes(tok)
										}
									})
								})
							})
						}
					})
				})
			})
		})
	})
	return withSignatureValue(t, doc, b.BytesOrPanic())
}

func dropTokens(c *cmsParts) { c.unsigned = nil }

// replaceAttr replaces the attribute oid by one with value, or removes it
// when value is nil.
func (c *cmsParts) replaceAttr(oid encasn1.ObjectIdentifier, value []byte) {
	out := c.signed[:0]
	for _, a := range c.signed {
		s := cryptobyte.String(a)
		var attr cryptobyte.String
		var got encasn1.ObjectIdentifier
		if s.ReadASN1(&attr, asn1.SEQUENCE) && attr.ReadASN1ObjectIdentifier(&got) && got.Equal(oid) {
			continue
		}
		out = append(out, a)
	}
	c.signed = out
	if value != nil {
		c.signed = append(c.signed, attribute(oid, value))
	}
}

// attribute encodes an Attribute with one value.
func attribute(oid encasn1.ObjectIdentifier, value []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1(asn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(value) })
	})
	return b.BytesOrPanic()
}

// essV2 is a SigningCertificateV2 naming cert by its hash h and, when
// issuerOf is set, by issuerOf's issuer and serial number.
func essV2(cert *x509.Certificate, h crypto.Hash, issuerOf *x509.Certificate) []byte {
	oids := map[crypto.Hash]encasn1.ObjectIdentifier{
		crypto.SHA1:   {1, 3, 14, 3, 2, 26},
		crypto.SHA384: {2, 16, 840, 1, 101, 3, 4, 2, 2},
		crypto.SHA512: {2, 16, 840, 1, 101, 3, 4, 2, 3},
	}
	d := h.New()
	d.Write(cert.Raw)
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				if oid, ok := oids[h]; ok {
					b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oid) })
				}
				b.AddASN1OctetString(d.Sum(nil))
				if issuerOf != nil {
					issuerSerial(b, issuerOf)
				}
			})
		})
	})
	return b.BytesOrPanic()
}

// essV1 is a SigningCertificate naming cert by its SHA-1 hash.
func essV1(cert *x509.Certificate) []byte {
	sum := sha1.Sum(cert.Raw)
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1OctetString(sum[:])
				issuerSerial(b, cert)
			})
		})
	})
	return b.BytesOrPanic()
}

func issuerSerial(b *cryptobyte.Builder, c *x509.Certificate) {
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.Tag(4).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(c.RawIssuer) })
		})
		b.AddASN1BigInt(new(big.Int).Set(c.SerialNumber))
	})
}

// rawObj is an object for rawUpdate: num 0 stands for the catalog's
// number, -1 for a new number; "$NEW" in a body is replaced by the first
// new number.
type rawObj struct {
	num  int
	body string
}

// rawUpdate appends to doc an incremental update, written by hand, with
// objs and a correct xref section listing them and extra; trailerExtra
// is added to the trailer, whose /Root, /Info and /Prev chain to doc's
// newest trailer.
func rawUpdate(t *testing.T, doc []byte, objs []rawObj, extra []xrefEntry, trailerExtra string) []byte {
	t.Helper()
	rev, ok := readSignedRevision(&pdfReader{b: doc, comments: true, budget: newBudget(doc)})
	if !ok {
		t.Fatal("cannot read the document's trailer")
	}
	size := rev.size
	var b bytes.Buffer
	b.Write(doc)
	var entries []xrefEntry
	for _, o := range objs {
		num := o.num
		switch num {
		case 0:
			num = rev.root.num
		case -1:
			num = size
			size++
		default:
			size = max(size, num+1)
		}
		entries = append(entries, xrefEntry{num: num, off: b.Len()})
		body := strings.ReplaceAll(o.body, "$NEW1", fmt.Sprint(rev.size+1))
		body = strings.ReplaceAll(body, "$NEW", fmt.Sprint(rev.size))
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", num, body)
	}
	entries = append(entries, extra...)
	xref := b.Len()
	b.WriteString("xref\n")
	for _, e := range entries {
		kind, gen := "n", e.gen
		if e.free {
			kind = "f"
		}
		fmt.Fprintf(&b, "%d 1\n%010d %05d %s \n", e.num, e.off, gen, kind)
	}
	info := ""
	if v, ok := rev.trailer.get("Info"); ok {
		info = " /Info " + string(doc[v.start:v.end])
	}
	if trailerExtra != "" {
		if strings.HasPrefix(trailerExtra, "/Info") {
			info = ""
		}
		trailerExtra = " " + trailerExtra
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d %d R%s /Prev %d%s >>\nstartxref\n%d\n%%%%EOF\n",
		size, rev.root.num, rev.root.gen, info, rev.startxref, trailerExtra, xref)
	return b.Bytes()
}

// dssByHand appends to doc a DSS update written by hand: a CRL stream, a
// DSS with a VRI entry, and the catalog with /DSS and catalogExtra.
func dssByHand(t *testing.T, doc, crl []byte, catalogExtra string) []byte {
	t.Helper()
	cat := strings.TrimSuffix(catalogOf(t, doc), ">>") + " /DSS $NEW1 0 R" + catalogExtra + ">>"
	return rawUpdate(t, doc, []rawObj{
		{-1, streamBody("", crl)},
		{-1, "<</Type/DSS/CRLs[$NEW 0 R]/VRI<</0123456789ABCDEF0123456789ABCDEF01234567<</CRL[$NEW 0 R]/TU(D:20261123)>>>>>>"},
		{0, cat},
	}, nil, "")
}

// streamBody is a stream object body with dict entries extra.
func streamBody(extra string, data []byte) string {
	return fmt.Sprintf("<< /Length %d %s>>\nstream\n%s\nendstream", len(data), extra, data)
}

// catalogOf returns the newest catalog dictionary of doc, as written.
func catalogOf(t *testing.T, doc []byte) string {
	t.Helper()
	rev, ok := readSignedRevision(&pdfReader{b: doc, comments: true, budget: newBudget(doc)})
	if !ok {
		t.Fatal("cannot read the document's catalog")
	}
	return string(doc[rev.catalog.start:rev.catalog.end])
}

// objectBody returns the last definition of object num in doc.
func objectBody(t *testing.T, doc []byte, num int) string {
	t.Helper()
	i := bytes.LastIndex(doc, fmt.Appendf(nil, "\n%d 0 obj", num))
	if i < 0 {
		t.Fatalf("no object %d", num)
	}
	r := &pdfReader{b: doc, comments: true, budget: newBudget(doc)}
	o, err := r.object(i + 1)
	if err != nil || o.isStream {
		t.Fatalf("object %d: %v", num, err)
	}
	return string(doc[o.val.start:o.val.end])
}

// replaceLast replaces the last occurrence of old in doc.
func replaceLast(t *testing.T, doc []byte, old, new string) []byte {
	t.Helper()
	i := bytes.LastIndex(doc, []byte(old))
	if i < 0 {
		t.Fatalf("%q not found", old)
	}
	return cat(doc[:i], []byte(new), doc[i+len(old):])
}

// TestCheckAppendedHostileRevision feeds checkAppended signed revisions
// whose cross-reference data points outside the file or loops.
func TestCheckAppendedHostileRevision(t *testing.T) {
	f := newFixture(t)
	doc := f.padesBLT
	sig := findSignature(doc)
	end := int(sig.c + sig.d)
	rev, ok := readSignedRevision(&pdfReader{b: doc[:end], comments: true, budget: newBudget(doc)})
	if !ok {
		t.Fatal("cannot read the signed revision")
	}
	r := &pdfReader{b: doc, comments: true, budget: newBudget(doc)}
	sec, err := r.xref(rev.startxref)
	if err != nil {
		t.Fatal(err)
	}
	// The catalog's entry in the newest section.
	var entry string
	for _, e := range sec.entries {
		if e.num == rev.root.num {
			entry = fmt.Sprintf("%010d %05d n", e.off, e.gen)
		}
	}
	// The signed revision's startxref value.
	sx := fmt.Sprintf("startxref\n%d\n", rev.startxref)
	nines := "startxref\n" + strings.Repeat("9", len(fmt.Sprint(rev.startxref))) + "\n"
	cases := map[string][]byte{
		"catalog entry beyond the end": bytes.Replace(doc, []byte(entry), []byte("9999999999 00000 n"), 1),
		"catalog entry at the end":     bytes.Replace(doc, []byte(entry), fmt.Appendf(nil, "%010d 00000 n", end), 1),
		"startxref beyond the end":     bytes.Replace(doc, []byte(sx), []byte(nines), 1),
		"catalog entry free":           bytes.Replace(doc, []byte(entry), []byte(entry[:len(entry)-1]+"f"), 1),
		"catalog entry elsewhere":      bytes.Replace(doc, []byte(entry), []byte("0000000009 00000 n"), 1),
	}
	for name, d := range cases {
		if bytes.Equal(d, doc) || len(d) != len(doc) {
			t.Errorf("%s: the document was not changed in place", name)
			continue
		}
		if res := checkAppended(d, end); res.ok || res.why != "signed revision unreadable" {
			t.Errorf("%s: %+v", name, res)
		}
	}

	// Without the catalog in the newest section, /Prev is followed; here
	// it leads back to the same section.
	head := "%PDF-1.7\n1 0 obj <</Type/Catalog>> endobj\n"
	xref := len(head)
	loop := fmt.Sprintf("%sxref\n0 1\n0000000000 65535 f \ntrailer <</Size 2 /Root 1 0 R /Prev %d>>\nstartxref\n%d\n%%%%EOF\n", head, xref, xref)
	if res := checkAppended([]byte(loop+"1 0 obj"), len(loop)); res.ok || res.why != "signed revision unreadable" {
		t.Errorf("/Prev loop: %+v", res)
	}
	// The same with the catalog listed is readable.
	listed := strings.Replace(loop, "0 1\n0000000000 65535 f \n", fmt.Sprintf("0 2\n0000000000 65535 f \n%010d 00000 n \n", len("%PDF-1.7\n")), 1)
	if res := checkAppended([]byte(listed+"1 0 obj"), len(listed)); res.ok || res.why != "syntax" {
		t.Errorf("catalog listed: %+v", res)
	}
}

// TestDanglingReference checks that an update may not define an object
// that the signed revision refers to without defining it.
func TestDanglingReference(t *testing.T) {
	objs := []string{"<</Type/Catalog/Pages 2 0 R/OpenAction [5 0 R /Fit]>>", "<</Type/Pages/Kids[]/Count 0>>"}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	var offs []int
	for i, o := range objs {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<</Size %d /Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	signed := b.Bytes()

	crl := newCRL(t, newPKI(t, "x"), time.Now())
	for _, tc := range []struct {
		num int
		why string
	}{{5, "new object referred to by the signed revision"}, {6, ""}, {3, ""}} {
		doc := rawUpdate(t, signed, []rawObj{{tc.num, streamBody("", crl)}}, nil, "")
		res := checkAppended(doc, len(signed))
		if res.ok != (tc.why == "") || res.why != tc.why {
			t.Errorf("object %d: %+v, want refused because %q", tc.num, res, tc.why)
		}
	}
	refs, ok := refsFrom([]byte("1 0 R 12 0 R\n/x 13 5 R] 14 0 Rx 15 0 R"), 12)
	if !ok || len(refs) != 3 || !refs[12] || !refs[13] || !refs[15] {
		t.Errorf("refsFrom = %v, %v", refs, ok)
	}
}
