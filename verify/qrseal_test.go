package verify

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/pki"
	"certa.example/certa/internal/seal"
	"certa.example/certa/internal/testutil"
	"certa.example/certa/signer/pades"
)

// withRecords makes v's ledger hold the fixture's records and recs.
func withRecords(f *fixture, v *Verifier, recs ...ledger.Record) {
	l := f.ledger()
	for _, r := range recs {
		l.bySum[r.SHA256] = r
		l.byCode[r.Code] = r
	}
	v.Ledger = l
}

// lastPage returns the object number of the last page of doc's newest
// revision.
func lastPage(t *testing.T, doc []byte) int {
	t.Helper()
	rr, ok := openRevision(doc)
	if !ok {
		t.Fatal("cannot read the document")
	}
	pages, ok := rr.resolve(rr.catalog.get("Pages"))
	if !ok {
		t.Fatal("no page tree")
	}
	kids, _ := pages.get("Kids")
	if len(kids.items) == 0 || kids.items[len(kids.items)-1].kind != pdfRef {
		t.Fatal("no pages")
	}
	return kids.items[len(kids.items)-1].num
}

// signedSealed renders a sealed document with a code marker and links to
// urls, and signs it with the fixture's seal.
func signedSealed(t *testing.T, f *fixture, code string, urls ...string) []byte {
	t.Helper()
	return signPAdES(t, padesSigner(t, f.pki, nil), renderSealed(t, markerPrefix+code, urls...), f.now)
}

