package httpapi

// Rendering the public pages cheaply. The verification page is what every
// scanned QR code opens, so its cost is most of the server's.
//
// The templates (assets/*.html) run in two stages. The first fills in, once
// per page variant, everything that is the same for every request of that
// variant: the catalogue's texts in the page language, the language switch,
// the "?lang=" that links keep when the query chose the language, and the
// upload limit. Its actions are written [[ ]]; html/template escapes them
// in their context there, exactly as it would in the page, and the output
// is the source of the second stage, parsed once. The second stage, with
// the usual {{ }}, runs per request on a view of ready strings (statusData,
// verifyData, built here in Go: dates formatted, texts picked, formats
// done), so the template only prints fields, with html/template's escaping
// of each: no method or function calls, which text/template makes through
// reflection. Nothing rendered for a request is kept.
//
// A page variant is (upload limit, language, whether the query chose the
// language); the variants are built when first needed and kept for the
// life of the process (pageVariants).

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"path"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// stage1 is the templates as the first stage reads them: [[ ]] actions,
// everything else (the second stage's {{ }} actions too) text.
var stage1 = sync.OnceValues(func() (*template.Template, error) {
	return template.New("").Delims("[[", "]]").ParseFS(assets, "assets/*.html")
})

// langData is the data of the first stage.
type langData struct {
	Lang      string
	T         *text
	Langs     []langSwitch
	LangQuery string // "?lang=xx" when the query chose the language, else ""
	MaxSize   string // the upload limit, written for people
}

// langSwitch is one entry of the language switch; its link is the page's
// own path (statusData.PathTail, verifyData.PathTail) with "?lang=" Lang.
type langSwitch struct {
	Lang, Name string
	Current    bool
}

// pageSet is the second-stage templates of one page variant, and the
// titles that only depend on it.
type pageSet struct {
	lang             string
	t                *text
	status, verifica *template.Template
	// states are the verification page's title and state box by
	// state; sameTitle and differTitle the titles of a comparison's
	// outcome.
	states                 map[string]stateParts
	sameTitle, differTitle string
}

// stateParts are the parts of the verification page that only depend on
// the state (and the variant).
type stateParts struct {
	title string
	// box is the "state-box" template (status.html) for the state,
	// rendered by html/template from the catalogue.
	box template.HTML
}

// state returns the parts of the verification page in state, as
// text.State picks them.
func (p *pageSet) state(state string) stateParts {
	if sp, ok := p.states[state]; ok {
		return sp
	}
	return p.states[stateUnknown]
}

// pageSets are the page variants of one upload limit, by language (0
// Italian, 1 English) and by whether the query chose it (0 no, 1 yes).
type pageSets [2][2]*pageSet

// get returns the variant of lang ("it" or "en"; anything else is Italian).
func (ps *pageSets) get(lang string, queryChose bool) *pageSet {
	l, q := 0, 0
	if lang == langEN {
		l = 1
	}
	if queryChose {
		q = 1
	}
	return ps[l][q]
}

// pageVariants holds the built pageSets by upload limit: a server has one
// limit, a test binary a few. Reads take no lock; a new limit copies the
// map.
var pageVariants struct {
	mu sync.Mutex
	m  atomic.Pointer[map[int64]*pageSets]
}

// pagesFor returns the pages of upload limit max, building them the first
// time.
func pagesFor(max int64) (*pageSets, error) {
	if m := pageVariants.m.Load(); m != nil {
		if ps, ok := (*m)[max]; ok {
			return ps, nil
		}
	}
	pageVariants.mu.Lock()
	defer pageVariants.mu.Unlock()
	var old map[int64]*pageSets
	if m := pageVariants.m.Load(); m != nil {
		if ps, ok := (*m)[max]; ok {
			return ps, nil
		}
		old = *m
	}
	ps, err := buildPageSets(max)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]*pageSets, len(old)+1)
	maps.Copy(m, old)
	m[max] = ps
	pageVariants.m.Store(&m)
	return ps, nil
}

