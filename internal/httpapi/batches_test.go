package httpapi_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"certa.example/certa/engine"
	"certa.example/certa/internal/batch"
	"certa.example/certa/internal/httpapi"
	"certa.example/certa/internal/setup"
	"certa.example/certa/internal/store"
)

// A batch through the API: submitted, run (by a runner, as certa serve
// does), followed, and fetched as a ZIP of PDFs and a manifest.
func TestBatchAPI(t *testing.T) {
	var eng *engine.Engine
	e := newEnvOn(t, 1<<20, "", func(cfg *httpapi.Config, emb *setup.Env) {
		cfg.Batches, eng = emb.Store, cfg.Engine
		cfg.APIKeys = map[string]string{httpapi.HashAPIKey(e0Key(emb)): "demo", httpapi.HashAPIKey("other-portal-key"): "other"}
	})
	auth := []string{"Authorization", "Bearer " + e.key, "Content-Type", "application/x-ndjson"}
	var file bytes.Buffer
	for i := range 9 {
		cf := e.people[i].FiscalCode
		fmt.Fprintf(&file, `{"type":"residenza","subject":%q,"channel":"online","requester":%q,"bollo":{"exempt":{"code":7}}}`+"\n", cf, cf)
	}
	// Line 10 is refused when issued (another household), not at upload.
	fmt.Fprintf(&file, `{"type":"residenza","subject":%q,"channel":"online","requester":"RSSMRA80A01F205X","bollo":{"exempt":{"code":7}}}`+"\n", e.people[0].FiscalCode)

	// Malformed lines are refused at upload, naming the line; nothing stored.
	for name, body := range map[string]string{
		"not JSON":      file.String() + "nope\n",
		"unknown field": file.String() + `{"type":"residenza","subject":"X","colour":"red"}` + "\n",
		"no subject":    `{"type":"residenza"}` + "\n",
	} {
		resp, b := e.do("POST", "/api/v1/batches", strings.NewReader(body), auth...)
		checkProblem(t, resp, b, 400, "invalid-request")
		if !strings.Contains(string(b), "line ") {
			t.Errorf("%s: the problem does not name the line: %s", name, b)
		}
	}
	if resp, b := e.do("POST", "/api/v1/batches", strings.NewReader(file.String()), "Authorization", "Bearer "+e.key, "Content-Type", "application/json"); resp.StatusCode != 415 {
		t.Errorf("JSON content type: %d %s", resp.StatusCode, b)
	}

	resp, b := e.do("POST", "/api/v1/batches", bytes.NewReader(file.Bytes()), auth...)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("submit: %d %s", resp.StatusCode, b)
	}
	var sub struct {
		ID     string
		Status string
		Total  int
	}
	json.Unmarshal(b, &sub)
	if sub.Status != "queued" || sub.Total != 10 || resp.Header.Get("Location") != "/api/v1/batches/"+sub.ID {
		t.Fatalf("submitted: %s %v", b, resp.Header)
	}
	if resp, b := e.do("GET", "/api/v1/batches/"+sub.ID+"/result", nil, auth...); resp.StatusCode != 409 {
		t.Errorf("result before done: %d %s", resp.StatusCode, b)
	}
	r := &batch.Runner{Store: e.emb.Store, Issuer: eng, Owner: "test", Lease: time.Minute, Workers: 2, PageSize: 4, Now: time.Now}
	if _, err := r.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	resp, b = e.do("GET", "/api/v1/batches/"+sub.ID, nil, auth...)
	var st struct {
		Status                string
		Issued, Failed, Total int
		Result                string
	}
	if json.Unmarshal(b, &st); resp.StatusCode != 200 || st.Status != "done" || st.Issued != 9 || st.Failed != 1 || st.Result == "" {
		t.Fatalf("progress: %d %s", resp.StatusCode, b)
	}

	resp, b = e.do("GET", st.Result, nil, auth...)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("result: %d %v", resp.StatusCode, resp.Header)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	pdfs := 0
	var manifest []batch.ManifestLine
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		if f.Name == "manifest.jsonl" {
			sc := bufio.NewScanner(bytes.NewReader(data))
			for sc.Scan() {
				var ml batch.ManifestLine
				if err := json.Unmarshal(sc.Bytes(), &ml); err != nil {
					t.Fatal(err)
				}
				manifest = append(manifest, ml)
			}
			continue
		}
		if !bytes.HasPrefix(data, []byte("%PDF-")) {
			t.Errorf("%s is not a PDF", f.Name)
		}
		pdfs++
	}
	if pdfs != 9 || len(manifest) != 10 || manifest[9].Status != store.ItemFailed || manifest[9].ProblemType != "/problems/forbidden/not-own-household" {
		t.Fatalf("ZIP: %d PDFs, manifest %+v", pdfs, manifest)
	}

	// Another client sees nothing of it; its owner may not cancel a done
	// batch, but may cancel a queued one.
	other := []string{"Authorization", "Bearer other-portal-key"}
	for _, path := range []string{"/api/v1/batches/" + sub.ID, "/api/v1/batches/" + sub.ID + "/result"} {
		if resp, b := e.do("GET", path, nil, other...); resp.StatusCode != 404 {
			t.Errorf("other client GET %s: %d %s", path, resp.StatusCode, b)
		}
	}
	if resp, b := e.do("DELETE", "/api/v1/batches/"+sub.ID, nil, other...); resp.StatusCode != 404 {
		t.Errorf("other client cancels: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do("POST", "/api/v1/batches", bytes.NewReader(file.Bytes()), auth...)
	if json.Unmarshal(b, &sub); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("second submit: %d %s", resp.StatusCode, b)
	}
	if resp, b := e.do("DELETE", "/api/v1/batches/"+sub.ID, nil, auth...); resp.StatusCode != 200 || !strings.Contains(string(b), `"cancelled"`) {
		t.Errorf("cancel a queued batch: %d %s", resp.StatusCode, b)
	}
	if resp, b := e.do("DELETE", "/api/v1/batches/"+sub.ID, nil, auth...); resp.StatusCode != 409 {
		t.Errorf("cancel a done batch: %d %s", resp.StatusCode, b)
	}
	if resp, b := e.do("GET", "/api/v1/batches/aaaaaaaaaaaaaaaaaaaaaaaaaa", nil, auth...); resp.StatusCode != 404 {
		t.Errorf("unknown batch: %d %s", resp.StatusCode, b)
	}
}

// e0Key is the demo API key of emb.
func e0Key(emb *setup.Env) string {
	b, _ := os.ReadFile(emb.APIKeyPath)
	return strings.TrimSpace(string(b))
}
