package httpapi

// The public pages: the verification page a QR code opens (/v/{code}), its
// "compare your file" form, and the upload page (/verifica), in Italian
// (the legal default) and English.
//
// Language: a "lang=it|en" query parameter wins, else the Accept-Language
// header by quality, else Italian. Every page says which in <html lang>
// and Content-Language, varies on Accept-Language, and links to itself in
// the other language (same path, so the code and a seal stay; no cookie,
// no script).

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"certa.example/certa/engine"
	"certa.example/certa/internal/ledger"
	"certa.example/certa/templates"
	"certa.example/certa/verify"
)

// Page languages. Italian is the legal default.
const (
	langIT = "it"
	langEN = "en"
)

// pageRoutes registers the public pages. Handler registers the same routes
// today; it is to call pageRoutes instead.
func (s *Server) pageRoutes(r chi.Router) {
	r.Get("/v/{code}", s.status)
	r.Get("/V/{code}", s.status)
	r.Get("/verifica", s.verifyPage)
	r.Post("/verifica", s.verifyUpload)
	r.Post("/v/{code}/compare", s.compareUpload)
}

// pageLang chooses the page language of r: the "lang" query parameter
// ("it" or "en") wins, else Accept-Language, else Italian.
func pageLang(r *http.Request) string {
	if l, ok := queryLang(r); ok {
		return l
	}
	return acceptLang(r.Header.Get("Accept-Language"))
}

// queryLang returns the language the query names, if it names one.
func queryLang(r *http.Request) (string, bool) {
	if r.URL.RawQuery == "" {
		return "", false
	}
	switch strings.ToLower(strings.TrimSpace(r.URL.Query().Get("lang"))) {
	case langIT:
		return langIT, true
	case langEN:
		return langEN, true
	}
	return "", false
}

// acceptLang picks Italian or English from an Accept-Language header
// (RFC 9110 12.5.4): each language gets the highest quality of the ranges
// with its primary subtag ("en", "en-GB", ...), or else that of "*"; the
// higher quality wins, and at equal quality the one listed first. Italian
// when neither is acceptable.
func acceptLang(header string) string {
	if header == "" {
		return langIT
	}
	type pref struct {
		q        float64
		pos      int
		explicit bool
	}
	it, en := pref{pos: -1}, pref{pos: -1}
	wild, wildPos := -1.0, -1
	for i := 0; header != "" || i == 0; i++ {
		if i == 32 { // a browser sends a handful; ignore the rest
			break
		}
		var part string
		part, header, _ = strings.Cut(header, ",")
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.TrimSpace(tag)
		q := 1.0
		if params != "" {
			k, v, _ := strings.Cut(strings.TrimSpace(params), "=")
			if strings.TrimSpace(k) != "q" {
				continue
			}
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		if tag == "*" {
			if q > wild {
				wild, wildPos = q, i
			}
			continue
		}
		primary, _, _ := strings.Cut(tag, "-")
		var p *pref
		switch {
		case strings.EqualFold(primary, langIT):
			p = &it
		case strings.EqualFold(primary, langEN):
			p = &en
		default:
			continue
		}
		if !p.explicit || q > p.q {
			if !p.explicit {
				p.pos = i
			}
			p.q, p.explicit = q, true
		}
	}
	for _, p := range []*pref{&it, &en} {
		if !p.explicit && wild >= 0 {
			p.q, p.pos = wild, wildPos
		}
	}
	if en.q > 0 && (en.q > it.q || en.q == it.q && en.pos < it.pos) {
		return langEN
	}
	return langIT
}

// addVary adds token to the Vary header unless it is there already.
func addVary(h http.Header, token string) {
	for _, v := range h.Values("Vary") {
		for v != "" {
			var t string
			t, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return
			}
		}
	}
	h.Add("Vary", token)
}

// statusView is what the verification page shows.
type statusView struct {
	Lang                string // "it" or "en"
	Code                string // canonical code, or the typed text (truncated) when unknown
	State               string // "valid", "expired", "revoked", "unknown", "seal-invalid"
	TypeTitle           string // certificate type title (templates.LookupType(...).Title; a "a+b" contestuale type: join titles)
	Holder              string
	BirthDate           time.Time // zero when not known (only the QR seal carries it)
	Comune              string
	IssuedAt, ExpiresAt time.Time
	Revoked             *revocationView // non-nil when State == "revoked"
	Seal                *sealView       // non-nil when the URL carried a seal
	Verifications       int64           // how often the certificate was checked; 0 hides the line
	CheckedAt           time.Time
}

