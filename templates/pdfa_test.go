package templates

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/encoding/charmap"

	"certa.example/certa/internal/testutil"
	"certa.example/certa/signer/pades"
	"certa.example/certa/templates/i18n"
)

// maxDocSize is the size budget of one signed document, fonts included
// (issue 9: 40 KB).
const maxDocSize = 40_000

// qpdfDoc is a PDF as qpdf --json (version 2) shows it.
type qpdfDoc struct {
	objs    map[string]qpdfObj // by "N 0 R"
	trailer map[string]any
}

type qpdfObj struct {
	Value  any `json:"value"`
	Stream *struct {
		Dict map[string]any `json:"dict"`
		Data string         `json:"data"` // base64, decoded from Flate
	} `json:"stream"`
}

func loadQPDF(t *testing.T, path string) *qpdfDoc {
	t.Helper()
	out, code := testutil.Output(t, "qpdf", "--json", "--json-key=qpdf", "--json-stream-data=inline", path)
	if code != 0 {
		t.Fatalf("qpdf --json exit %d", code)
	}
	var top struct {
		QPDF []json.RawMessage `json:"qpdf"`
	}
	if err := json.Unmarshal([]byte(out), &top); err != nil || len(top.QPDF) != 2 {
		t.Fatalf("qpdf --json: %v", err)
	}
	var raw map[string]qpdfObj
	if err := json.Unmarshal(top.QPDF[1], &raw); err != nil {
		t.Fatal(err)
	}
	q := &qpdfDoc{objs: map[string]qpdfObj{}}
	for k, o := range raw {
		if k == "trailer" {
			q.trailer, _ = o.Value.(map[string]any)
			continue
		}
		q.objs[strings.TrimPrefix(k, "obj:")] = o
	}
	if q.trailer == nil {
		t.Fatal("qpdf --json: no trailer")
	}
	return q
}

// dict resolves v (a direct dictionary or a reference to a dictionary or
// stream) to a dictionary; nil if it is neither.
func (q *qpdfDoc) dict(v any) map[string]any {
	if ref, ok := v.(string); ok {
		o, found := q.objs[ref]
		if !found {
			return nil
		}
		if o.Stream != nil {
			return o.Stream.Dict
		}
		v = o.Value
	}
	d, _ := v.(map[string]any)
	return d
}

// array resolves v to an array.
func (q *qpdfDoc) array(v any) []any {
	if ref, ok := v.(string); ok {
		if o, found := q.objs[ref]; found {
			v = o.Value
		}
	}
	a, _ := v.([]any)
	return a
}