// buildPageSets runs the first stage for every variant of upload limit max
// and parses and escapes the second.
func buildPageSets(max int64) (*pageSets, error) {
	s1, err := stage1()
	if err != nil {
		return nil, err
	}
	if err := checkCatalogue(); err != nil {
		return nil, err
	}
	files, err := fs.Glob(assets, "assets/*.html")
	if err != nil {
		return nil, err
	}
	var ps pageSets
	for l, lang := range []string{langIT, langEN} {
		for q, langQuery := range []string{"", "?lang=" + lang} {
			t := catalogue(lang)
			d := langData{Lang: lang, T: t, LangQuery: langQuery, MaxSize: sizeText(max, lang)}
			for _, other := range []string{langIT, langEN} {
				d.Langs = append(d.Langs, langSwitch{Lang: other, Name: catalogue(other).LangName, Current: other == lang})
			}
			set := template.New("")
			for _, f := range files {
				name := path.Base(f)
				var src strings.Builder
				if err := s1.ExecuteTemplate(&src, name, d); err != nil {
					return nil, fmt.Errorf("page %s, first stage: %w", name, err)
				}
				if _, err := set.New(name).Parse(src.String()); err != nil {
					return nil, fmt.Errorf("page %s, second stage: %w", name, err)
				}
			}
			p := &pageSet{lang: lang, t: t, status: set.Lookup("status.html"), verifica: set.Lookup("verifica.html"),
				states:    map[string]stateParts{},
				sameTitle: t.CompareSame + " — " + t.StatusTitle, differTitle: t.CompareDiffer + " — " + t.StatusTitle}
			box := set.Lookup("state-box")
			if p.status == nil || p.verifica == nil || box == nil {
				return nil, errors.New("httpapi: status.html, state-box or verifica.html is missing")
			}
			for state, st := range t.States {
				var b strings.Builder
				if err := box.Execute(&b, st); err != nil {
					return nil, err
				}
				p.states[state] = stateParts{title: st.Heading + " — " + t.StatusTitle, box: template.HTML(b.String())}
			}
			// Escape now (html/template does it on the first execution),
			// so that a template error shows here and not on a request.
			if err := p.status.Execute(io.Discard, &statusData{}); err != nil {
				return nil, err
			}
			if err := p.verifica.Execute(io.Discard, &verifyData{}); err != nil {
				return nil, err
			}
			ps[l][q] = p
		}
	}
	return &ps, nil
}

// checkCatalogue makes sure that no text of the catalogue holds the second
// stage's delimiters: the first stage writes them into template source.
func checkCatalogue() error {
	var bad []string
	var walk func(name string, v reflect.Value)
	walk = func(name string, v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			if s := v.String(); strings.Contains(s, "{{") || strings.Contains(s, "}}") {
				bad = append(bad, name)
			}
		case reflect.Struct:
			for i := range v.NumField() {
				walk(name+"."+v.Type().Field(i).Name, v.Field(i))
			}
		case reflect.Map:
			for it := v.MapRange(); it.Next(); {
				walk(fmt.Sprintf("%s[%v]", name, it.Key()), it.Value())
			}
		}
	}
	walk("textIT", reflect.ValueOf(textIT))
	walk("textEN", reflect.ValueOf(textEN))
	if bad != nil {
		return fmt.Errorf("httpapi: catalogue texts hold template delimiters: %s", strings.Join(bad, ", "))
	}
	return nil
}

// statusData is what status.html prints for a request.
type statusData struct {
	Title    string
	PathTail string // the page's own path, escaped, after its leading slash (pathTail)
	Code     string
	// Compare is the outcome of "compare your file", when there was one.
	Compare  *compareView
	StateBox template.HTML // the state's box (stateParts.box)
	Revoked  *revokedData  // when the certificate is revoked
	// The certificate's data; Holder "" hides them, and each other
	// field "" its line.
	Holder, TypeTitle, BirthDate, Comune, IssuedAt, ExpiresAt string

	Seal         *sealData // when the URL carried a seal
	Verified     string    // how often it was checked; "" hides the line
	CheckedAt    string
	CanCompare   bool // whether to offer "compare your file"
	CompareError string
}

type revokedData struct {
	On, Reason, ReplacedBy string // each "" hides its line
}

type sealData struct {
	OK      bool // authentic and matching the record
	Facts   []factView
	Problem string // when not OK
}

// pathTail is an escaped page path after its leading slash, which the
// templates write themselves: a rooted path has no scheme, so html/template
// need not check one (one escaper call less per link). The router only
// serves rooted paths; one that is not gets a slash.
func pathTail(path string) string { return strings.TrimPrefix(path, "/") }

// date writes a day in the server's time zone.
func (s *Server) date(t time.Time) string { return t.In(s.loc).Format("02/01/2006") }

// dateTime writes an instant in the server's time zone.
func (s *Server) dateTime(t time.Time) string {
	return t.In(s.loc).Format("02/01/2006 15:04:05 MST")
}