type revocationView struct {
	At         time.Time
	Reason     string // "issued-in-error", "data-changed", "replaced", "other": translate to text
	ReplacedBy string // code of the replacing certificate, linked to /v/{code}
}

type sealView struct {
	Valid   bool       // signature checks against the trust list
	Matches bool       // the seal's facts agree with the ledger record
	Facts   []factView // the certified facts in short form, already labelled
	Problem string     // "untrusted", "malformed", "mismatch", "" — translate to text
}

type factView struct{ Label, Value string }

// States of the verification page.
const (
	stateValid       = "valid"
	stateExpired     = "expired"
	stateRevoked     = "revoked"
	stateUnknown     = "unknown"
	stateSealInvalid = "seal-invalid"
)

// known reports whether v describes a certificate on record, which the
// page then describes and offers to compare a file with.
func (v statusView) known() bool {
	return v.State != stateUnknown && !v.IssuedAt.IsZero()
}

// maxShownCode is how much of an unknown typed code the page repeats.
const maxShownCode = 40

// shownCode is typed, cut to maxShownCode characters (not bytes).
func shownCode(typed string) string {
	typed = strings.ToValidUTF8(typed, "\uFFFD")
	if utf8.RuneCountInString(typed) <= maxShownCode {
		return typed
	}
	n := 0
	for i := range typed {
		if n == maxShownCode {
			return typed[:i] + "…"
		}
		n++
	}
	return typed
}

// typeTitle is the title of a ledger type name; a contestuale certificate
// ("residenza+cittadinanza") joins its types' titles.
func typeTitle(name string) string {
	if name == "" {
		return ""
	}
	titles := typeTitles()
	if t, ok := titles[name]; ok {
		return t // the usual case: one type
	}
	parts := strings.Split(name, "+")
	for i, p := range parts {
		if t, ok := titles[p]; ok {
			parts[i] = t
		}
	}
	return strings.Join(parts, " + ")
}

// typeTitles maps what templates.LookupType finds a type by (its name, its
// code) to the type's title.
var typeTitles = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, t := range templates.Types() {
		for _, k := range []string{t.Name, strconv.Itoa(t.Code)} {
			if _, ok := m[k]; !ok {
				m[k] = t.Title
			}
		}
	}
	return m
})

// statusViewOf fills the page's view, in lang, from a ledger lookup of the
// code typed (or scanned).
func (s *Server) statusViewOf(st engine.Status, typed, lang string) statusView {
	v := statusView{Lang: lang, Code: shownCode(typed), State: string(st.Status), CheckedAt: st.CheckedAt}
	if st.Status == ledger.StatusUnknown {
		v.State = stateUnknown
		return v
	}
	rec := st.Record
	v.Code, v.TypeTitle, v.Holder, v.Comune = rec.Code, typeTitle(rec.Type), rec.Holder, rec.Comune
	v.IssuedAt, v.ExpiresAt, v.Verifications = rec.IssuedAt, rec.ExpiresAt, rec.Verifications
	if st.Status == ledger.StatusRevoked {
		v.Revoked = &revocationView{At: rec.RevokedAt, Reason: string(rec.RevokedReason), ReplacedBy: rec.ReplacedBy}
	}
	return v
}

// statusPage is the data of status.html: the view, and the outcome of a
// "compare your file" upload when there was one.
type statusPage struct {
	View statusView
	// Compare is the outcome of a comparison; CompareError why an upload
	// could not be compared.
	Compare      *compareView
	CompareError string
	// path is the page's own path, which the language switch keeps.
	path string
}

type compareView struct {
	Identical bool
	Digest    string // hex SHA-256 of the uploaded file
}

// renderStatus renders the verification page for v, in v.Lang.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, v statusView) {
	s.render(w, r, http.StatusOK, "status.html", statusPage{View: v})
}

