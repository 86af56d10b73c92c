package templates

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"certa.example/certa/internal/registry"
	"certa.example/certa/internal/testutil"
	"certa.example/certa/templates/i18n"
)

// bilingualIssuers are comuni with a second official language, as
// internal/setup builds them from comuni.Comune.SecondLanguage.
var bilingualIssuers = map[i18n.Lang]Issuer{
	i18n.DE: {Comune: "BOLZANO", Province: "BZ", Office: "Ufficio Anagrafe", Language: i18n.DE, ComuneAlt: "BOZEN"},
	i18n.FR: {Comune: "AOSTA", Province: "AO", Office: "Ufficio Anagrafe", Language: i18n.FR, ComuneAlt: "AOSTE"},
	i18n.SL: {Comune: "TRIESTE", Province: "TS", Office: "Ufficio Anagrafe", Language: i18n.SL, ComuneAlt: "TRST"},
}

// bilingualDocument is the golden fixture of typ issued by the comune of
// lang in Italian and lang.
func bilingualDocument(t *testing.T, typ string, lang i18n.Lang) *Document {
	t.Helper()
	d := fixtureDocument(t, typ)
	d.Issuer = bilingualIssuers[lang]
	d.Languages = []i18n.Lang{i18n.IT, lang}
	return d
}

// grow gives the fixture household n members and the holder n residence
// periods, for the longest pages.
func grow(d *Document, n int) {
	h := &d.Subject.Household
	for i := len(h.Members); i < n; i++ {
		m := h.Members[2]
		m.Name = fmt.Sprintf("MARIA %c", 'A'+i)
		m.FiscalCode = fmt.Sprintf("RSSMRA%02dC52E648X", i)
		m.Sex, m.Kinship, m.CivilStatus = registry.Female, registry.KinParentInLaw, registry.CivilWidowed
		h.Members = append(h.Members, m)
	}
	per := &d.Subject.Person
	for len(per.Residences) < n {
		per.Residences = append([]registry.Residence{per.Residences[0]}, per.Residences...)
	}
	h.Members[0] = *per
}

// TestGoldenBilingual compares pdftotext's output of one bilingual
// document per language with a reviewed golden file, e.g.
// residenza.it-de.golden.txt. Run with -run TestGoldenBilingual -update
// to rewrite them.
func TestGoldenBilingual(t *testing.T) {
	requirePdftotext(t)
	r := newRenderer(t)
	for _, tc := range []struct {
		typ  string
		lang i18n.Lang
	}{{"residenza", i18n.DE}, {"stato_famiglia", i18n.FR}, {"residenza", i18n.SL}} {
		name := tc.typ + ".it-" + string(tc.lang)
		t.Run(name, func(t *testing.T) {
			d := bilingualDocument(t, tc.typ, tc.lang)
			res, err := r.Render(d)
			if err != nil {
				t.Fatal(err)
			}
			if res.Lossy {
				t.Fatal("lossy")
			}
			out := pdfText(t, res.PDF)
			for _, want := range []string{
				i18n.T(i18n.IT, i18n.TitleKey(tc.typ)), i18n.T(tc.lang, i18n.TitleKey(tc.typ)),
				i18n.T(i18n.IT, i18n.ComuneOf, d.Issuer.Comune), i18n.T(tc.lang, i18n.ComuneOf, d.Issuer.ComuneAlt),
			} {
				if !bytes.Contains(out, []byte(want)) {
					t.Errorf("no %q in\n%s", want, out)
				}
			}
			checkGolden(t, filepath.Join("testdata", name+".golden.txt"), out)
		})
	}
}

// TestBilingualFits renders every type in every second language on the
// longest pages the bilingual layout promises to hold: a household of six
// and six residence periods. Every text must print exactly (the fixture
// has Ș, Ò and Ü; the translations their own letters).
func TestBilingualFits(t *testing.T) {
	r := newRenderer(t)
	for _, lang := range []i18n.Lang{i18n.DE, i18n.FR, i18n.SL} {
		for _, ty := range Types() {
			t.Run(string(lang)+"/"+ty.Name, func(t *testing.T) {
				d := bilingualDocument(t, ty.Name, lang)
				grow(d, 6)
				res, err := r.Render(d)
				if err != nil {
					t.Fatal(err)
				}
				if res.Lossy {
					t.Error("lossy")
				}
			})
		}
	}
}