func TestVerifySeal(t *testing.T) {
	f := newFixture(t)
	code := sealedCodes[0]
	claims := sealClaims(code, f.now)
	payload := func(p testPKI, c seal.Claims) string {
		_, pl, err := seal.ParseURL(sealURL(t, p, c))
		if err != nil {
			t.Fatal(err)
		}
		return pl
	}
	otherClaims := sealClaims("QRSE-A100-0000-00FF", f.now)
	stranger := newPKI(t, "Comune di Prova") // same name, another root: not in the trust list

	twice := signedSealed(t, f, code, f.sealedURL, f.sealedURL)
	two := signedSealed(t, f, code, f.sealedURL, sealURL(t, f.pki, otherClaims))
	byOther := signedSealed(t, f, code, sealURL(t, f.other, claims))
	untrusted := signedSealed(t, f, code, sealURL(t, stranger, claims))
	urlCode := signedSealed(t, f, code, seal.URL(sealBase, otherClaims.Code, payload(f.pki, claims)))
	malformed := signedSealed(t, f, code, sealBase+"/V/"+code+"/ABC")
	otherMarker := signedSealed(t, f, otherClaims.Code, f.sealedURL)
	plain := signedSealed(t, f, code)
	lateSeal := func(t *testing.T) []byte {
		num := lastPage(t, plain)
		body := objectBody(t, plain, num)
		body = strings.TrimSuffix(body, ">>") + " /Annots [<</Type /Annot /Subtype /Link /Rect [0 0 99 99] /A <</S /URI /URI (" + f.sealedURL + ")>>>>]>>"
		return rawUpdate(t, plain, []rawObj{{num, body}}, nil, "")
	}
	unsignedSealed := renderSealed(t, markerPrefix+code, f.sealedURL)
	otherSigner := signPAdES(t, padesSigner(t, f.other, nil), renderSealed(t, "", f.sealedURL), f.now)

	wantSeal := func(expired bool) func(t *testing.T, r Report) {
		return func(t *testing.T, r Report) {
			t.Helper()
			s := r.Seal
			if s == nil || s.Code != code || s.Type != "residenza" || s.ComuneCode != "H501" || s.Comune != "PROVA" ||
				s.Holder != "ROSSI MARIO" || s.BirthDate != "1980-01-01" || s.Issued != f.now.Format(dateLayout) ||
				s.Expires != f.now.AddDate(0, 6, 0).Format(dateLayout) || s.Facts["address"] != "VIA ROMA 1" || s.Expired != expired {
				t.Errorf("seal = %+v", s)
			}
		}
	}
	noSeal := func(t *testing.T, r Report) {
		t.Helper()
		if r.Seal != nil {
			t.Errorf("seal = %+v, want none", r.Seal)
		}
	}
	later := f.now.AddDate(0, 7, 0)

	cases := []struct {
		name    string
		doc     []byte
		setup   func(v *Verifier)
		verdict Verdict
		checks  string
		message string // in the qr-seal check
		extra   func(t *testing.T, r Report)
	}{
		{
			name: "sealed with the PDF seal's certificate", doc: f.sealed,
			verdict: Valid, checks: withSeal(), message: "authentic and matches the document",
			extra: wantSeal(false),
		},
		{
			name: "sealed with a separate P-256 certificate of the same comune", doc: f.sealedQR,
			verdict: Valid, checks: withSeal(),
		},
		{
			name: "the same seal twice counts once", doc: twice,
			setup:   func(v *Verifier) { withRecords(f, v, record(code, twice, f.now)) },
			verdict: Valid, checks: withSeal(), extra: wantSeal(false),
		},
		{
			name: "no trusted seal certificates configured", doc: f.sealed,
			setup:   func(v *Verifier) { v.SealTrust = nil },
			verdict: Indeterminate, checks: withSeal(un(CheckSeal)), message: "no trusted seal certificates are configured",
			extra: noSeal,
		},
		{
			name: "seal expired and the ledger says so", doc: f.sealed,
			setup:   func(v *Verifier) { v.Now = func() time.Time { return later } },
			verdict: Expired, checks: withSeal(ko(CheckLedger)),
			message: "it expired on " + f.now.AddDate(0, 6, 0).Format(dateLayout),
			extra:   wantSeal(true),
		},
		{
			name: "seal expired and the ledger unavailable", doc: f.sealed,
			setup:   func(v *Verifier) { v.Now = func() time.Time { return later }; v.Ledger = nil },
			verdict: Expired, checks: withSeal(un(CheckLedger)), extra: wantSeal(true),
		},
		{
			name: "good seal, ledger unavailable", doc: f.sealed,
			setup:   func(v *Verifier) { v.Ledger = nil },
			verdict: Indeterminate, checks: withSeal(un(CheckLedger)), extra: wantSeal(false),
		},
		{
			name: "good seal, revoked", doc: f.sealed,
			setup: func(v *Verifier) {
				rec := record(code, f.sealed, f.now)
				rec.Revoked, rec.RevokedAt = true, f.now
				withRecords(f, v, rec)
			},
			verdict: Revoked, checks: withSeal(ko(CheckLedger)),
		},
		{
			name: "two different seals", doc: two,
			setup:   func(v *Verifier) { withRecords(f, v, record(code, two, f.now)) },
			verdict: Invalid, checks: withSeal(ko(CheckSeal)), message: "more than one QR seal", extra: noSeal,
		},
		{
			name: "seal of another comune's certificate", doc: byOther,
			setup:   func(v *Verifier) { withRecords(f, v, record(code, byOther, f.now)) },
			verdict: Invalid, checks: withSeal(ko(CheckSeal)),
			message: `made by "Sigillo Comune Fasullo" (Comune Fasullo), which is not the signer`, extra: noSeal,
		},
		{
			name: "seal from a certificate that is not trusted", doc: untrusted,
			setup:   func(v *Verifier) { withRecords(f, v, record(code, untrusted, f.now)) },
			verdict: Invalid, checks: withSeal(ko(CheckSeal)), message: "not authentic", extra: noSeal,
		},
		{
			name: "seal code differs from its URL's", doc: urlCode,
			setup:   func(v *Verifier) { withRecords(f, v, record(code, urlCode, f.now)) },
			verdict: Invalid, checks: withSeal(ko(CheckSeal)), message: "differs from the one in its link",
		},
		{
			name: "seal code differs from the ledger's", doc: f.sealed,
			setup:   func(v *Verifier) { withRecords(f, v, record(otherClaims.Code, f.sealed, f.now)) },
			verdict: Invalid, checks: withSeal(ko(CheckSeal)), message: "another certificate than the one the ledger holds",
		},
		{
			name: "seal code differs from the document's marker", doc: otherMarker,
			setup:   func(v *Verifier) { v.Ledger = nil },
			verdict: Invalid, checks: withSeal(ko(CheckSeal), un(CheckLedger)), message: "differs from the one in the document",
		},
		{
			name: "malformed seal", doc: malformed,
			setup:   func(v *Verifier) { withRecords(f, v, record(code, malformed, f.now)) },
			verdict: Invalid, checks: withSeal(ko(CheckSeal)), message: "QR seal is malformed",
		},
		{
			name: "a seal link added after signing is not read", doc: lateSeal(t),
			setup:   func(v *Verifier) { withRecords(f, v, record(code, plain, f.now)) },
			verdict: Invalid, checks: with(ko(CheckLaterUpdates), ko(CheckLedger)), message: "carries no QR seal",
			extra: noSeal,
		},
		{
			name: "the same document without the late seal", doc: plain,
			setup:   func(v *Verifier) { withRecords(f, v, record(code, plain, f.now)) },
			verdict: Valid, checks: with(),
		},
		{
			name: "unsigned with a good seal", doc: unsignedSealed,
			verdict: Invalid, checks: unsigned(ko(CheckSeal)), message: "no usable signature",
			extra: func(t *testing.T, r Report) { wantDetail(t, r, CheckLedger, "differs from the certificate issued") },
		},
		{
			name: "signed by another comune with a good seal of this one", doc: otherSigner,
			verdict: Invalid, checks: with(ko(CheckTrust), na(CheckValidity), ko(CheckSeal), ko(CheckLedger)),
			message: "not the signer",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := f.verifier()
			if tc.setup != nil {
				tc.setup(v)
			}
			r := verifyAs(t, v, tc.doc, tc.verdict, tc.checks)
			if tc.message != "" {
				wantDetail(t, r, CheckSeal, tc.message)
			}
			if tc.extra != nil {
				tc.extra(t, r)
			}
		})
	}
}

