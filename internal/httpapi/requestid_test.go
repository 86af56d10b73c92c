package httpapi_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"certa.example/certa/internal/httpapi"
	"certa.example/certa/internal/logging"
	"certa.example/certa/internal/setup"
)

func TestRequestID(t *testing.T) {
	logs := &bytes.Buffer{}
	e := newEnvOn(t, 1<<20, "", func(c *httpapi.Config, _ *setup.Env) {
		log, err := logging.New(logs, logging.FormatJSON)
		if err != nil {
			t.Fatal(err)
		}
		c.Log = log
	})
	for _, tc := range []struct {
		name, sent string
		kept       bool
	}{
		{"sane id kept", "portal-42.attempt:1", true},
		{"none sent", "", false},
		{"log injection refused", "x\" level=ERROR", false},
		{"too long refused", strings.Repeat("a", 65), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs.Reset()
			var headers []string
			if tc.sent != "" {
				headers = []string{"X-Request-Id", tc.sent}
			}
			// An unknown type: a problem document and a log line.
			body := `{"type":"nope","subject":"RSSMRA80A01F205X","bollo":{"exempt":{"code":7}}` + counterJSON + `}`
			resp, b := e.do("POST", "/api/v1/certificates", strings.NewReader(body),
				append(headers, "Authorization", "Bearer "+e.key, "Content-Type", "application/json")...)
			id := resp.Header.Get("X-Request-Id")
			if tc.kept && id != tc.sent {
				t.Fatalf("X-Request-Id %q, sent %q", id, tc.sent)
			}
			if !tc.kept && (!logging.ValidRequestID(id) || id == tc.sent || len(id) != 32) {
				t.Fatalf("generated X-Request-Id %q", id)
			}
			var p httpapi.Problem
			if err := json.Unmarshal(b, &p); err != nil || p.RequestID != id || p.Status != 422 {
				t.Fatalf("problem %s (%v)", b, err)
			}
			var rec map[string]any
			line, _, _ := strings.Cut(logs.String(), "\n")
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("log line %q: %v", line, err)
			}
			if rec["request_id"] != id || rec["msg"] != "request failed" {
				t.Errorf("log record %v", rec)
			}
			if strings.Contains(logs.String(), "RSSMRA80A01F205X") {
				t.Error("the log holds the codice fiscale")
			}
		})
	}
	// Success answers carry it too.
	resp, _ := e.do("GET", "/healthz", nil, "X-Request-Id", "hc-1")
	if resp.Header.Get("X-Request-Id") != "hc-1" {
		t.Errorf("healthz X-Request-Id %q", resp.Header.Get("X-Request-Id"))
	}
}
