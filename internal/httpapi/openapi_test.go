package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The OpenAPI document (internal/httpapi/openapi.json) is kept true two
// ways: TestOpenAPIRoutes compares its paths with the router's, and every
// response the package's HTTP tests produce is recorded (recordResponses
// wraps their servers) and checked against it after all tests ran
// (TestMain): the status and media type must be documented for that
// operation and JSON bodies must validate against the schema.

type recorded struct {
	method, path, status, mediaType string
	body                            []byte
}

var (
	recMu     sync.Mutex
	responses []recorded
)

// recordResponses wraps a test server's handler so that TestMain can check
// each response against the document.
func recordResponses(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		mt, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type"))
		body := rec.Body.Bytes()
		if len(body) > 1<<20 {
			body = nil // large downloads: status and type only
		}
		recMu.Lock()
		responses = append(responses, recorded{r.Method, r.URL.EscapedPath(), strconv.Itoa(rec.Code), mt, bytes.Clone(body)})
		recMu.Unlock()
	})
}

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && len(responses) > 0 {
		if problems := checkResponses(); len(problems) > 0 {
			fmt.Fprintf(os.Stderr, "responses that disagree with openapi.json:\n  %s\n", strings.Join(problems, "\n  "))
			code = 1
		}
	}
	os.Exit(code)
}

type openAPIDoc struct {
	Paths map[string]map[string]struct {
		Responses map[string]struct {
			Ref     string                     `json:"$ref"`
			Content map[string]json.RawMessage `json:"content"`
		} `json:"responses"`
	} `json:"paths"`
}

func loadDoc() (openAPIDoc, any, error) {
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		return openAPIDoc{}, nil, err
	}
	var d openAPIDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		return d, nil, err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	return d, v, err
}

// match finds the documented path of a request path: the template with
// the fewest parameters that has the method.
func (d openAPIDoc) match(method, path string) (string, bool) {
	best, bestParams := "", 99
	for tmpl, ops := range d.Paths {
		if _, ok := ops[strings.ToLower(method)]; !ok {
			continue
		}
		re := "^" + regexp.MustCompile(`\\{[^}]+\\}`).ReplaceAllString(regexp.QuoteMeta(tmpl), `[^/]+`) + "$"
		re = strings.ReplaceAll(re, `\{`, "{")
		if !regexp.MustCompile(re).MatchString(path) {
			continue
		}
		if n := strings.Count(tmpl, "{"); n < bestParams {
			best, bestParams = tmpl, n
		}
	}
	return best, best != ""
}

