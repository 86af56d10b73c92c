package httpapi_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"certa.example/certa/internal/apiclient"
	"certa.example/certa/internal/setup"
)

// The channels over HTTP (docs/authorization.md): who may ask for whom is
// refused with a 403 whose type names the rule, and the counter channel
// needs the issue:any-subject scope.
func TestChannelsOverHTTP(t *testing.T) {
	e := newClientsEnv(t, -1)
	portal := e.create(apiclient.Record{ID: "portale", Scopes: apiclient.Scopes{apiclient.ScopeIssue, apiclient.ScopeRead}})
	office := e.create(apiclient.Record{ID: "anagrafe", Scopes: apiclient.Scopes{apiclient.ScopeIssue, apiclient.ScopeIssueAnySubject}})
	people, err := setup.CertifiableResidents(context.Background(), e.emb.Store, 200)
	if err != nil {
		t.Fatal(err)
	}
	// Two certifiable residents of different households.
	a := people[0].FiscalCode
	sa, _ := e.emb.Store.Subject(context.Background(), a)
	var b string
	for _, p := range people {
		if s, _ := e.emb.Store.Subject(context.Background(), p.FiscalCode); s.Person.HouseholdID != sa.Person.HouseholdID {
			b = p.FiscalCode
			break
		}
	}
	body := func(fields map[string]any) []byte {
		m := map[string]any{"type": "residenza", "bollo": paidBollo}
		for k, v := range fields {
			m[k] = v
		}
		out, _ := json.Marshal(m)
		return out
	}
	counter := map[string]any{"subject": b, "channel": "counter", "operator": "sportello-2",
		"id_document": map[string]any{"type": "patente", "number": "U1A2B3C4D5"}}
	for _, tc := range []struct {
		name    string
		key     string
		body    []byte
		status  int
		problem string
	}{
		{"online for oneself", portal, body(map[string]any{"subject": a, "channel": "online", "requester": a}), 201, ""},
		{"online for another household", portal, body(map[string]any{"subject": b, "channel": "online", "requester": a}), 403, "forbidden/not-own-household"},
		{"counter without the scope", portal, body(counter), 403, "forbidden/counter-scope"},
		{"counter with the scope", office, body(counter), 201, ""},
		{"no channel", portal, body(map[string]any{"subject": a}), 400, "invalid-request"},
		{"counter without document", office, body(map[string]any{"subject": b, "channel": "counter", "operator": "x"}), 400, "invalid-request"},
		{"unknown id_document member", office, body(map[string]any{"subject": b, "channel": "counter", "operator": "x",
			"id_document": map[string]any{"type": "cie", "number": "CA00000AA", "issuer": "Lodi"}}), 400, "invalid-request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, out := e.do("POST", "/api/v1/certificates", tc.key, tc.body, nil)
			if tc.status == 201 {
				if resp.StatusCode != 201 {
					t.Fatalf("%d %s", resp.StatusCode, out)
				}
				rec, err := e.emb.Store.ByCode(context.Background(), resp.Header.Get("Certa-Code"))
				if err != nil {
					t.Fatal(err)
				}
				var p map[string]any
				json.Unmarshal(tc.body, &p)
				want := [4]string{"", "", "", ""}
				if p["channel"] == "counter" {
					want = [4]string{"", "sportello-2", "patente", "U1A2B3C4D5"}
				} else {
					want[0] = a
				}
				if got := [4]string{rec.Citizen, rec.Operator, rec.IDDocType, rec.IDDocNum}; got != want || rec.Channel != p["channel"] {
					t.Errorf("ledger: channel %q, %q, want %q", rec.Channel, got, want)
				}
				return
			}
			checkProblem(t, resp, out, tc.status, tc.problem)
			if strings.Contains(string(out), a) || strings.Contains(string(out), b) || strings.Contains(string(out), "U1A2B3C4D5") {
				t.Errorf("problem echoes personal data: %s", out)
			}
		})
	}
	// The problem types are documented at their URLs.
	for _, slug := range []string{"not-own-household", "minor-requester", "counter-scope"} {
		resp, out := e.do("GET", "/problems/forbidden/"+slug, "", nil, nil)
		if resp.StatusCode != 200 || !strings.Contains(string(out), "403") || !strings.Contains(string(out), "Motivo") {
			t.Errorf("problem doc %s: %d %s", slug, resp.StatusCode, out)
		}
	}
	if resp, _ := e.do("GET", "/problems/forbidden/nope", "", nil, nil); resp.StatusCode != 404 {
		t.Errorf("unknown forbidden rule doc: %d", resp.StatusCode)
	}
}
