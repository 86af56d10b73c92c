package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"certa.example/certa/internal/testutil"
)

// instance is a `certa serve` process started by a test.
type instance struct {
	url    string
	cmd    *exec.Cmd
	stderr *bytes.Buffer
}

// startInstance runs `certa serve args...` on a free loopback port and
// waits until /readyz answers; the process is stopped with SIGTERM at the
// end of the test, and must exit cleanly.
func startInstance(t *testing.T, args ...string) *instance {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	in := &instance{url: "http://" + addr, stderr: new(bytes.Buffer)}
	in.cmd = exec.Command(self, append([]string{"serve", "--addr", addr}, args...)...)
	in.cmd.Env = append(os.Environ(), serveHelperEnv+"=1")
	in.cmd.Stderr = in.stderr
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- in.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("instance %s exited with %v; log:\n%s", addr, err, in.stderr)
			}
		case <-time.After(30 * time.Second):
			in.cmd.Process.Kill()
			t.Errorf("instance %s did not stop within 30 s of SIGTERM", addr)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(in.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return in
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s not ready after 30 s; log:\n%s", addr, in.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (in *instance) request(t *testing.T, method, path, key string, body any, header ...string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, in.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// Issue 7, item 9: two `certa serve` processes on one PostgreSQL database
// issue concurrently without conflicts: every code is unique, each process
// serves what the other issued, one Idempotency-Key sent to both yields
// one certificate, and the audit chain both extend stays intact.
func TestTwoInstancesShareOnePostgres(t *testing.T) {
	db := testutil.PostgresSchema(t)
	data := filepath.Join(t.TempDir(), "data")
	if _, errs, code := runCLI(t, "migrate", "--data", data, "--database-url", db); code != 0 {
		t.Fatalf("migrate: %s", errs)
	}
	if _, errs, code := runCLI(t, "registry", "seed", "--data", data, "--database-url", db, "--households", "40", "--seed", "3"); code != 0 {
		t.Fatalf("seed: %s", errs)
	}
	list, _, _ := runCLI(t, "registry", "list", "--data", data, "--database-url", db, "--certifiable", "--limit", "20")
	var subjects []string
	for _, line := range strings.Split(strings.TrimSpace(list), "\n") {
		subjects = append(subjects, strings.Fields(line)[0])
	}

	// Both share the data directory (the demo seal and keys); the first
	// creates it, so the second starts after it.
	flags := []string{"--data", data, "--database-url", db, "--public-url", "http://certa.test", "--rate-limit", "off"}
	a := startInstance(t, flags...)
	b := startInstance(t, flags...)
	key, err := os.ReadFile(filepath.Join(data, "demo-api-key"))
	if err != nil {
		t.Fatal(err)
	}
	apiKey := strings.TrimSpace(string(key))

	const workers, each = 8, 10
	var (
		mu    sync.Mutex
		codes = map[string]*instance{}
		wg    sync.WaitGroup
	)
	for w := range workers {
		in := []*instance{a, b}[w%2]
		wg.Go(func() {
			for i := range each {
				status, body := in.request(t, "POST", "/api/v1/certificates", apiKey, issueBody(subjects[(w*each+i)%len(subjects)]))
				if status != http.StatusCreated {
					t.Errorf("issue on %s: %d %s", in.url, status, body)
					return
				}
				var got struct{ Code string }
				if err := json.Unmarshal(body, &got); err != nil || got.Code == "" {
					t.Errorf("issue answer %s: %v", body, err)
					return
				}
				mu.Lock()
				if _, dup := codes[got.Code]; dup {
					t.Errorf("code %s issued twice", got.Code)
				}
				codes[got.Code] = in
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.Fatalf("instance logs:\nA:\n%s\nB:\n%s", a.stderr, b.stderr)
	}
	if len(codes) != workers*each {
		t.Fatalf("%d certificates, want %d", len(codes), workers*each)
	}
	// Each process serves what the other recorded.
	for code, issuer := range codes {
		other := a
		if issuer == a {
			other = b
		}
		if status, body := other.request(t, "GET", "/api/v1/certificates/"+code, apiKey, nil); status != http.StatusOK {
			t.Fatalf("certificate %s from the other instance: %d %s", code, status, body)
		}
	}
	// One Idempotency-Key sent to both processes at once: one certificate.
	var idem sync.Map
	for w := range 6 {
		in := []*instance{a, b}[w%2]
		wg.Go(func() {
			status, body := in.request(t, "POST", "/api/v1/certificates", apiKey, issueBody(subjects[0]), "Idempotency-Key", "two-processes-1")
			var got struct{ Code string }
			if status != http.StatusCreated || json.Unmarshal(body, &got) != nil {
				t.Errorf("idempotent issue on %s: %d %s", in.url, status, body)
				return
			}
			idem.Store(got.Code, true)
		})
	}
	wg.Wait()
	n := 0
	idem.Range(func(any, any) bool { n++; return true })
	if n != 1 {
		t.Fatalf("one Idempotency-Key on two processes gave %d certificates", n)
	}
	// A batch submitted to one process is run by the two (each claims it
	// only while it holds the lease) and every item is issued once.
	var jsonl strings.Builder
	const batchItems = 40
	for i := range batchItems {
		line, _ := json.Marshal(issueBody(subjects[i%len(subjects)]))
		jsonl.Write(append(line, '\n'))
	}
	req, _ := http.NewRequest("POST", a.url+"/api/v1/batches", strings.NewReader(jsonl.String()))
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var sub struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&sub)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || sub.ID == "" {
		t.Fatalf("batch submit: %d", resp.StatusCode)
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		status, body := b.request(t, "GET", "/api/v1/batches/"+sub.ID, apiKey, nil)
		var st struct {
			Status         string
			Issued, Failed int
		}
		json.Unmarshal(body, &st)
		if status == http.StatusOK && st.Status == "done" {
			if st.Issued != batchItems || st.Failed != 0 {
				t.Fatalf("batch: %s", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("batch not done after 60 s: %d %s", status, body)
		}
	}
	out, errs, code := runCLI(t, "audit", "verify", "--data", data, "--database-url", db)
	t.Logf("%d certificates from two processes; %s", len(codes), strings.TrimSpace(out))
	if want := fmt.Sprintf("intact: %d events", workers*each+1+batchItems+2); code != 0 || !strings.Contains(out, want) {
		t.Fatalf("audit verify after concurrent issuance by two processes: exit %d, %q %q (want %q)", code, out, errs, want)
	}
}

// issueBody is an online-channel residence request by subject for themself.
func issueBody(subject string) map[string]any {
	return map[string]any{
		"type": "residenza", "subject": subject, "channel": "online", "requester": subject,
		"bollo": map[string]any{"paid": map[string]any{"marca": "01234567890123"}},
	}
}
