package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"certa.example/certa/internal/setup"
)

// TestMain lets a test run this binary as certa itself (serveHelperEnv).
func TestMain(m *testing.M) {
	if os.Getenv(serveHelperEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// serveHelperEnv makes the test binary run certa (not CERTA_*: certa
// refuses unknown CERTA_ variables).
const serveHelperEnv = "BE_CERTA_FOR_TEST"

// TestServeGracefulShutdown runs certa serve as a process, holds an
// issuance request in flight (headers sent, body half sent), sends
// SIGTERM, and checks that new connections are refused, the request
// completes with its certificate, the process exits 0, and the ledger
// holds the certificate and the verification counted just before.
func TestServeGracefulShutdown(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	out, errOut, code := runCLI(t, "registry", "list", "--data", data, "--limit", "1", "--certifiable")
	if code != 0 {
		t.Fatalf("registry list: %s", errOut)
	}
	cf := strings.Fields(out)[0]
	key, _ := os.ReadFile(filepath.Join(data, "demo-api-key"))

	cmd := exec.Command(os.Args[0], "serve", "--data", data, "--addr", "127.0.0.1:0", "--log-format", "json", "--shutdown-timeout", "20s")
	cmd.Env = append(os.Environ(), serveHelperEnv+"=1")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	logs := make(chan map[string]any, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) == nil {
				logs <- rec
			} else {
				t.Errorf("log line is not JSON: %s", sc.Text())
			}
		}
		close(logs)
	}()
	waitLog := func(msg string) map[string]any {
		t.Helper()
		timeout := time.After(60 * time.Second)
		for {
			select {
			case rec, ok := <-logs:
				if !ok {
					t.Fatalf("certa exited before logging %q", msg)
				}
				if rec["msg"] == msg {
					return rec
				}
			case <-timeout:
				t.Fatalf("no %q log line", msg)
			}
		}
	}
	addr := waitLog("certa serving")["addr"].(string)
	base := "http://" + addr
	body := func(typ string) string {
		return fmt.Sprintf(`{"type":%q,"subject":%q,"bollo":{"exempt":{"code":7}},"channel":"online","requester":%q}`, typ, cf, cf)
	}
	post := func(b string) (*http.Response, error) {
		req, _ := http.NewRequest("POST", base+"/api/v1/certificates", strings.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(key)))
		req.Header.Set("Content-Type", "application/json")
		return http.DefaultClient.Do(req)
	}
	// A first certificate, verified once just before the signal.
	resp, err := post(body("residenza"))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("first issue: %v %v", resp, err)
	}
	first := resp.Header.Get("Certa-Code")
	resp.Body.Close()
	if resp, err := http.Get(base + "/v/" + first); err != nil || resp.StatusCode != 200 {
		t.Fatalf("verification page: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	// The issuance in flight: headers and half the body.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	b := body("stato_famiglia")
	fmt.Fprintf(conn, "POST /api/v1/certificates HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nAccept: application/json\r\nX-Request-Id: in-flight-1\r\nContent-Length: %d\r\n\r\n%s",
		addr, strings.TrimSpace(string(key)), len(b), b[:len(b)/2])
	time.Sleep(300 * time.Millisecond) // the server has read the headers: the connection is active

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitLog("shutting down: no new connections; waiting for running requests")
	// The line is logged just before the listener closes: allow a moment.
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("new connections still accepted 2 s after SIGTERM")
		}
	}
	io.WriteString(conn, b[len(b)/2:])
	conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	resp, err = http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("response body cut: %v", err)
	}
	var issued struct{ Code, SHA256 string }
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(raw, &issued) != nil || issued.Code == "" || resp.Header.Get("X-Request-Id") != "in-flight-1" {
		t.Fatalf("in-flight issuance: %d %s %v", resp.StatusCode, raw, resp.Header)
	}
	waitLog("shut down cleanly")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("certa serve exited with %v", err)
	}

	env, err := setup.OpenEmbedded(context.Background(), data, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	rec, err := env.Store.ByCode(context.Background(), issued.Code)
	if err != nil || fmt.Sprintf("%x", rec.SHA256) != issued.SHA256 {
		t.Fatalf("in-flight certificate not recorded: %+v %v", rec, err)
	}
	if rec, err := env.Store.ByCode(context.Background(), first); err != nil || rec.Verifications != 1 {
		t.Fatalf("verification count of %s: %d %v", first, rec.Verifications, err)
	}
}

func TestConfigCheck(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if _, errOut, code := runCLI(t, "registry", "list", "--data", data, "--limit", "1"); code != 0 {
		t.Fatal(errOut)
	}
	dir := t.TempDir()
	conf := func(text string) string {
		p := filepath.Join(dir, fmt.Sprintf("c%d.toml", time.Now().UnixNano()))
		os.WriteFile(p, []byte(text), 0o600)
		return p
	}
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		want     string // in stdout (code 0) or stderr (code 1)
		wantAlso string
	}{
		{"defaults", []string{"--data", data}, 0, "configuration OK", "ready:            store and seal answer"},
		{"file", []string{"--config", conf(fmt.Sprintf("data = %q\naddr = \"127.0.0.1:9443\"\nlog-format = \"text\"\n", data))}, 0, "listen:           127.0.0.1:9443", "log format:       text"},
		{"unknown key", []string{"--config", conf("adrr = \"x\"\n")}, 1, `unknown key(s) "adrr"`, ""},
		{"several problems", []string{"--data", data, "--addr", "nohost", "--tls-cert", filepath.Join(dir, "none.pem"), "--tls-key", filepath.Join(dir, "none.key")}, 1, "--addr", "none.pem"},
		{"unreachable database", []string{"--data", data, "--database-url", "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"}, 1, "store", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, append([]string{"config", "check"}, tc.args...)...)
			text := out
			if tc.code != 0 {
				text = errOut
			}
			if code != tc.code || !strings.Contains(text, tc.want) || !strings.Contains(text, tc.wantAlso) {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
		})
	}
	t.Run("unknown CERTA_ variable", func(t *testing.T) {
		t.Setenv("CERTA_ADRESS", "x")
		if _, errOut, code := runCLI(t, "config", "check", "--data", data); code != 1 || !strings.Contains(errOut, "CERTA_ADRESS") {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	})
}