// stream returns the decoded data of the stream v refers to.
func (q *qpdfDoc) stream(t *testing.T, v any) []byte {
	t.Helper()
	ref, _ := v.(string)
	o, ok := q.objs[ref]
	if !ok || o.Stream == nil {
		t.Fatalf("%v is not a stream", v)
	}
	b, err := base64.StdEncoding.DecodeString(o.Stream.Data)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// text returns the text of a qpdf JSON string ("u:..." for text strings).
func text(v any) string {
	s, _ := v.(string)
	return strings.TrimPrefix(s, "u:")
}

// xmpPacket holds the XMP properties PDF/A-2b needs.
type xmpPacket struct {
	Descriptions []struct {
		Part        string `xml:"http://www.aiim.org/pdfa/ns/id/ part"`
		Conformance string `xml:"http://www.aiim.org/pdfa/ns/id/ conformance"`
		Title       struct {
			Items []string `xml:"Alt>li"`
		} `xml:"http://purl.org/dc/elements/1.1/ title"`
		Creator struct {
			Items []string `xml:"Seq>li"`
		} `xml:"http://purl.org/dc/elements/1.1/ creator"`
		Keywords    string `xml:"http://ns.adobe.com/pdf/1.3/ Keywords"`
		Producer    string `xml:"http://ns.adobe.com/pdf/1.3/ Producer"`
		CreatorTool string `xml:"http://ns.adobe.com/xap/1.0/ CreatorTool"`
		CreateDate  string `xml:"http://ns.adobe.com/xap/1.0/ CreateDate"`
		ModifyDate  string `xml:"http://ns.adobe.com/xap/1.0/ ModifyDate"`
	} `xml:"RDF>Description"`
}

var pdfDateRE = regexp.MustCompile(`^D:(\d{14})([+-])(\d\d)'(\d\d)'$`)

// parsePDFDate reads the date strings finish writes (a time zone is
// required: PDF/A compares them with the XMP dates).
func parsePDFDate(t *testing.T, s string) time.Time {
	t.Helper()
	m := pdfDateRE.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("date %q lacks the full D:YYYYMMDDHHmmSS+HH'mm' form", s)
	}
	v, err := time.Parse("20060102150405-07:00", m[1]+m[2]+m[3]+":"+m[4])
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// aglNames are the Adobe Glyph List (glyphlist.txt) entries for the
// glyph names certa puts in /Differences: PDF/A-2 6.2.11.6 allows only
// listed names there.
var aglNames = map[string]rune{
	"Ccaron": 0x010C, "ccaron": 0x010D, "Cacute": 0x0106, "cacute": 0x0107, "Lslash": 0x0141, "lslash": 0x0142,
	"Nacute": 0x0143, "nacute": 0x0144, "Ohungarumlaut": 0x0150, "ohungarumlaut": 0x0151,
	"Uhungarumlaut": 0x0170, "uhungarumlaut": 0x0171, "Scommaaccent": 0x0218, "scommaaccent": 0x0219,
	"Tcommaaccent": 0x0162, "tcommaaccent": 0x0163, "Scedilla": 0x015E, "scedilla": 0x015F,
	"Gbreve": 0x011E, "gbreve": 0x011F, "Idotaccent": 0x0130, "dotlessi": 0x0131, "Rcaron": 0x0158,
	"rcaron": 0x0159, "Ecaron": 0x011A, "ecaron": 0x011B, "Eogonek": 0x0118, "eogonek": 0x0119,
	"Aogonek": 0x0104, "aogonek": 0x0105, "Sacute": 0x015A, "sacute": 0x015B, "Zacute": 0x0179,
	"zacute": 0x017A, "Zdotaccent": 0x017B, "zdotaccent": 0x017C, "Dcroat": 0x0110, "dcroat": 0x0111,
}

// checkPDFA asserts the PDF/A-2b requirements on a rendered (unsigned)
// document and returns its trailer /ID.
func checkPDFA(t *testing.T, pdf []byte, d *Document) []any {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.7\n%")) || len(pdf) < 14 {
		t.Fatalf("header %q", pdf[:min(len(pdf), 16)])
	}
	for _, c := range pdf[10:14] {
		if c < 0x80 {
			t.Fatalf("second line %q: PDF/A wants four bytes above 127 after %%", pdf[9:16])
		}
	}
	if !bytes.HasSuffix(pdf, []byte("\n%%EOF\n")) {
		t.Fatalf("the file does not end with the %s marker", "%%EOF")
	}
	path := testutil.WriteTemp(t, "doc.pdf", pdf)
	if out, code := testutil.Run(t, "qpdf", "--check", path); code != 0 || strings.Contains(out, "WARNING") {
		t.Fatalf("qpdf --check exit %d:\n%s", code, out)
	}
	q := loadQPDF(t, path)

	// Trailer: /ID, no /Encrypt.
	id := q.array(q.trailer["/ID"])
	if len(id) != 2 || id[0] != id[1] || len(text(id[0])) != len("b:")+32 {
		t.Fatalf("trailer /ID = %v", q.trailer["/ID"])
	}
	if _, ok := q.trailer["/Encrypt"]; ok {
		t.Fatal("trailer has /Encrypt")
	}

	// Catalog: /Lang, /Metadata, /OutputIntents.
	cat := q.dict(q.trailer["/Root"])
	if cat["/Type"] != "/Catalog" || text(cat["/Lang"]) != "it-IT" {
		t.Fatalf("catalog %v: /Lang it-IT wanted", cat)
	}
	md := q.dict(cat["/Metadata"])
	if md["/Type"] != "/Metadata" || md["/Subtype"] != "/XML" || md["/Filter"] != nil {
		t.Fatalf("/Metadata stream dictionary %v (PDF/A wants it unfiltered)", md)
	}
	xmpData := q.stream(t, cat["/Metadata"])
	var x xmpPacket
	if err := xml.Unmarshal(xmpData, &x); err != nil {
		t.Fatalf("XMP: %v\n%s", err, xmpData)
	}
	if len(x.Descriptions) != 1 {
		t.Fatalf("XMP: %d rdf:Description elements", len(x.Descriptions))
	}
	xd := x.Descriptions[0]
	if xd.Part != "2" || xd.Conformance != "B" {
		t.Fatalf("XMP pdfaid:part %q conformance %q, want 2 and B", xd.Part, xd.Conformance)
	}
	info := q.dict(q.trailer["/Info"])
	for _, c := range []struct{ key, info, xmp string }{
		{"Title", text(info["/Title"]), strings.Join(xd.Title.Items, "|")},
		{"Author", text(info["/Author"]), strings.Join(xd.Creator.Items, "|")},
		{"Keywords", text(info["/Keywords"]), xd.Keywords},
		{"Producer", text(info["/Producer"]), xd.Producer},
		{"Creator", text(info["/Creator"]), xd.CreatorTool},
	} {
		if c.info == "" || c.info != c.xmp {
			t.Errorf("Info /%s %q, XMP %q: PDF/A wants them equal", c.key, c.info, c.xmp)
		}
	}
	title := d.Type.Title
	if len(d.Languages) == 2 {
		title += i18n.Sep + i18n.T(d.Languages[1], i18n.TitleKey(d.Type.Name))
	}
	if text(info["/Title"]) != title || text(info["/Keywords"]) != KeywordsPrefix+d.Code ||
		text(info["/Author"]) != "Comune di "+TitleCase(d.Issuer.Comune) {
		t.Errorf("Info %v does not describe the document", info)
	}
	for _, c := range []struct{ key, info, xmp string }{
		{"CreationDate", text(info["/CreationDate"]), xd.CreateDate},
		{"ModDate", text(info["/ModDate"]), xd.ModifyDate},
	} {
		pd := parsePDFDate(t, c.info)
		xdt, err := time.Parse(time.RFC3339, c.xmp)
		if err != nil {
			t.Fatalf("XMP date for /%s: %v", c.key, err)
		}
		_, po := pd.Zone()
		_, xo := xdt.Zone()
		if !pd.Equal(xdt) || po != xo || !pd.Equal(d.IssuedAt) {
			t.Errorf("/%s %s, XMP %s, issued %s: want the same instant and offset", c.key, c.info, c.xmp, d.IssuedAt)
		}
	}

	intents := q.array(cat["/OutputIntents"])
	if len(intents) != 1 {
		t.Fatalf("/OutputIntents %v: one wanted", cat["/OutputIntents"])
	}
	oi := q.dict(intents[0])
	if oi["/S"] != "/GTS_PDFA1" || text(oi["/OutputConditionIdentifier"]) == "" {
		t.Fatalf("output intent %v", oi)
	}
	if n, _ := q.dict(oi["/DestOutputProfile"])["/N"].(float64); n != 3 {
		t.Fatalf("DestOutputProfile /N = %v, want 3", q.dict(oi["/DestOutputProfile"])["/N"])
	}
	checkICC(t, q.stream(t, oi["/DestOutputProfile"]))

	// Nothing PDF/A-2b forbids, anywhere; every font embedded and
	// consistent with its program.
	fonts := 0
	var used [256]bool // every byte of every page's contents
	for _, o := range q.objs {
		if d, ok := o.Value.(map[string]any); ok && d["/Type"] == "/Page" {
			for _, c := range q.stream(t, d["/Contents"]) {
				used[c] = true
			}
		}
	}
	for ref, o := range q.objs {
		v := o.Value
		if o.Stream != nil {
			v = o.Stream.Dict
		}
		walkForbidden(t, ref, v)
		if d, ok := v.(map[string]any); ok && d["/Type"] == "/Font" {
			fonts++
			checkFont(t, q, ref, d, &used)
		}
	}
	if fonts != 2 {
		t.Errorf("%d fonts, want 2 (regular and bold)", fonts)
	}
	return id
}