// statusData prepares the verification page of d in variant p, at path.
func (s *Server) statusData(p *pageSet, path string, d *statusPage) *statusData {
	t, v := p.t, &d.View
	sp := p.state(v.State)
	out := &statusData{Title: sp.title, PathTail: pathTail(path), Code: v.Code, Compare: d.Compare, StateBox: sp.box,
		Holder: v.Holder, TypeTitle: v.TypeTitle, Comune: v.Comune, CanCompare: v.known(), CompareError: d.CompareError,
		CheckedAt: fmt.Sprintf(t.CheckedAt, s.dateTime(v.CheckedAt))}
	if d.Compare != nil {
		out.Title = p.differTitle
		if d.Compare.Identical {
			out.Title = p.sameTitle
		}
	}
	if rv := v.Revoked; rv != nil && v.State == stateRevoked {
		out.Revoked = &revokedData{Reason: t.ReasonText(rv.Reason), ReplacedBy: rv.ReplacedBy}
		if !rv.At.IsZero() {
			out.Revoked.On = s.date(rv.At)
		}
	}
	if v.Holder != "" {
		if !v.BirthDate.IsZero() {
			// A calendar date (midnight UTC, as the registry keeps
			// them), whatever the server's time zone.
			out.BirthDate = v.BirthDate.UTC().Format("02/01/2006")
		}
		if !v.IssuedAt.IsZero() {
			out.IssuedAt = s.date(v.IssuedAt)
		}
		if !v.ExpiresAt.IsZero() {
			out.ExpiresAt = s.date(v.ExpiresAt)
		}
	}
	if sv := v.Seal; sv != nil {
		out.Seal = &sealData{OK: sv.Valid && sv.Matches, Facts: sv.Facts}
		if !out.Seal.OK {
			out.Seal.Problem = t.SealProblem(sv.Problem)
		}
	}
	if v.Verifications > 0 {
		out.Verified = t.Verified(v.Verifications)
	}
	return out
}

// verifyData is what verifica.html prints for a request.
type verifyData struct {
	Title    string
	PathTail string // the page's own path, escaped, after its leading slash (pathTail)
	Intro    bool   // before an upload
	Report   *reportData
	Error    string
}

type reportData struct {
	Verdict     stateText
	Message     string
	Certificate *certData
	Signer      string
	Checks      []checkData
}

type certData struct {
	Code, State, TypeTitle, Holder, Comune string
	IssuedAt, ExpiresAt, RevokedAt         string // RevokedAt "" hides it
}

type checkData struct {
	ID, Label, Message, MsgLang string
	State                       stateText
}

// verifyData prepares the upload page of d in variant p, at path.
func (s *Server) verifyData(p *pageSet, path string, d verifyPageData) *verifyData {
	t := p.t
	out := &verifyData{Title: d.Title, PathTail: pathTail(path), Intro: d.Report == nil && d.Error == "", Error: d.Error}
	rv := newReportView(p.lang, d.Report)
	if rv == nil {
		return out
	}
	st := t.Verdict(rv.Verdict)
	out.Title = st.Heading + " — " + d.Title
	rep := &reportData{Verdict: st, Message: rv.Message, Signer: rv.Signer}
	if rep.Message == "" {
		rep.Message = st.Text
	}
	if c := rv.Certificate; c != nil {
		rep.Certificate = &certData{Code: c.Code, State: t.CertState(c.State), TypeTitle: c.TypeTitle, Holder: c.Holder, Comune: c.Comune,
			IssuedAt: s.date(c.IssuedAt), ExpiresAt: s.date(c.ExpiresAt)}
		if !c.RevokedAt.IsZero() {
			rep.Certificate.RevokedAt = s.date(c.RevokedAt)
		}
	}
	for _, c := range rv.Checks {
		rep.Checks = append(rep.Checks, checkData{ID: c.ID, Label: c.Label, Message: c.Message, MsgLang: c.MsgLang, State: t.CheckStates[c.Status]})
	}
	out.Report = rep
	return out
}

// renderBuffers hold pages while they render.
var renderBuffers = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 16<<10)) }}

// writePage writes the page tmpl renders for data, buffered, so that a
// template error is a 500 and never half a page.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, status int, lang string, tmpl *template.Template, data any) {
	buf := renderBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 256<<10 {
			renderBuffers.Put(buf)
		}
	}()
	if err := tmpl.Execute(buf, data); err != nil {
		s.log.ErrorContext(r.Context(), "page render failed", "page", tmpl.Name(), "err", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", lang)
	h.Set("Cache-Control", "no-store")
	addVary(h, "Accept-Language")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