// compareUpload answers "compare your file": it hashes the "file" part of
// a multipart upload as it streams in (bounded by the server's upload
// limit, nothing kept) and says whether it is byte for byte the file
// issued under the code.
//
// route: POST /v/{code}/compare
func (s *Server) compareUpload(w http.ResponseWriter, r *http.Request) {
	lang := pageLang(r)
	t := catalogue(lang)
	typed := chi.URLParam(r, "code")
	st, err := s.engine.Lookup(r.Context(), typed)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	page := statusPage{View: s.statusViewOf(st, typed, lang)}
	if st.Status == ledger.StatusUnknown {
		s.render(w, r, http.StatusNotFound, "status.html", page)
		return
	}
	page.path = "/v/" + url.PathEscape(st.Record.Code)
	fail := func(status int, msg string) {
		page.CompareError = msg
		s.render(w, r, status, "status.html", page)
	}
	tooLarge := func() { fail(http.StatusRequestEntityTooLarge, fmt.Sprintf(t.ErrTooLarge, sizeText(s.max, lang))) }
	const overhead = 64 << 10 // multipart headers and boundaries
	if r.ContentLength > s.max+overhead {
		tooLarge()
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.max+overhead)
	mr, err := r.MultipartReader()
	if err != nil {
		fail(http.StatusBadRequest, t.ErrNoFile)
		return
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				tooLarge()
				return
			}
			fail(http.StatusBadRequest, t.ErrNoFile)
			return
		}
		if part.FormName() != "file" {
			continue
		}
		h := sha256.New()
		n, err := io.Copy(h, io.LimitReader(part, s.max+1))
		var mbe *http.MaxBytesError
		switch {
		case n > s.max || errors.As(err, &mbe):
			tooLarge()
		case err != nil:
			fail(http.StatusBadRequest, t.ErrIncomplete)
		case n == 0:
			fail(http.StatusBadRequest, t.ErrNoFile)
		default:
			var sum [32]byte
			h.Sum(sum[:0])
			page.Compare = &compareView{Identical: sum == st.Record.SHA256, Digest: hex.EncodeToString(sum[:])}
			s.render(w, r, http.StatusOK, "status.html", page)
		}
		return
	}
}