// walkForbidden fails on keys and values PDF/A-2b forbids: encryption,
// JavaScript and other actions, transparency, embedded files, LZW.
func walkForbidden(t *testing.T, where string, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			switch k {
			case "/Encrypt", "/JS", "/JavaScript", "/AA", "/EmbeddedFiles", "/AF", "/TR", "/TR2":
				t.Errorf("%s: forbidden key %s", where, k)
			case "/SMask":
				if e != "/None" {
					t.Errorf("%s: soft mask %v", where, e)
				}
			case "/CA", "/ca":
				if f, _ := e.(float64); f != 1 {
					t.Errorf("%s: %s %v (transparency)", where, k, e)
				}
			case "/BM":
				if e != "/Normal" && e != "/Compatible" {
					t.Errorf("%s: blend mode %v", where, e)
				}
			case "/S":
				if e == "/Transparency" || e == "/JavaScript" || e == "/Launch" {
					t.Errorf("%s: /S %v", where, e)
				}
			case "/Filter":
				if e == "/LZWDecode" || fmt.Sprint(e) == "[/LZWDecode]" {
					t.Errorf("%s: LZW", where)
				}
			}
			walkForbidden(t, where, e)
		}
	case []any:
		for _, e := range v {
			walkForbidden(t, where, e)
		}
	}
}