func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func checkResponses() []string {
	d, raw, err := loadDoc()
	if err != nil {
		return []string{"openapi.json: " + err.Error()}
	}
	c := jsonschema.NewCompiler()
	const loc = "file:///openapi.json"
	if err := c.AddResource(loc, raw); err != nil {
		return []string{"openapi.json: " + err.Error()}
	}
	schemas := map[string]*jsonschema.Schema{}
	seen := map[string]bool{}
	var problems []string
	for _, r := range responses {
		if strings.HasPrefix(r.path, "/test/") {
			continue // PagesHandlerForTest's own sample routes
		}
		tmpl, ok := d.match(r.method, r.path)
		if !ok {
			if r.status != "404" && r.status != "405" && r.status != "400" {
				problems = append(problems, fmt.Sprintf("%s %s: no documented operation", r.method, r.path))
			}
			continue
		}
		method := strings.ToLower(r.method)
		seen[method+" "+tmpl] = true
		resp, ok := d.Paths[tmpl][method].Responses[r.status]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s %s: status %s not documented", r.method, tmpl, r.status))
			continue
		}
		ptr := "#/paths/" + pointerEscape(tmpl) + "/" + method + "/responses/" + r.status + "/content/" + pointerEscape(r.mediaType) + "/schema"
		content := resp.Content
		if resp.Ref == "#/components/responses/Problem" {
			content = map[string]json.RawMessage{"application/problem+json": nil}
			ptr = "#/components/responses/Problem/content/application~1problem+json/schema"
		}
		if _, ok := content[r.mediaType]; !ok && r.body != nil && len(r.body) > 0 {
			problems = append(problems, fmt.Sprintf("%s %s %s: media type %q not documented", r.method, tmpl, r.status, r.mediaType))
			continue
		}
		if (r.mediaType != "application/json" && r.mediaType != "application/problem+json") || len(r.body) == 0 {
			continue
		}
		sch, ok := schemas[ptr]
		if !ok {
			if sch, err = c.Compile(loc + ptr); err != nil {
				problems = append(problems, fmt.Sprintf("%s: compile: %v", ptr, err))
				continue
			}
			schemas[ptr] = sch
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.body))
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s %s %s: body is not JSON", r.method, tmpl, r.status))
			continue
		}
		if err := sch.Validate(v); err != nil {
			problems = append(problems, fmt.Sprintf("%s %s %s: %v", r.method, tmpl, r.status, strings.ReplaceAll(err.Error(), "\n", " ")))
		}
	}
	var untested []string
	for tmpl, ops := range d.Paths {
		for m := range ops {
			if !seen[m+" "+tmpl] {
				untested = append(untested, strings.ToUpper(m)+" "+tmpl)
			}
		}
	}
	sort.Strings(untested)
	if len(untested) > 0 {
		fmt.Fprintf(os.Stderr, "openapi: operations no test exercised: %s\n", strings.Join(untested, ", "))
	}
	slices.Sort(problems)
	return slices.Compact(problems)
}

// TestOpenAPIRoutes: every route of the router is documented and every
// documented operation is routed; the document is OpenAPI 3.1 whose
// references resolve.
func TestOpenAPIRoutes(t *testing.T) {
	e := newEnv(t, 1<<20)
	resp, body := e.do("GET", "/api/v1/openapi.json", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET openapi.json: %d", resp.StatusCode)
	}
	raw, _ := os.ReadFile("openapi.json")
	if !bytes.Equal(body, raw) {
		t.Fatal("served document differs from openapi.json")
	}
	d, v, err := loadDoc()
	if err != nil {
		t.Fatal(err)
	}
	var head struct{ OpenAPI string }
	json.Unmarshal(raw, &head)
	if !strings.HasPrefix(head.OpenAPI, "3.1.") {
		t.Fatalf("openapi %q, want 3.1.x", head.OpenAPI)
	}
	// Every $ref resolves: compile every schema in components.
	c := jsonschema.NewCompiler()
	if err := c.AddResource("file:///openapi.json", v); err != nil {
		t.Fatal(err)
	}
	var comps struct {
		Components struct{ Schemas map[string]json.RawMessage }
	}
	json.Unmarshal(raw, &comps)
	for name := range comps.Components.Schemas {
		if _, err := c.Compile("file:///openapi.json#/components/schemas/" + name); err != nil {
			t.Errorf("schema %s: %v", name, err)
		}
	}
	for _, ref := range regexp.MustCompile(`"\$ref": "#/components/(schemas|responses)/([^"]+)"`).FindAllStringSubmatch(string(raw), -1) {
		var m map[string]map[string]json.RawMessage
		json.Unmarshal(raw, &struct {
			Components *map[string]map[string]json.RawMessage
		}{&m})
		if _, ok := m[ref[1]][ref[2]]; !ok {
			t.Errorf("unresolved $ref %s/%s", ref[1], ref[2])
		}
	}

	routed := map[string]bool{}
	chi.Walk(e.handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routed[strings.ToLower(method)+" "+route] = true
		return nil
	})
	for r := range routed {
		m, p, _ := strings.Cut(r, " ")
		if _, ok := d.Paths[p][m]; !ok {
			t.Errorf("route %s %s is not in openapi.json", strings.ToUpper(m), p)
		}
	}
	for p, ops := range d.Paths {
		for m := range ops {
			if !routed[m+" "+p] {
				t.Errorf("openapi.json documents %s %s, which is not routed", strings.ToUpper(m), p)
			}
		}
	}
}