// TestNotCerta verifies PDFs that certa did not produce, and certa-like
// ones without a seal: each gets a clear verdict, never an error.
func TestNotCerta(t *testing.T) {
	f := newFixture(t)

	// A seal certificate from a CA that the verifier does not trust, made
	// like certa's own, and a PAdES signature with it.
	now := time.Now()
	ca, err := pki.NewCA(pkix.Name{CommonName: "Altro Ente CA", Organization: []string{"Altro Ente"}, Country: []string{"IT"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := pki.IssueSeal(ca, key.Public(), pki.SealSubject{
		CommonName: "Altro Ente", Organization: "Altro Ente", OrganizationIdentifier: "VATIT-09876543210",
	}, pki.RevocationURLs{}, now)
	if err != nil {
		t.Fatal(err)
	}
	s, err := pades.NewSigner(pades.Options{Signer: key, Chain: []*x509.Certificate{cert, ca.Cert}, Name: "Altro Ente"})
	if err != nil {
		t.Fatal(err)
	}
	otherCA := signPAdES(t, s, renderSealed(t, "fattura"), now)
	otherCAMarked := signPAdES(t, s, renderPDF(t, markerPrefix+unknownCode), now)

	const certaCode = "CERT-A0A1-KE00-0001"
	certaLike := signPAdES(t, padesSigner(t, f.pki, nil), renderCertificate(t, certaCode, f.now), f.now)

	otherStates := with(ko(CheckTrust), na(CheckValidity), ko(CheckLedger))
	cases := []struct {
		name    string
		doc     []byte
		setup   func(v *Verifier)
		verdict Verdict
		checks  string
	}{
		{"(a) unsigned fpdf PDF", f.unsigned, nil, NotCerta, unsignedChecks},
		{"(a) unsigned fpdf PDF with an ordinary link, two pages", renderSealed(t, "x"), nil, NotCerta, unsignedChecks},
		{"(a) unsigned, ledger offline", f.unsigned, func(v *Verifier) { v.Ledger = nil }, NotCerta, unsigned(un(CheckLedger))},
		{"(a) minimal PDF", []byte("%PDF-1.7\n%%EOF"), nil, NotCerta, unsignedChecks},
		{"(b) signed by another CA (PAdES)", otherCA, nil, NotCerta, otherStates},
		{"(b) signed by another CA, ledger offline", otherCA, func(v *Verifier) { v.Ledger = nil }, NotCerta,
			with(ko(CheckTrust), na(CheckValidity), un(CheckLedger))},
		{"(b) signed by another CA (pkcs7)", signPDF(t, f.other, f.unsigned), nil, NotCerta, otherStates},
		{"(b) signed by another CA after a DSS-refused update", appendUpdate(otherCA), nil, NotCerta,
			with(ko(CheckLaterUpdates), ko(CheckTrust), na(CheckValidity), ko(CheckLedger))},
		{"(b) signed by another CA with a certa code: invalid", otherCAMarked, nil, Invalid, otherStates},
		{"(b) signed by another CA, byte range broken", setByteRange(t, otherCA, "[0 10 20 30]"), nil, NotCerta, unsignedChecks},
		{"certa's seal, no marker, byte range broken: invalid", setByteRange(t, f.noMarker, "[0 10 20 30]"), nil, Invalid, unsignedChecks},
		{"(c) certa-like, no seal link, in the ledger", certaLike,
			func(v *Verifier) { withRecords(f, v, record(certaCode, certaLike, f.now)) }, Valid, with()},
		{"(c) certa-like, no seal link, not in the ledger", certaLike, nil, Unknown, with(ko(CheckLedger))},
		{"(c) certa-like, no seal link, no seal trust", certaLike, func(v *Verifier) {
			withRecords(f, v, record(certaCode, certaLike, f.now))
			v.SealTrust = nil
		}, Valid, with()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := f.verifier()
			if tc.setup != nil {
				tc.setup(v)
			}
			verifyAs(t, v, tc.doc, tc.verdict, tc.checks)
		})
	}
}

// TestTruncatedAndGarbage cuts a sealed document at many points and
// feeds garbage: (d) of TestNotCerta's list.
func TestTruncatedAndGarbage(t *testing.T) {
	f := newFixture(t)
	v := f.verifier()
	doc := f.sealed
	reports := 0
	for n := 0; n < len(doc); n += 37 {
		r, err := v.VerifyPDF(t.Context(), doc[:n])
		if err != nil {
			continue // not a PDF any more: no %%EOF
		}
		reports++
		wellFormed(t, r)
		switch r.Verdict {
		case Invalid:
		case NotCerta: // cut before the marker and the seal
		default:
			t.Fatalf("cut at %d: verdict %s; checks %+v", n, r.Verdict, r.Checks)
		}
	}
	if reports == 0 {
		t.Error("no cut gave a report")
	}

	garbage := make([]byte, 4096)
	if _, err := rand.Read(garbage); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"random with header and end": cat([]byte("%PDF-1.7\n"), garbage, []byte("\n%%EOF\n")),
		"random inside a sealed one": cat(doc[:len(doc)/2], garbage[:len(doc)/4], doc[len(doc)/2+len(doc)/4:]),
		"seal link without objects":  []byte("%PDF-1.7\n/URI (" + f.sealedURL + ")\n%%EOF\n"),
	} {
		r, err := v.VerifyPDF(t.Context(), data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		wellFormed(t, r)
		if r.Verdict == Valid {
			t.Errorf("%s: valid", name)
		}
	}
	for _, data := range [][]byte{nil, garbage, []byte("%PDF-1.7\n" + f.sealedURL)} {
		if _, err := v.VerifyPDF(t.Context(), data); err == nil {
			t.Errorf("%q...: no error", data[:min(len(data), 20)])
		}
	}
}

func TestSealedReportJSON(t *testing.T) {
	f := newFixture(t)
	v := f.verifier()
	rec := record(sealedCodes[0], f.sealed, f.now)
	rec.Revoked, rec.RevokedAt = true, f.now
	withRecords(f, v, rec)
	r, err := v.VerifyPDF(t.Context(), f.sealed)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	day := f.now.Format(dateLayout)
	for _, key := range []string{
		`"verdict":"revoked","message":"The certificate was revoked: the document is no longer valid.","message_it":"Il certificato è stato revocato: il documento non è più valido.","level":"B-B","checks":[`,
		`{"name":"qr-seal","status":"passed","ok":true,"message":"The QR seal is authentic and matches the document.","message_it":"Il sigillo QR è autentico e corrisponde al documento."}`,
		`{"name":"ledger","status":"failed","ok":false,"message":"The certificate was revoked on ` + day + `.","message_it":"Il certificato è stato revocato il ` + day + `."}`,
		`"revoked":true,"revoked_at":`,
		`"seal":{"code":"` + sealedCodes[0] + `","type":"residenza","comune_code":"H501","comune":"PROVA","issued":"` + day +
			`","expires":"` + f.now.AddDate(0, 6, 0).Format(dateLayout) + `","holder":"ROSSI MARIO","birth_date":"1980-01-01","facts":{"address":"VIA ROMA 1"},"expired":false}}`,
	} {
		if !strings.Contains(s, key) {
			t.Errorf("JSON lacks %s:\n%s", key, s)
		}
	}
	if strings.Contains(s, holderCF) {
		t.Errorf("JSON contains the codice fiscale:\n%s", s)
	}
}

// TestRevocationDetails checks that a revoked certificate's reason and
// replacement reach the report: in the certificate and in both messages.
func TestRevocationDetails(t *testing.T) {
	f := newFixture(t)
	day := f.now.Format(dateLayout)
	for _, tc := range []struct {
		reason      ledger.Reason
		replacedBy  string
		en, it      string
		wantJSONKey string
	}{
		{ledger.ReasonIssuedInError, "", "The certificate was revoked on " + day + ". Reason: issued in error.",
			"Il certificato è stato revocato il " + day + ". Motivo: rilasciato per errore.", `"revoked_reason":"issued-in-error"}`},
		{ledger.ReasonDataChanged, "", "Reason: the registry data changed.", "Motivo: i dati anagrafici sono cambiati.", `"revoked_reason":"data-changed"}`},
		{ledger.ReasonReplaced, "ZZZZ-ZZZZ-ZZZZ-0001",
			"Reason: replaced by a new certificate. It was replaced by the certificate ZZZZ-ZZZZ-ZZZZ-0001.",
			"Motivo: sostituito da un nuovo certificato. È stato sostituito dal certificato ZZZZ-ZZZZ-ZZZZ-0001.",
			`"revoked_reason":"replaced","replaced_by":"ZZZZ-ZZZZ-ZZZZ-0001"}`},
		{ledger.ReasonOther, "", "Reason: other reasons.", "Motivo: altri motivi.", `"revoked_reason":"other"}`},
		{"", "", "The certificate was revoked on " + day + ".", "Il certificato è stato revocato il " + day + ".", `"revoked_at":`},
	} {
		v := f.verifier()
		rec := f.issuedRec
		rec.Revoked, rec.RevokedAt, rec.RevokedReason, rec.ReplacedBy = true, f.now, tc.reason, tc.replacedBy
		withRecords(f, v, rec)
		r, err := v.VerifyPDF(t.Context(), f.issued)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := r.Check(CheckLedger)
		if r.Verdict != Revoked || !strings.HasSuffix(c.Message, tc.en) || !strings.HasSuffix(c.MessageIT, tc.it) {
			t.Errorf("%q: %s, %q, %q", tc.reason, r.Verdict, c.Message, c.MessageIT)
		}
		if r.Certificate == nil || r.Certificate.RevokedReason != tc.reason || r.Certificate.ReplacedBy != tc.replacedBy {
			t.Errorf("%q: certificate %+v", tc.reason, r.Certificate)
		}
		b, _ := json.Marshal(r)
		if !strings.Contains(string(b), tc.wantJSONKey) {
			t.Errorf("%q: JSON lacks %s: %s", tc.reason, tc.wantJSONKey, b)
		}
	}
}

func TestFindSealLinks(t *testing.T) {
	f := newFixture(t)
	url := f.sealedURL
	one := minimalSealed(url)
	if got := findSealLinks(one); len(got) != 1 || got[0].code != sealedCodes[0] {
		t.Fatalf("findSealLinks = %+v", got)
	}
	if got := findSealLinks(f.sealed); len(got) != 1 {
		t.Errorf("signed: %+v", got)
	}
	// The QR of a document without seal key holds only the verification
	// URL: not a seal.
	for name, doc := range map[string][]byte{
		"verification URL only":  minimalSealed("HTTP://CERTA.EXAMPLE/V/" + sealedCodes[0]),
		"ordinary link":          minimalSealed("https://www.example.com/"),
		"no startxref at end":    cat(one, []byte("garbage")),
		"not a revision":         []byte("%PDF-1.7\n/URI (" + url + ")\n%%EOF\n"),
		"action not URI":         bytes.Replace(one, []byte("/S /URI"), []byte("/S /GoTo"), 1),
		"not a link":             bytes.Replace(one, []byte("/Subtype /Link"), []byte("/Subtype /Text"), 1),
		"page tree loop":         bytes.Replace(one, []byte("/Kids [3 0 R]"), []byte("/Kids [2 0 R]"), 1),
		"wrong object at offset": bytes.Replace(one, []byte("4 0 obj"), []byte("5 0 obj"), 1),
		"encrypted":              bytes.Replace(one, []byte("/Root 1 0 R"), []byte("/Root 1 0 R /Encrypt 9 0 R"), 1),
	} {
		if got := findSealLinks(doc); len(got) != 0 {
			t.Errorf("%s: %+v", name, got)
		}
	}
	// Indirect /Annots, /A and /URI, and a /Kids that is an indirect array.
	objs := []string{
		"<</Type /Catalog /Pages 2 0 R>>",
		"<</Type /Pages /Kids 8 0 R /Count 1>>",
		"<</Type /Page /Parent 2 0 R /Annots 4 0 R>>",
		"[5 0 R]",
		"<</Subtype /Link /A 6 0 R>>",
		"<</S /URI /URI 7 0 R>>",
		"(" + url + ")",
		"[3 0 R 3 0 R]",
	}
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
	if got := findSealLinks(b.Bytes()); len(got) != 1 {
		t.Errorf("indirect: %+v", got)
	}
}

func TestSameSealer(t *testing.T) {
	orgID := func(id string) []pkix.AttributeTypeAndValue {
		if id == "" {
			return nil
		}
		return []pkix.AttributeTypeAndValue{{Type: oidOrganizationIdentifier, Value: id}}
	}
	cert := func(raw string, org []string, id string) *x509.Certificate {
		return &x509.Certificate{Raw: []byte(raw), Subject: pkix.Name{Organization: org, Names: orgID(id)}}
	}
	lodi := []string{"Comune di Lodi"}
	signer := cert("pdf", lodi, "VATIT-01234567890")
	for _, tc := range []struct {
		name string
		seal *x509.Certificate
		want bool
	}{
		{"same certificate", cert("pdf", nil, ""), true},
		{"same organization and identifier", cert("qr", lodi, "VATIT-01234567890"), true},
		{"other identifier", cert("qr", lodi, "VATIT-99999999999"), false},
		{"no identifier", cert("qr", lodi, ""), false},
		{"other organization", cert("qr", []string{"Comune di Roma"}, "VATIT-01234567890"), false},
		{"no organization", cert("qr", nil, "VATIT-01234567890"), false},
	} {
		if got := sameSealer(tc.seal, signer); got != tc.want {
			t.Errorf("%s: %v", tc.name, got)
		}
	}
	if sameSealer(cert("a", nil, ""), cert("b", nil, "")) {
		t.Error("two certificates without organization match")
	}
	if !sameSealer(cert("a", lodi, ""), cert("b", lodi, "")) {
		t.Error("same organization, both without identifier, do not match")
	}
}

// TestToolsResaved re-saves documents with qpdf using object streams and
// cross-reference streams, as other PDF software writes them. The code
// marker and the seal link end up in compressed streams, and the
// signature's byte range no longer fits, but its value still names
// certa's seal: a re-saved certa document is invalid, not "not-certa".
func TestToolsResaved(t *testing.T) {
	testutil.RequireTools(t, "qpdf")
	f := newFixture(t)
	v := f.verifier()
	dir := t.TempDir()
	for name, tc := range map[string]struct {
		doc  []byte
		want Verdict
	}{
		"unsigned":     {f.unsigned, NotCerta},
		"sealed":       {f.sealed, Invalid},
		"b-lt":         {f.padesBLT, Invalid},
		"another CA's": {signPAdES(t, padesSigner(t, f.other, nil), f.unsigned, f.now), NotCerta},
	} {
		doc := tc.doc
		in := filepath.Join(dir, name+".pdf")
		out := filepath.Join(dir, name+"-resaved.pdf")
		if err := os.WriteFile(in, doc, 0o600); err != nil {
			t.Fatal(err)
		}
		if msg, code := testutil.Run(t, "qpdf", "--object-streams=generate", in, out); code != 0 && code != 3 {
			t.Fatalf("qpdf %s: %d %s", name, code, msg)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		r, err := v.VerifyPDF(t.Context(), data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		wellFormed(t, r)
		if r.Verdict != tc.want {
			t.Errorf("%s re-saved: %s, want %s; checks %s", name, r.Verdict, tc.want, states(r.Checks))
		}
	}
}