// TestMultiPage: a body longer than a page continues on the next, table
// heads repeated and rows kept with their notes; the closing and the QR
// code end the last page; every page has a numbered footer. Short
// documents stay one page, unnumbered.
func TestMultiPage(t *testing.T) {
	requirePdftotext(t)
	r := newRenderer(t)
	for _, tc := range []struct {
		typ     string
		lang    i18n.Lang
		members int
		pages   int
	}{
		{"stato_famiglia", i18n.IT, 7, 1},
		{"stato_famiglia", i18n.IT, 14, 2},
		{"stato_famiglia_parentela", i18n.IT, 40, 3},
		{"storico_residenza", i18n.IT, 30, 2},
		{"stato_famiglia_parentela", i18n.DE, 14, 2},
		{"storico_residenza", i18n.FR, 14, 2},
	} {
		t.Run(fmt.Sprintf("%s/%s/%d", tc.typ, tc.lang, tc.members), func(t *testing.T) {
			var d *Document
			if tc.lang == i18n.IT {
				d = fixtureDocument(t, tc.typ)
			} else {
				d = bilingualDocument(t, tc.typ, tc.lang)
			}
			grow(d, tc.members)
			res, err := r.Render(d)
			if err != nil {
				t.Fatal(err)
			}
			if n := bytes.Count(res.PDF, []byte("/Type /Page\n")); n != tc.pages {
				t.Fatalf("%d pages, want %d", n, tc.pages)
			}
			checkPDFA(t, res.PDF, d)
			signed := signForTest(t, res.PDF)
			if out, code := testutil.Run(t, "qpdf", "--check", testutil.WriteTemp(t, "signed.pdf", signed)); code != 0 {
				t.Fatalf("qpdf --check on the signed document: exit %d\n%s", code, out)
			}
			text := string(pdfText(t, res.PDF))
			if tc.typ != "storico_residenza" {
				for _, m := range d.Subject.Household.Members {
					if !strings.Contains(text, m.FiscalCode) {
						t.Errorf("member %s missing", m.FiscalCode)
					}
				}
			}
			if tc.pages == 1 {
				if strings.Contains(text, "(segue)") || strings.Contains(text, " - 1/1") {
					t.Error("a one-page document is marked as continued")
				}
				return
			}
			for i := 1; i <= tc.pages; i++ {
				if want := fmt.Sprintf(" - %d/%d", i, tc.pages); !strings.Contains(text, want) {
					t.Errorf("no footer %q", want)
				}
			}
			if n := strings.Count(text, "DOCUMENTO DIMOSTRATIVO"); n != tc.pages {
				t.Errorf("the demo banner is on %d of %d pages", n, tc.pages)
			}
			if strings.Count(text, "(segue)") != tc.pages-1 {
				t.Errorf("%d continuation headers, want %d", strings.Count(text, "(segue)"), tc.pages-1)
			}
			if i := strings.Index(text, "Codice di verifica"); i < strings.LastIndex(text, "(segue)") {
				t.Error("the verification code is not on the last page")
			}
		})
	}
}

func TestRenderLanguages(t *testing.T) {
	r := newRenderer(t)
	base, err := r.Render(fixtureDocument(t, "residenza"))
	if err != nil {
		t.Fatal(err)
	}
	// [it] is nil; an Italian document of a bilingual comune prints no
	// German.
	d := fixtureDocument(t, "residenza")
	d.Languages = []i18n.Lang{i18n.IT}
	d.Issuer.Language, d.Issuer.ComuneAlt = i18n.DE, "LODEN"
	if res, err := r.Render(d); err != nil || !bytes.Equal(res.PDF, base.PDF) {
		t.Errorf("Italian document with [it] and a second-language issuer differs (%v)", err)
	}
	for _, tc := range []struct {
		name  string
		langs []i18n.Lang
		iss   Issuer
	}{
		{"second language alone", []i18n.Lang{i18n.DE}, bilingualIssuers[i18n.DE]},
		{"Italian twice", []i18n.Lang{i18n.IT, i18n.IT}, bilingualIssuers[i18n.DE]},
		{"Italian second", []i18n.Lang{i18n.DE, i18n.IT}, bilingualIssuers[i18n.DE]},
		{"three", []i18n.Lang{i18n.IT, i18n.DE, i18n.FR}, bilingualIssuers[i18n.DE]},
		{"unknown", []i18n.Lang{i18n.IT, "en"}, bilingualIssuers[i18n.DE]},
		{"comune without it", []i18n.Lang{i18n.IT, i18n.DE}, Issuer{Comune: "LODI", Province: "LO", Office: "Ufficio Anagrafe"}},
		{"comune with another", []i18n.Lang{i18n.IT, i18n.FR}, bilingualIssuers[i18n.DE]},
	} {
		d := fixtureDocument(t, "residenza")
		d.Languages, d.Issuer = tc.langs, tc.iss
		if _, err := r.Render(d); err == nil {
			t.Errorf("%s: %v rendered", tc.name, tc.langs)
		}
	}
}