// sizeText writes an upload limit for people: "10 MB", "1,5 MB", "4 kB".
func sizeText(n int64, lang string) string {
	const mb, kb = 1 << 20, 1 << 10
	var s string
	switch {
	case n >= mb && n%mb == 0:
		s = strconv.FormatInt(n/mb, 10) + "\u00a0MB"
	case n >= mb:
		s = strconv.FormatFloat(float64(n)/mb, 'f', 1, 64) + "\u00a0MB"
	case n >= kb:
		s = strconv.FormatInt(n/kb, 10) + "\u00a0kB"
	default:
		s = strconv.FormatInt(n, 10) + "\u00a0byte"
	}
	if lang == langIT {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// reportView is a verification report as the upload page shows it. It is
// built from verify.Report in one place (newReportView), so the template
// does not depend on the report's fields.
type reportView struct {
	Verdict     string // verify.Verdict: "valid", "invalid", "revoked", ...
	Message     string // the verdict explained, in the page language
	Checks      []checkView
	Certificate *certView
	Signer      string
}

type checkView struct {
	ID      string // the check's stable name
	Label   string // its title in the page language
	Status  string // "passed", "failed", "unavailable", "not-applicable"
	Message string // what the verifier said, in the page language
	MsgLang string // the language of Message when it is not the page's
}

type certView struct {
	Code, State, TypeTitle, Holder, Comune string
	IssuedAt, ExpiresAt, RevokedAt         time.Time
}

// inLang picks the Italian or English of a message pair: the page's
// language when there is one, else the other (and says which).
func inLang(lang, en, it string) (msg, msgLang string) {
	switch {
	case lang == langIT && it != "":
		return it, ""
	case lang == langEN && en != "":
		return en, ""
	case en != "":
		return en, langEN
	}
	return it, langIT
}

func newReportView(lang string, rep *verify.Report) *reportView {
	if rep == nil {
		return nil
	}
	t := catalogue(lang)
	v := &reportView{Verdict: string(rep.Verdict)}
	if msg, ml := inLang(lang, rep.Message, rep.MessageIT); ml == "" {
		v.Message = msg
	}
	for _, c := range rep.Checks {
		cv := checkView{ID: c.Name, Label: t.CheckLabels[c.Name], Status: string(c.Status)}
		if cv.Label == "" {
			cv.Label = c.Name
		}
		if _, ok := t.CheckStates[cv.Status]; !ok {
			cv.Status = string(verify.Failed)
			if c.OK {
				cv.Status = string(verify.Passed)
			}
		}
		cv.Message, cv.MsgLang = inLang(lang, c.Message, c.MessageIT)
		v.Checks = append(v.Checks, cv)
	}
	if c := rep.Certificate; c != nil {
		v.Certificate = &certView{Code: c.Code, State: string(c.Status), TypeTitle: typeTitle(c.Type), Holder: c.Holder,
			Comune: c.Comune, IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt}
		if c.Revoked {
			v.Certificate.RevokedAt = c.RevokedAt
		}
	}
	if sg := rep.Signer; sg != nil {
		v.Signer = sg.CommonName
		if sg.Organization != "" && sg.Organization != sg.CommonName {
			v.Signer += ", " + sg.Organization
		}
	}
	return v
}

// text is every string of the pages in one language. Strings with a %
// verb are formats (fmt).
type text struct {
	LangName   string // the language's own name, for the switch
	LangNav    string // the switch's accessible name
	SiteName   string
	Footer     string
	NoTrack    string
	VerifyLink string

	// Verification page.
	StatusTitle, CodeLabel                             string
	States                                             map[string]stateText
	RevokedOn, Reason                                  string
	Reasons                                            map[string]string
	ReplacedBy                                         string
	DataHeading                                        string
	LabelType, LabelHolder                             string
	LabelBirth, LabelComune, LabelIssued, LabelExpires string
	SealHeading, SealOK                                string
	SealProblems                                       map[string]string
	SealFacts                                          string
	VerifiedOnce                                       string
	VerifiedTimes                                      string // %d
	CheckedAt                                          string // %s: date and time

	// Compare your file.
	CompareHeading, CompareIntro     string
	CompareLabel                     string // %s: the size limit
	CompareHint, CompareButton       string
	CompareSame, CompareSameText     string
	CompareDiffer, CompareDifferText string
	CompareSigLink, CompareDigest    string

	// Upload page.
	VerifyTitle, VerifyIntro string
	FileLabel                string // %s: the size limit
	FileHint, VerifyButton   string
	Verdicts                 map[string]stateText
	ReportData, LabelCode    string
	LabelState, LabelRevoked string
	LabelSigner              string
	CertStates               map[string]string
	ChecksHeading            string
	CheckStates              map[string]stateText // by verify.CheckStatus
	AnotherFile              string
	CheckLabels              map[string]string
	ErrorHint                string // %s: the button's name

	// Upload errors.
	ErrBadRequest, ErrNoFile string
	ErrTooLarge              string // %s: the size limit
	ErrIncomplete, ErrNotPDF string
}

// stateText is how a state is shown: a class for the colour, a symbol
// and a heading and explanation in words (never colour alone).
type stateText struct {
	Class, Symbol, Heading, Text string
}

// State returns how the page shows state.
func (t *text) State(state string) stateText {
	if st, ok := t.States[state]; ok {
		return st
	}
	return t.States[stateUnknown]
}

// Verdict returns how the upload page shows a verdict.
func (t *text) Verdict(v string) stateText {
	if st, ok := t.Verdicts[v]; ok {
		return st
	}
	return t.Verdicts[string(verify.Indeterminate)]
}

// ReasonText translates a revocation reason; "" for none.
func (t *text) ReasonText(reason string) string {
	if s, ok := t.Reasons[reason]; ok {
		return s
	}
	if reason == "" {
		return ""
	}
	return t.Reasons["other"]
}

// SealProblem translates a seal problem.
func (t *text) SealProblem(p string) string {
	if s, ok := t.SealProblems[p]; ok {
		return s
	}
	return t.SealProblems["malformed"]
}

// CertState names a certificate status in the report.
func (t *text) CertState(s string) string {
	if w, ok := t.CertStates[s]; ok {
		return w
	}
	return s
}

// Verified says how often the certificate was checked.
func (t *text) Verified(n int64) string {
	if n == 1 {
		return t.VerifiedOnce
	}
	return fmt.Sprintf(t.VerifiedTimes, n)
}

// Symbols, each followed by U+FE0E so that phones draw them as text, not
// as colour emoji.
const (
	symOK      = "✔\uFE0E"
	symBad     = "✖\uFE0E"
	symWarn    = "⚠\uFE0E"
	symUnknown = "?"
)

func catalogue(lang string) *text {
	if lang == langEN {
		return &textEN
	}
	return &textIT
}

var textIT = text{
	LangName:   "Italiano",
	LangNav:    "Lingua",
	SiteName:   "Verifica dei certificati anagrafici",
	Footer:     "Servizio pubblico di verifica dei certificati anagrafici rilasciati dal Comune.",
	NoTrack:    "Questa pagina non usa cookie, script né risorse di terzi.",
	VerifyLink: "Verifica un file PDF",

	StatusTitle: "Verifica del certificato",
	CodeLabel:   "Codice",
	States: map[string]stateText{
		stateValid:       {"ok", symOK, "Certificato valido", "Il certificato risulta rilasciato e in corso di validità."},
		stateRevoked:     {"bad", symBad, "Certificato revocato", "Il certificato è stato revocato e non è più valido."},
		stateExpired:     {"warn", symWarn, "Certificato scaduto", "Il certificato è stato rilasciato, ma il periodo di validità è terminato."},
		stateUnknown:     {"warn", symUnknown, "Codice sconosciuto", "Nessun certificato corrisponde a questo codice. Controllare di averlo digitato correttamente."},
		stateSealInvalid: {"bad", symBad, "Sigillo non autentico", "Il codice QR non è stato emesso da questo servizio o è stato alterato: non fare affidamento sui dati che riporta."},
	},
	RevokedOn: "Revocato il",
	Reason:    "Motivo",
	Reasons: map[string]string{
		"issued-in-error": "rilasciato per errore",
		"data-changed":    "i dati anagrafici sono cambiati",
		"replaced":        "sostituito da un nuovo certificato",
		"other":           "altro motivo",
	},
	ReplacedBy:   "Sostituito dal certificato",
	DataHeading:  "Dati del certificato",
	LabelType:    "Tipo",
	LabelHolder:  "Intestatario",
	LabelBirth:   "Data di nascita",
	LabelComune:  "Comune",
	LabelIssued:  "Rilasciato il",
	LabelExpires: "Valido fino al",
	SealHeading:  "Sigillo del codice QR",
	SealOK:       "Sigillo autentico: i dati del codice QR sono firmati dal Comune e corrispondono al registro.",
	SealProblems: map[string]string{
		"untrusted": "La firma del sigillo non è riconosciuta: il codice QR non è stato emesso da questo servizio.",
		"malformed": "Il sigillo del codice QR è illeggibile o alterato.",
		"mismatch":  "I dati del sigillo non corrispondono al certificato registrato con questo codice.",
	},
	SealFacts:     "Dati certificati nel codice QR",
	VerifiedOnce:  "Questo certificato è stato verificato una volta.",
	VerifiedTimes: "Questo certificato è stato verificato %d volte.",
	CheckedAt:     "Verificato il %s.",

	CompareHeading:    "Confronta il tuo file",
	CompareIntro:      "Per accertare che il file PDF in tuo possesso sia esattamente quello rilasciato con questo codice, caricalo qui: viene confrontato byte per byte con l'originale.",
	CompareLabel:      "File PDF del certificato (massimo %s)",
	CompareHint:       "Il file non viene conservato.",
	CompareButton:     "Confronta",
	CompareSame:       "File identico a quello rilasciato",
	CompareSameText:   "Il file caricato è, byte per byte, quello rilasciato con questo codice.",
	CompareDiffer:     "File NON identico: non è il file rilasciato con questo codice",
	CompareDifferText: "Il file caricato è stato modificato oppure è un altro documento.",
	CompareSigLink:    "Controlla la firma del file nella pagina di verifica",
	CompareDigest:     "Impronta SHA-256 del file caricato",

	VerifyTitle:  "Verifica di un certificato PDF",
	VerifyIntro:  "Caricare il file PDF di un certificato anagrafico per controllare che sia integro, firmato dal Comune e ancora valido.",
	FileLabel:    "File PDF del certificato (massimo %s)",
	FileHint:     "Il file viene controllato e non viene conservato.",
	VerifyButton: "Verifica",
	Verdicts: map[string]stateText{
		string(verify.Valid):         {"ok", symOK, "Documento valido", "Il file è integro, firmato dal Comune e registrato."},
		string(verify.Invalid):       {"bad", symBad, "Documento non valido", "Il file non supera uno o più controlli."},
		string(verify.Revoked):       {"bad", symBad, "Certificato revocato", "Il certificato è stato revocato: il documento non è più valido."},
		string(verify.Expired):       {"warn", symWarn, "Certificato scaduto", "Il certificato è scaduto: il documento non è più valido."},
		string(verify.Unknown):       {"warn", symUnknown, "Documento non registrato", "Il file non risulta tra i certificati rilasciati da questo servizio."},
		string(verify.Indeterminate): {"warn", symUnknown, "Esito non determinabile", "Non è stato possibile verificare completamente il documento."},
		string(verify.NotCerta):      {"warn", symUnknown, "Non è un certificato di questo servizio", "Il file è un PDF, ma non un certificato rilasciato da questo servizio."},
	},
	ReportData:   "Dati del certificato",
	LabelCode:    "Codice",
	LabelState:   "Stato",
	LabelRevoked: "Revocato il",
	LabelSigner:  "Firmato da",
	CertStates: map[string]string{
		"valid": symOK + " valido", "revoked": symBad + " revocato", "expired": symWarn + " scaduto", "unknown": symUnknown + " sconosciuto",
	},
	ChecksHeading: "Controlli",
	CheckStates: map[string]stateText{
		string(verify.Passed):        {"pass", symOK, "superato", ""},
		string(verify.Failed):        {"fail", symBad, "non superato", ""},
		string(verify.Unavailable):   {"unavail", symWarn, "non eseguibile", ""},
		string(verify.NotApplicable): {"na", "–", "non applicabile", ""},
	},
	AnotherFile: "Verifica un altro file",
	CheckLabels: map[string]string{
		verify.CheckSignaturePresent: "Presenza della firma digitale",
		verify.CheckByteRange:        "Copertura della firma sull'intero file",
		verify.CheckIntegrity:        "Integrità del contenuto firmato",
		verify.CheckLaterUpdates:     "Modifiche successive alla firma",
		verify.CheckTimestamp:        "Marca temporale della firma",
		verify.CheckTrust:            "Attendibilità del firmatario",
		verify.CheckValidity:         "Validità del certificato del firmatario alla firma",
		verify.CheckSeal:             "Sigillo del codice QR",
		verify.CheckLedger:           "Corrispondenza con il registro dei certificati",
	},
	ErrorHint: "Scegliere il file PDF del certificato e premere «%s».",

	ErrBadRequest: "Richiesta non valida: selezionare un file PDF.",
	ErrNoFile:     "Nessun file ricevuto: selezionare un file PDF.",
	ErrTooLarge:   "Il file supera il limite di %s.",
	ErrIncomplete: "Il file non è stato ricevuto per intero.",
	ErrNotPDF:     "Il file caricato non è un documento PDF.",
}

var textEN = text{
	LangName:   "English",
	LangNav:    "Language",
	SiteName:   "Civil-registry certificate verification",
	Footer:     "Public verification service for the civil-registry certificates issued by the comune (municipality).",
	NoTrack:    "This page uses no cookies, scripts or third-party resources.",
	VerifyLink: "Verify a PDF file",

	StatusTitle: "Certificate verification",
	CodeLabel:   "Code",
	States: map[string]stateText{
		stateValid:       {"ok", symOK, "Valid certificate", "The certificate was issued and is within its period of validity."},
		stateRevoked:     {"bad", symBad, "Certificate revoked", "The certificate has been revoked and is no longer valid."},
		stateExpired:     {"warn", symWarn, "Certificate expired", "The certificate was issued, but its period of validity has ended."},
		stateUnknown:     {"warn", symUnknown, "Unknown code", "No certificate has this code. Check that it was typed correctly."},
		stateSealInvalid: {"bad", symBad, "Seal not authentic", "The QR code was not issued by this service or has been altered: do not rely on the data it carries."},
	},
	RevokedOn: "Revoked on",
	Reason:    "Reason",
	Reasons: map[string]string{
		"issued-in-error": "issued in error",
		"data-changed":    "the registry data have changed",
		"replaced":        "replaced by a new certificate",
		"other":           "other reason",
	},
	ReplacedBy:   "Replaced by certificate",
	DataHeading:  "Certificate details",
	LabelType:    "Type",
	LabelHolder:  "Holder",
	LabelBirth:   "Date of birth",
	LabelComune:  "Municipality",
	LabelIssued:  "Issued on",
	LabelExpires: "Valid until",
	SealHeading:  "QR code seal",
	SealOK:       "Authentic seal: the data in the QR code are signed by the comune and match the register.",
	SealProblems: map[string]string{
		"untrusted": "The seal's signature is not recognised: the QR code was not issued by this service.",
		"malformed": "The seal in the QR code is unreadable or altered.",
		"mismatch":  "The seal's data do not match the certificate registered under this code.",
	},
	SealFacts:     "Facts certified in the QR code",
	VerifiedOnce:  "This certificate has been checked once.",
	VerifiedTimes: "This certificate has been checked %d times.",
	CheckedAt:     "Checked on %s.",

	CompareHeading:    "Compare your file",
	CompareIntro:      "To make sure that the PDF file you hold is exactly the one issued under this code, upload it here: it is compared byte for byte with the original.",
	CompareLabel:      "Certificate PDF file (at most %s)",
	CompareHint:       "The file is not kept.",
	CompareButton:     "Compare",
	CompareSame:       "Identical to the issued file",
	CompareSameText:   "The uploaded file is, byte for byte, the one issued under this code.",
	CompareDiffer:     "NOT identical: this is not the file issued under this code",
	CompareDifferText: "The uploaded file has been altered or is a different document.",
	CompareSigLink:    "Check the file's signature on the verification page",
	CompareDigest:     "SHA-256 digest of the uploaded file",

	VerifyTitle:  "Verify a PDF certificate",
	VerifyIntro:  "Upload the PDF file of a civil-registry certificate to check that it is intact, signed by the comune and still valid.",
	FileLabel:    "Certificate PDF file (at most %s)",
	FileHint:     "The file is checked and not kept.",
	VerifyButton: "Verify",
	Verdicts: map[string]stateText{
		string(verify.Valid):         {"ok", symOK, "Valid document", "The file is intact, signed by the comune and on record."},
		string(verify.Invalid):       {"bad", symBad, "Invalid document", "The file fails one or more checks."},
		string(verify.Revoked):       {"bad", symBad, "Certificate revoked", "The certificate was revoked: the document is no longer valid."},
		string(verify.Expired):       {"warn", symWarn, "Certificate expired", "The certificate has expired: the document is no longer valid."},
		string(verify.Unknown):       {"warn", symUnknown, "Document not on record", "The file is not among the certificates issued by this service."},
		string(verify.Indeterminate): {"warn", symUnknown, "Outcome undetermined", "The document could not be checked completely."},
		string(verify.NotCerta):      {"warn", symUnknown, "Not a certificate of this service", "The file is a PDF, but not a certificate issued by this service."},
	},
	ReportData:   "Certificate details",
	LabelCode:    "Code",
	LabelState:   "Status",
	LabelRevoked: "Revoked on",
	LabelSigner:  "Signed by",
	CertStates: map[string]string{
		"valid": symOK + " valid", "revoked": symBad + " revoked", "expired": symWarn + " expired", "unknown": symUnknown + " unknown",
	},
	ChecksHeading: "Checks",
	CheckStates: map[string]stateText{
		string(verify.Passed):        {"pass", symOK, "passed", ""},
		string(verify.Failed):        {"fail", symBad, "failed", ""},
		string(verify.Unavailable):   {"unavail", symWarn, "could not be done", ""},
		string(verify.NotApplicable): {"na", "–", "not applicable", ""},
	},
	AnotherFile: "Verify another file",
	CheckLabels: map[string]string{
		verify.CheckSignaturePresent: "Digital signature present",
		verify.CheckByteRange:        "Signature covers the whole file",
		verify.CheckIntegrity:        "Integrity of the signed content",
		verify.CheckLaterUpdates:     "Changes after signing",
		verify.CheckTimestamp:        "Signature timestamp",
		verify.CheckTrust:            "Signer trusted",
		verify.CheckValidity:         "Signer's certificate valid when signing",
		verify.CheckSeal:             "QR code seal",
		verify.CheckLedger:           "Matches the register of certificates",
	},
	ErrorHint: "Choose the certificate's PDF file and press “%s”.",

	ErrBadRequest: "Invalid request: choose a PDF file.",
	ErrNoFile:     "No file received: choose a PDF file.",
	ErrTooLarge:   "The file exceeds the limit of %s.",
	ErrIncomplete: "The file was not received in full.",
	ErrNotPDF:     "The uploaded file is not a PDF document.",
}