// checkFont asserts PDF/A-2 6.2.11 on a simple TrueType font: embedded
// (/FontFile2), non-symbolic with WinAnsiEncoding as base encoding and
// /Differences names from the Adobe Glyph List, a (3,1) cmap, every
// encoded code the page contents use reaching a glyph through name ->
// Unicode -> cmap, and /Widths equal to the program's advances (within
// 1/1000 em). Other codes may lack a glyph: documents in Italian embed the
// smaller base programs.
func checkFont(t *testing.T, q *qpdfDoc, ref string, f map[string]any, used *[256]bool) {
	t.Helper()
	if f["/Subtype"] != "/TrueType" {
		t.Fatalf("font %s is %v, not a simple TrueType font", ref, f["/Subtype"])
	}
	desc := q.dict(f["/FontDescriptor"])
	flags, _ := desc["/Flags"].(float64)
	if int(flags)&4 != 0 || int(flags)&32 == 0 {
		t.Errorf("font %s /Flags %v: non-symbolic wanted", ref, flags)
	}
	program := q.stream(t, desc["/FontFile2"])
	if _, ok := f["/ToUnicode"]; !ok {
		t.Errorf("font %s has no /ToUnicode", ref)
	}
	if !hasCmap31(program) {
		t.Fatalf("font %s: no (3,1) cmap subtable", ref)
	}
	font, err := sfnt.Parse(program)
	if err != nil {
		t.Fatalf("font %s: %v", ref, err)
	}
	enc := q.dict(f["/Encoding"])
	if enc["/BaseEncoding"] != "/WinAnsiEncoding" {
		t.Fatalf("font %s encoding %v", ref, enc)
	}
	names := map[int]string{}
	code := 0
	for _, e := range q.array(enc["/Differences"]) {
		switch e := e.(type) {
		case float64:
			code = int(e)
		case string:
			names[code] = strings.TrimPrefix(e, "/")
			code++
		}
	}
	first, _ := f["/FirstChar"].(float64)
	widths := q.array(f["/Widths"])
	var buf sfnt.Buffer
	upem := float64(font.UnitsPerEm())
	for i, w := range widths {
		c := int(first) + i
		var r rune
		if name, ok := names[c]; ok {
			if r, ok = aglNames[name]; !ok {
				t.Errorf("font %s: /Differences name %s is not in the Adobe Glyph List", ref, name)
				continue
			}
		} else if r = charmap.Windows1252.DecodeByte(byte(c)); r == 0xFFFD {
			continue // no glyph for this code
		}
		gi, err := font.GlyphIndex(&buf, r)
		if (err != nil || gi == 0) && !used[c] {
			continue
		}
		if err != nil || gi == 0 {
			t.Errorf("font %s: code %#x (%U), used by the page, reaches no glyph", ref, c, r)
			continue
		}
		adv, err := font.GlyphAdvance(&buf, gi, fixed.Int26_6(font.UnitsPerEm())<<6, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := float64(adv) / 64 * 1000 / upem
		if got, _ := w.(float64); math.Abs(got-want) > 1 {
			t.Errorf("font %s: code %#x width %v, program %.1f", ref, c, got, want)
		}
	}
}

// hasCmap31 reports whether a TrueType font has a (3,1) cmap subtable.
func hasCmap31(font []byte) bool {
	tables, err := sfntTables(font)
	if err != nil {
		return false
	}
	cmap := tables["cmap"]
	if len(cmap) < 4 {
		return false
	}
	n := int(binary.BigEndian.Uint16(cmap[2:]))
	for i := 0; i < n && len(cmap) >= 4+8*(i+1); i++ {
		rec := cmap[4+8*i:]
		if binary.BigEndian.Uint16(rec) == 3 && binary.BigEndian.Uint16(rec[2:]) == 1 {
			return true
		}
	}
	return false
}

// checkICC checks the header of the output intent's ICC profile.
func checkICC(t *testing.T, p []byte) {
	t.Helper()
	if len(p) < 132 || int(binary.BigEndian.Uint32(p)) != len(p) || string(p[36:40]) != "acsp" {
		t.Fatalf("ICC profile: bad header (%d bytes)", len(p))
	}
	if class := string(p[12:16]); class != "mntr" && class != "prtr" {
		t.Errorf("ICC profile class %q: PDF/A wants mntr or prtr", class)
	}
	if string(p[16:20]) != "RGB " || string(p[20:24]) != "XYZ " || p[8] != 2 {
		t.Errorf("ICC profile: %q %q version %d, want an RGB v2 profile", p[16:20], p[20:24], p[8])
	}
}

func TestPDFA(t *testing.T) {
	testutil.RequireTools(t, "qpdf")
	r := newRenderer(t)
	for _, ty := range Types() {
		t.Run(ty.Name, func(t *testing.T) {
			d := fixtureDocument(t, ty.Name)
			res, err := r.Render(d)
			if err != nil {
				t.Fatal(err)
			}
			checkPDFA(t, res.PDF, d)
			// The budget holds signed, with the base font programs and
			// with the full ones (a letter outside the base set).
			d.Subject.Person.Surname = "MÜLLER"
			full, err := r.Render(d)
			if err != nil {
				t.Fatal(err)
			}
			for _, pdf := range [][]byte{res.PDF, full.PDF} {
				if n := len(signForTest(t, pdf)); n > maxDocSize {
					t.Errorf("%d bytes signed, budget %d", n, maxDocSize)
				}
			}
		})
	}
}

// TestPDFAText prints every character of the encoding, Ț and ț included
// (their glyph names say U+0162 and U+0163), for a non-ASCII comune whose
// name reaches the Info dictionary as UTF-16 and the XMP as UTF-8; it
// checks the PDF/A structure and that pdftotext gives every character
// back.
func TestPDFAText(t *testing.T) {
	testutil.RequireTools(t, "qpdf", "pdftotext")
	r := newRenderer(t)
	d := fixtureDocument(t, "residenza")
	d.Issuer.Comune = "FORLÌ"
	d.IssuedAt = time.Date(2026, 7, 1, 9, 15, 0, 0, time.FixedZone("CEST", 2*3600))
	var all []rune
	for c := 0x21; c < 256; c++ {
		if r := r.fonts.enc.toRune[c]; r != 0 && r != 0xA0 {
			all = append(all, r)
		}
	}
	// The verification address is printed in a wrapping paragraph: words
	// of twelve characters fit its column.
	var words []string
	for i := 0; i < len(all); i += 12 {
		words = append(words, string(all[i:min(i+12, len(all))]))
	}
	d.VerifyURL = strings.Join(words, " ")
	res, err := r.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	if res.Lossy {
		t.Fatal("every character of the encoding should be printable")
	}
	checkPDFA(t, res.PDF, d)
	path := testutil.WriteTemp(t, "doc.pdf", res.PDF)
	out, code := testutil.Output(t, "pdftotext", "-enc", "UTF-8", path, "-")
	if code != 0 {
		t.Fatalf("pdftotext exit %d", code)
	}
	flat := strings.Join(strings.Fields(out), "")
	for _, want := range []string{string(all), "Forlì"} {
		if !strings.Contains(flat, want) {
			t.Errorf("pdftotext output lacks %q:\n%s", want, out)
		}
	}
}

// TestPDFASigned signs a rendered document with certa's PAdES writer and
// checks that the update keeps it well formed and keeps the PDF/A parts:
// the permanent /ID, /Metadata, /OutputIntents and /Lang.
func TestPDFASigned(t *testing.T) {
	testutil.RequireTools(t, "qpdf")
	r := newRenderer(t)
	d := fixtureDocument(t, "stato_famiglia")
	res, err := r.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	unsignedID := checkPDFA(t, res.PDF, d)
	unsigned := loadQPDF(t, testutil.WriteTemp(t, "unsigned.pdf", res.PDF))
	signed := signForTest(t, res.PDF)
	path := testutil.WriteTemp(t, "signed.pdf", signed)
	if out, code := testutil.Run(t, "qpdf", "--check", path); code != 0 || strings.Contains(out, "WARNING") {
		t.Fatalf("qpdf --check on the signed document, exit %d:\n%s", code, out)
	}
	q := loadQPDF(t, path)
	id := q.array(q.trailer["/ID"])
	if len(id) != 2 || id[0] != unsignedID[0] {
		t.Fatalf("signed /ID %v, unsigned %v: the first element must be kept", id, unsignedID)
	}
	cat, ucat := q.dict(q.trailer["/Root"]), unsigned.dict(unsigned.trailer["/Root"])
	for _, k := range []string{"/Metadata", "/OutputIntents", "/Lang"} {
		if fmt.Sprint(cat[k]) != fmt.Sprint(ucat[k]) {
			t.Errorf("signed catalog %s = %v, unsigned %v", k, cat[k], ucat[k])
		}
	}
	if cat["/AcroForm"] == nil {
		t.Error("signed catalog has no /AcroForm")
	}
	if q.trailer["/Info"] != unsigned.trailer["/Info"] {
		t.Errorf("signed /Info %v, unsigned %v", q.trailer["/Info"], unsigned.trailer["/Info"])
	}
}

// signForTest signs pdf with a throwaway P-256 key and a two-certificate
// chain.
func signForTest(t *testing.T, pdf []byte) []byte {
	t.Helper()
	now := time.Now().Add(-time.Hour).UTC()
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	root := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "certa TEST root"},
		NotBefore: now, NotAfter: now.AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign,
	}
	rootDER, err := x509.CreateCertificate(rand.Reader, root, root, rootKey.Public(), rootKey)
	if err != nil {
		t.Fatal(err)
	}
	root, _ = x509.ParseCertificate(rootDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Comune di Lodi TEST"},
		NotBefore: now, NotAfter: now.AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature,
	}, root, key.Public(), rootKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(leafDER)
	s, err := pades.NewSigner(pades.Options{Signer: key, Chain: []*x509.Certificate{leaf, root}, Hash: crypto.SHA256,
		Name: "Comune di Lodi", Location: "Lodi", Reason: "Certificato anagrafico"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Sign(context.Background(), pdf, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Apache PDFBox Preflight (Debian's libpdfbox2-java, with
// libactivation-java and libjaxb-api-java) is the only PDF/A validator
// these machines can install: veraPDF is in neither Debian nor npm. It
// validates PDF/A-1b only, so two of its findings are expected on a
// PDF/A-2b file: the part number (7.11.2) and the /Differences array of a
// non-symbolic TrueType font (3.1.5), which PDF/A-1 forbids and PDF/A-2
// allows with Adobe Glyph List names (checked by checkFont). Anything
// else it reports fails the test.
var (
	preflightJars = []string{"preflight.jar", "pdfbox2.jar", "fontbox2.jar", "xmpbox.jar",
		"commons-logging.jar", "javax.activation.jar", "jaxb-api.jar"}
	preflightExpected = regexp.MustCompile(`^(7\.11\.2 : Error on MetaData, part must be 1|` +
		`3\.1\.5 : Invalid Font definition, CERTAA\+[A-Za-z-]+: The Encoding is invalid for the NonSymbolic TTF)$`)
)

// TestPDFAPreflight runs PDFBox Preflight (PDF/A-1b: the only validator
// packaged here) on an unsigned and a signed document; the two expected
// findings are what PDF/A-2 allows and PDF/A-1 does not. .ci/run installs
// libpdfbox2-java libactivation-java libjaxb-api-java.
func TestPDFAPreflight(t *testing.T) {
	var cp []string
	for _, j := range preflightJars {
		p := filepath.Join("/usr/share/java", j)
		if _, err := os.Stat(p); err != nil {
			testutil.Unavailable(t, "PDFBox Preflight not installed ("+p+" missing): apt-get install libpdfbox2-java libactivation-java libjaxb-api-java")
		}
		cp = append(cp, p)
	}
	testutil.RequireTools(t, "java")
	r := newRenderer(t)
	d := fixtureDocument(t, "stato_famiglia")
	res, err := r.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	for name, pdf := range map[string][]byte{"unsigned": res.PDF, "signed": signForTest(t, res.PDF)} {
		t.Run(name, func(t *testing.T) {
			path := testutil.WriteTemp(t, name+".pdf", pdf)
			out, _ := testutil.Run(t, "java", "-cp", strings.Join(cp, ":"), "org.apache.pdfbox.preflight.Validator_A1b", path)
			if !strings.Contains(out, "is not a valid PDF/A-1b file") && !strings.Contains(out, "is a valid PDF/A-1b file") {
				t.Fatalf("unexpected Preflight output:\n%s", out)
			}
			for _, line := range strings.Split(out, "\n") {
				line = strings.TrimSpace(line)
				if line == "" || strings.Contains(line, "PDF/A-1b file") {
					continue
				}
				switch {
				case preflightExpected.MatchString(line):
				default:
					t.Errorf("Preflight: %s", line)
				}
			}
		})
	}
}

// TestSlimFont checks the font rewriter against fpdf's subset: same glyph
// count, the same outline and advance for every glyph, no hinting left,
// and a cmap that maps every letter of the encoding (and the AGL aliases
// of Ț and ț) to the glyph fpdf's subset had for it.
func TestSlimFont(t *testing.T) {
	r := newRenderer(t)
	enc := r.fonts.enc
	for name, ttf := range map[string][]byte{"regular": goregular.TTF, "bold": gobold.TTF} {
		t.Run(name, func(t *testing.T) {
			cut := fpdf.UTF8CutFont(ttf, enc.cutset)
			def := r.fonts.regular
			if name == "bold" {
				def = r.fonts.bold
			}
			slim := zlibInflate(t, def.z)
			tables, err := sfntTables(slim)
			if err != nil {
				t.Fatal(err)
			}
			for _, tag := range []string{"fpgm", "prep", "cvt ", "gasp", "hdmx"} {
				if tables[tag] != nil {
					t.Errorf("table %q kept", tag)
				}
			}
			a, err := sfnt.Parse(cut)
			if err != nil {
				t.Fatal(err)
			}
			b, err := sfnt.Parse(slim)
			if err != nil {
				t.Fatal(err)
			}
			if a.NumGlyphs() != b.NumGlyphs() {
				t.Fatalf("%d glyphs, fpdf's subset has %d", b.NumGlyphs(), a.NumGlyphs())
			}
			var ba, bb sfnt.Buffer
			ppem := fixed.Int26_6(a.UnitsPerEm()) << 6
			for gi := 0; gi < a.NumGlyphs(); gi++ {
				sa, err := a.LoadGlyph(&ba, sfnt.GlyphIndex(gi), ppem, nil)
				if err != nil {
					t.Fatal(err)
				}
				sb, err := b.LoadGlyph(&bb, sfnt.GlyphIndex(gi), ppem, nil)
				if err != nil {
					t.Fatalf("glyph %d: %v", gi, err)
				}
				if fmt.Sprint(sa) != fmt.Sprint(sb) {
					t.Errorf("glyph %d outline differs", gi)
				}
				wa, _ := a.GlyphAdvance(&ba, sfnt.GlyphIndex(gi), ppem, 0)
				wb, _ := b.GlyphAdvance(&bb, sfnt.GlyphIndex(gi), ppem, 0)
				if wa != wb {
					t.Errorf("glyph %d advance %v, was %v", gi, wb, wa)
				}
			}
			check := func(from, to rune) {
				ga, _ := a.GlyphIndex(&ba, to)
				gb, err := b.GlyphIndex(&bb, from)
				if err != nil || gb == 0 || ga != gb {
					t.Errorf("cmap maps %U to glyph %d, want %d (%U)", from, gb, ga, to)
				}
			}
			for r := range enc.toByte {
				check(r, r)
			}
			for alias, r := range cmapAliases {
				check(alias, r)
			}
			if n := instructionBytes(t, tables); n != 0 {
				t.Errorf("%d bytes of glyph instructions left", n)
			}
			if len(slim) > len(cut)*6/10 {
				t.Errorf("slim font %d bytes, fpdf's subset %d", len(slim), len(cut))
			}
		})
	}
}

func zlibInflate(t *testing.T, z []byte) []byte {
	t.Helper()
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// instructionBytes counts the bytes of TrueType instructions in the glyf
// table, and fails on composite glyphs that still announce some.
func instructionBytes(t *testing.T, tables map[string][]byte) int {
	t.Helper()
	head, loca, glyf := tables["head"], tables["loca"], tables["glyf"]
	long := binary.BigEndian.Uint16(head[50:]) != 0
	num := int(binary.BigEndian.Uint16(tables["maxp"][4:]))
	off := func(i int) int {
		if long {
			return int(binary.BigEndian.Uint32(loca[4*i:]))
		}
		return 2 * int(binary.BigEndian.Uint16(loca[2*i:]))
	}
	total := 0
	for i := 0; i < num; i++ {
		g := glyf[off(i):off(i+1)]
		if len(g) == 0 {
			continue
		}
		n := int(int16(binary.BigEndian.Uint16(g)))
		if n < 0 {
			if flags := binary.BigEndian.Uint16(g[10:]); flags&haveInstrs != 0 {
				t.Errorf("composite glyph %d announces instructions", i)
			}
			continue
		}
		total += int(binary.BigEndian.Uint16(g[10+2*n:]))
	}
	return total
}

// TestRenderIDDistinct: documents that differ only in their code get
// different /IDs.
func TestRenderIDDistinct(t *testing.T) {
	r := newRenderer(t)
	d := fixtureDocument(t, "residenza")
	a, err := r.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	d.Code = "ABCD-EFGH-JKMN-PQRT"
	b, err := r.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	ida, idb := trailerID(a.PDF), trailerID(b.PDF)
	if ida == "" || ida == idb {
		t.Fatalf("/ID %q and %q", ida, idb)
	}
}

var idRE = regexp.MustCompile(`/ID \[<([0-9A-F]{32})> <[0-9A-F]{32}>\]`)

func trailerID(pdf []byte) string {
	m := idRE.FindSubmatch(pdf)
	if m == nil {
		return ""
	}
	return string(m[1])
}

// BenchmarkFinish measures the PDF/A step alone on fpdf's output for one
// document: compressing the page contents, copying the objects, writing
// the Info dictionary, catalog, XMP packet and trailer.
func BenchmarkFinish(b *testing.B) {
	r := newRenderer(b)
	d := fixtureDocument(&testing.T{}, "stato_famiglia")
	var raw bytes.Buffer
	if _, err := r.layout(d, "", &raw, false); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.pdfa.finish(raw.Bytes(), newDocMeta(d, ""), nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBaseFontPrograms: a document whose letters are all in the base set
// embeds the base font programs; one letter outside it brings the full
// programs, so every glyph a page uses is embedded.
func TestBaseFontPrograms(t *testing.T) {
	r := newRenderer(t)
	for _, tc := range []struct {
		name, surname string
		base          bool
	}{
		{"italian", "D'ANGELO", true},
		{"accented italian", "DELL'ACQUA CITTÀ", true},
		{"german", "MÜLLER", false},
		{"romanian", "ȚĂRAN", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := fixtureDocument(t, "residenza")
			d.Subject.Person.Surname = tc.surname
			res, err := r.Render(d)
			if err != nil {
				t.Fatal(err)
			}
			for i, f := range r.pdfa.fonts {
				hasBase := bytes.Contains(res.PDF, f.baseProgram)
				hasFull := bytes.Contains(res.PDF, f.program)
				if hasBase != tc.base || hasFull == tc.base {
					t.Fatalf("font %d: base program %v, full program %v; want base %v", i, hasBase, hasFull, tc.base)
				}
			}
			if tc.base && len(res.PDF) > 30_000 {
				t.Errorf("%d bytes with the base programs", len(res.PDF))
			}
		})
	}
}

// TestPartsAt: Result.PartsAt says where each shared part is, for every
// type, with base and full fonts: the colour profile, ToUnicode map,
// encoding and both fonts' widths always, and of each font exactly one
// program.
func TestPartsAt(t *testing.T) {
	r := newRenderer(t)
	shared := r.SharedParts()
	for _, ty := range Types() {
		for _, surname := range []string{"ROSSI", "MÜLLER"} {
			t.Run(ty.Name+"/"+surname, func(t *testing.T) {
				d := fixtureDocument(t, ty.Name)
				d.Subject.Person.Surname = surname
				res, err := r.Render(d)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.PartsAt) != len(shared) {
					t.Fatalf("%d offsets for %d parts", len(res.PartsAt), len(shared))
				}
				for i, at := range res.PartsAt {
					if at >= 0 && !bytes.Equal(res.PDF[at:min(len(res.PDF), at+len(shared[i]))], shared[i]) {
						t.Fatalf("part %d is not at %d", i, at)
					}
				}
				for _, i := range []int{sharedICC, sharedToUnicode, sharedEncoding, sharedWidths(0), sharedWidths(1)} {
					if res.PartsAt[i] < 0 {
						t.Errorf("part %d absent", i)
					}
				}
				for font := range 2 {
					if (res.PartsAt[sharedProgram(font)] < 0) == (res.PartsAt[sharedBaseProgram(font)] < 0) {
						t.Errorf("font %d: program at %d, base program at %d", font, res.PartsAt[sharedProgram(font)], res.PartsAt[sharedBaseProgram(font)])
					}
				}
			})
		}
	}
}
