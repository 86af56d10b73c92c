package main

import (
	"archive/zip"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"certa.example/certa/internal/batch"
	"certa.example/certa/internal/setup"
	"certa.example/certa/internal/store"
)

func TestCLIBatch(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	list, _, _ := runCLI(t, "registry", "list", "--data", data, "--certifiable", "--limit", "5")
	var lines []string
	for i, l := range strings.Split(strings.TrimSpace(list), "\n") {
		cf := strings.Fields(l)[0]
		lines = append(lines, fmt.Sprintf(`{"type":"residenza","subject":%q,"channel":"online","requester":%q,"bollo":{"exempt":{"code":7}}}`, cf, cf))
		if i == 0 { // a refused line: another citizen's household
			lines = append(lines, fmt.Sprintf(`{"type":"residenza","subject":%q,"channel":"online","requester":"RSSMRA80A01F205X","bollo":{"exempt":{"code":7}}}`, cf))
		}
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "requests.jsonl")
	os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o600)

	zipOut := filepath.Join(dir, "out.zip")
	out, errOut, code := runCLI(t, "batch", in, "--data", data, "--out", zipOut)
	if code != 0 || !strings.Contains(out, "5 issued, 1 failed") {
		t.Fatalf("batch: %d %q %q", code, out, errOut)
	}
	zr, err := zip.OpenReader(zipOut)
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 6 || zr.File[5].Name != "manifest.jsonl" {
		t.Fatalf("ZIP holds %d files", len(zr.File))
	}
	zr.Close()
	if _, err := os.Stat(zipOut + ".certa-batch"); !os.IsNotExist(err) {
		t.Errorf("state file left after success: %v", err)
	}
	if _, errOut, code := runCLI(t, "batch", in, "--data", data, "--out", zipOut); code == 0 || !strings.Contains(errOut, "does not overwrite") {
		t.Errorf("second run over the result: %d %q", code, errOut)
	}

	// Interrupted after the batch was stored: the same command resumes it.
	env, err := setup.OpenEmbedded(context.Background(), data, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(in)
	rd := batch.NewReader(f, 0)
	sum, _ := fileSHA256(in)
	b, err := env.Store.CreateBatch(context.Background(), store.NewBatch{Client: "cli", InputSHA256: sum}, rd.Source())
	f.Close()
	env.Close()
	if err != nil {
		t.Fatal(err)
	}
	dirOut := filepath.Join(dir, "resumed")
	os.WriteFile(dirOut+".certa-batch", []byte(b.ID+" "+hex.EncodeToString(sum[:])+"\n"), 0o600)
	out, errOut, code = runCLI(t, "batch", in, "--data", data, "--out", dirOut)
	if code != 0 || !strings.Contains(errOut, "resuming batch "+b.ID) || !strings.Contains(out, "batch "+b.ID+": 5 issued, 1 failed") {
		t.Fatalf("resume: %d %q %q", code, out, errOut)
	}
	if files, _ := os.ReadDir(dirOut); len(files) != 6 {
		t.Errorf("result directory holds %d files, want 6", len(files))
	}

	// A state file of another input is refused; so is a bad line, which
	// stores nothing.
	other := filepath.Join(dir, "other")
	os.WriteFile(other+".certa-batch", []byte(b.ID+" "+strings.Repeat("0", 64)+"\n"), 0o600)
	if _, errOut, code := runCLI(t, "batch", in, "--data", data, "--out", other); code == 0 || !strings.Contains(errOut, "another input") {
		t.Errorf("state of another input: %d %q", code, errOut)
	}
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(lines[0]+"\n"+`{"type":"residenza","subject":"X","colour":"red"}`+"\n"), 0o600)
	if _, errOut, code := runCLI(t, "batch", bad, "--data", data, "--out", filepath.Join(dir, "bad.zip")); code == 0 || !strings.Contains(errOut, "line 2") {
		t.Errorf("bad line: %d %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.zip.certa-batch")); !os.IsNotExist(err) {
		t.Errorf("state file written for a refused batch")
	}
}
