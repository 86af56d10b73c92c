package httpapi

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"text/template/parse"
)

// benchServer is pageServer for benchmarks.
func benchServer(b *testing.B) *Server { return pageServer(b) }

// discardWriter is a ResponseWriter that keeps the headers and drops the
// body.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (d *discardWriter) Header() http.Header { return d.h }
func (d *discardWriter) WriteHeader(s int)   { d.status = s }
func (d *discardWriter) Write(p []byte) (int, error) {
	d.n += len(p)
	return len(p), nil
}

// BenchmarkRenderStatus is the verification page's rendering alone: no
// routing, no look-up.
func BenchmarkRenderStatus(b *testing.B) {
	s := benchServer(b)
	for _, name := range []string{"valid", "revoked", "seal"} {
		b.Run(name, func(b *testing.B) {
			v, _ := sampleView(name, "it")
			r := httptest.NewRequest("GET", "/v/"+v.Code, nil)
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				s.renderStatus(w, r, v)
			}
			if w.status != http.StatusOK {
				b.Fatal(w.status)
			}
		})
	}
}

// The second stage of the templates, run on every request, only prints
// fields: no function or method calls, which text/template makes through
// reflection (render.go).
func TestPagesOnlyPrintFields(t *testing.T) {
	s1, err := stage1()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{langIT, langEN} {
		d := langData{Lang: lang, T: catalogue(lang), LangQuery: "?lang=" + lang, MaxSize: sizeText(10<<20, lang),
			Langs: []langSwitch{{langIT, "Italiano", lang == langIT}, {langEN, "English", lang == langEN}}}
		for _, name := range []string{"base.html", "status.html", "verifica.html"} {
			var src strings.Builder
			if err := s1.ExecuteTemplate(&src, name, d); err != nil {
				t.Fatal(err)
			}
			set, err := template.New(name).Parse(src.String())
			if err != nil {
				t.Fatal(err)
			}
			for _, tmpl := range set.Templates() {
				if tmpl.Tree == nil {
					continue
				}
				var walk func(parse.Node)
				pipe := func(p *parse.PipeNode) {
					if p == nil {
						return
					}
					for _, c := range p.Cmds {
						if len(c.Args) != 1 {
							t.Errorf("%s, %s: %s calls a method or function", name, tmpl.Name(), c)
							continue
						}
						switch c.Args[0].(type) {
						case *parse.FieldNode, *parse.DotNode, *parse.VariableNode:
						default:
							t.Errorf("%s, %s: %s is not a field", name, tmpl.Name(), c)
						}
					}
				}
				walk = func(n parse.Node) {
					switch n := n.(type) {
					case *parse.ListNode:
						if n != nil {
							for _, c := range n.Nodes {
								walk(c)
							}
						}
					case *parse.ActionNode:
						pipe(n.Pipe)
					case *parse.IfNode:
						pipe(n.Pipe)
						walk(n.List)
						walk(n.ElseList)
					case *parse.WithNode:
						pipe(n.Pipe)
						walk(n.List)
						walk(n.ElseList)
					case *parse.RangeNode:
						pipe(n.Pipe)
						walk(n.List)
						walk(n.ElseList)
					case *parse.TemplateNode:
						pipe(n.Pipe)
					}
				}
				walk(tmpl.Tree.Root)
			}
		}
	}
}

// The page variants are built once per upload limit and kept.
func TestPagesFor(t *testing.T) {
	a, err := pagesFor(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pagesFor(1 << 20)
	c, _ := pagesFor(3 << 19)
	if a != b || a == c {
		t.Fatal("page variants are not kept by upload limit")
	}
	for l, lang := range []string{langIT, langEN} {
		for q, chose := range []bool{false, true} {
			if p := a.get(lang, chose); p != a[l][q] || p.lang != lang || p.status == nil || p.verifica == nil || len(p.states) != len(catalogue(lang).States) {
				t.Fatalf("variant %s/%v: %+v", lang, chose, p)
			}
		}
	}
	if !strings.Contains(string(c.get(langIT, false).states[stateValid].box), "Certificato valido") {
		t.Fatal("no state box")
	}
	if a.get("de", false) != a[0][0] {
		t.Fatal("an unknown language is not Italian")
	}
}
