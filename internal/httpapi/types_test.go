package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestTypesList(t *testing.T) {
	e := newEnv(t, 1<<20)
	resp, body := e.do("GET", "/api/v1/types", nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/v1/types: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var got struct {
		Types []struct {
			Name        string   `json:"name"`
			Code        int      `json:"anpr_code"`
			Title       string   `json:"title"`
			Certifies   string   `json:"certifies"`
			ValidMonths int      `json:"valid_months"`
			Channels    []string `json:"channels"`
		} `json:"types"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Types) != 20 {
		t.Fatalf("%d types, want the 20 of ANPR table 13", len(got.Types))
	}
	for i, ty := range got.Types {
		if ty.Code != i+1 || ty.Name == "" || ty.Title == "" || ty.Certifies == "" || len(ty.Channels) == 0 {
			t.Errorf("type %d: %+v", i, ty)
		}
	}
	if c := got.Types[1]; c.Name != "morte" || strings.Join(c.Channels, ",") != "counter" || c.ValidMonths != 0 {
		t.Errorf("morte: %+v", c)
	}
	if c := got.Types[7]; c.Name != "residenza" || strings.Join(c.Channels, ",") != "online,counter" || c.ValidMonths != 6 {
		t.Errorf("residenza: %+v", c)
	}
	// A counter-only type asked for through the API is refused with a problem.
	resp, body = e.do("POST", "/api/v1/certificates", strings.NewReader(`{"type":"morte","subject":"`+e.people[0].FiscalCode+`"`+paidJSON+onlineJSON(e.people[0].FiscalCode)+`}`),
		"Authorization", "Bearer "+e.key, "Content-Type", "application/json")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), "sportello") {
		t.Errorf("morte through the API: %d %s", resp.StatusCode, body)
	}
}

// TestContestualeAPI: "also" joins types in one certificate; a refused
// combination is a per-rule problem.
func TestContestualeAPI(t *testing.T) {
	e := newEnv(t, 1<<20)
	auth := []string{"Authorization", "Bearer " + e.key, "Content-Type", "application/json"}
	cf := ""
	for _, p := range e.people { // a small household: the page has room for both
		if s, err := e.emb.Store.Subject(context.Background(), p.FiscalCode); err == nil && len(s.Household.Members) <= 3 {
			cf = p.FiscalCode
			break
		}
	}
	resp, body := e.do("POST", "/api/v1/certificates", strings.NewReader(`{"type":"residenza","also":["cittadinanza"],"subject":"`+cf+`"`+bolloJSON+`}`), auth...)
	if resp.StatusCode != http.StatusCreated || !strings.Contains(string(body), `"type": "residenza+cittadinanza"`) {
		t.Fatalf("contestuale: %d %s", resp.StatusCode, body)
	}
	resp, body = e.do("POST", "/api/v1/certificates", strings.NewReader(`{"type":"stato_famiglia","also":["stato_famiglia_parentela"],"subject":"`+cf+`"`+bolloJSON+`}`), auth...)
	var p struct {
		Type   string `json:"type"`
		Status int    `json:"status"`
	}
	json.Unmarshal(body, &p)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.HasSuffix(p.Type, "/problems/not-certifiable/contestuale-stati-di-famiglia") {
		t.Fatalf("two family forms: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do("GET", p.Type[strings.Index(p.Type, "/problems/"):], nil); resp.StatusCode != http.StatusOK {
		t.Errorf("the rule's page answers %d", resp.StatusCode)
	}
}