func TestComuneNames(t *testing.T) {
	bi := &page{alt: i18n.SL}
	for _, tc := range []struct {
		p         *page
		iss       Issuer
		want, alt string
	}{
		{&page{}, bilingualIssuers[i18n.DE], "BOLZANO", "Bolzano"},
		{bi, bilingualIssuers[i18n.DE], "BOLZANO/BOZEN", "Bolzano/Bozen"},
		{bi, Issuer{Comune: "DUINO AURISINA-DEVIN NABREŽINA", ComuneAlt: "DEVIN NABREŽINA"}, "DUINO AURISINA-DEVIN NABREŽINA", "Duino Aurisina-devin Nabrežina"},
		{bi, Issuer{Comune: "COURMAYEUR", ComuneAlt: "COURMAYEUR"}, "COURMAYEUR", "Courmayeur"},
	} {
		if got := tc.p.comuneNames(tc.iss, nil); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.iss, got, tc.want)
		}
		if got := tc.p.comuneNames(tc.iss, TitleCase); got != tc.alt {
			t.Errorf("%+v: %q, want %q", tc.iss, got, tc.alt)
		}
	}
}

// TestPDFABilingual checks the PDF/A structure of bilingual documents,
// whose title is in both languages and whose /Lang stays it-IT.
func TestPDFABilingual(t *testing.T) {
	testutil.RequireTools(t, "qpdf")
	r := newRenderer(t)
	for _, lang := range []i18n.Lang{i18n.DE, i18n.FR, i18n.SL} {
		d := bilingualDocument(t, "stato_famiglia_parentela", lang)
		res, err := r.Render(d)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.PDF) > maxDocSize {
			t.Errorf("%s: %d bytes, budget %d", lang, len(res.PDF), maxDocSize)
		}
		checkPDFA(t, res.PDF, d)
	}
}

// The bilingual wording holds no fixed Italian text of its own: every
// message a bilingual page prints in Italian is the one an Italian page
// prints (one source, package i18n).
func TestBilingualStartsWithItalian(t *testing.T) {
	requirePdftotext(t)
	r := newRenderer(t)
	it, err := r.Render(fixtureDocument(t, "cittadinanza"))
	if err != nil {
		t.Fatal(err)
	}
	bi, err := r.Render(bilingualDocument(t, "cittadinanza", i18n.DE))
	if err != nil {
		t.Fatal(err)
	}
	flat := func(b []byte) string { return strings.Join(strings.Fields(string(b)), " ") }
	itText, biText := flat(pdfText(t, it.PDF)), flat(pdfText(t, bi.PDF))
	for _, key := range []i18n.Key{i18n.BasedOnRecords, i18n.ItalianCitizen, i18n.IssuedForLawfulUse, i18n.NotForPublicBodies} {
		want := i18n.T(i18n.IT, key)
		if !strings.Contains(itText, want) || !strings.Contains(biText, want+" / "+i18n.T(i18n.DE, key)) {
			t.Errorf("%s: %q not printed as expected", key, want)
		}
	}
}

func BenchmarkRenderBilingual(b *testing.B) {
	r := newRenderer(b)
	d := bilingualDocument(&testing.T{}, "stato_famiglia", i18n.DE)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := r.Render(d); err != nil {
				b.Fatal(err)
			}
		}
	})
}
