package httpapi_test

import (
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
	if c := got.Types[7]; c.Name != "residenza" || strings.Join(c.Channels, ",") != "api,counter" || c.ValidMonths != 6 {
		t.Errorf("residenza: %+v", c)
	}
	// A counter-only type asked for through the API is refused with a problem.
	resp, body = e.do("POST", "/api/v1/certificates", strings.NewReader(`{"type":"morte","subject":"`+e.people[0].FiscalCode+`"`+bolloJSON+`}`),
		"Authorization", "Bearer "+e.key, "Content-Type", "application/json")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), "sportello") {
		t.Errorf("morte through the API: %d %s", resp.StatusCode, body)
	}
}
