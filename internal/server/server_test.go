package server

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newCA(t *testing.T, name string) testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return testCA{cert, key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue returns a leaf's certificate and key PEM.
func (ca testCA) issue(t *testing.T, cn string, usage x509.ExtKeyUsage) (certPEM, keyPEM []byte) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
}

func write(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// start runs Run on a loopback listener; stop ends it and returns its error.
func start(t *testing.T, h http.Handler, tc *tls.Config, timeout time.Duration, drained func(context.Context)) (addr string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Listener: ln, Handler: h, TLS: tc, ShutdownTimeout: timeout, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Drained: drained})
	}()
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { stop() })
	return ln.Addr().String(), stop
}

func TestTLS(t *testing.T) {
	serverCA, clientCA, otherCA := newCA(t, "server CA"), newCA(t, "client CA"), newCA(t, "other CA")
	certPEM, keyPEM := serverCA.issue(t, "certa", x509.ExtKeyUsageServerAuth)
	certFile, keyFile := write(t, "tls.pem", certPEM), write(t, "tls.key", keyPEM)
	cfg, err := TLSConfig(certFile, keyFile, write(t, "clients.pem", clientCA.pem))
	if err != nil {
		t.Fatal(err)
	}
	// The handler says which client certificate it saw.
	addr, _ := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) == 0 {
			io.WriteString(w, "anonymous")
			return
		}
		io.WriteString(w, r.TLS.PeerCertificates[0].Subject.CommonName)
	}), cfg, 5*time.Second, nil)
	roots := x509.NewCertPool()
	roots.AddCert(serverCA.cert)
	client := func(tc *tls.Config) *http.Client {
		return &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
	}
	withCert := func(ca testCA, cn string) *tls.Config {
		c, k := ca.issue(t, cn, x509.ExtKeyUsageClientAuth)
		pair, err := tls.X509KeyPair(c, k)
		if err != nil {
			t.Fatal(err)
		}
		// Sent whatever CAs the server names (Go's client would otherwise
		// send no certificate the server's CAs did not issue).
		return &tls.Config{RootCAs: roots, GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }}
	}
	for _, tc := range []struct {
		name    string
		cfg     *tls.Config
		want    string
		wantErr string
	}{
		{"no client certificate", &tls.Config{RootCAs: roots}, "anonymous", ""},
		{"client certificate of the client CA", withCert(clientCA, "portal-lodi"), "portal-lodi", ""},
		{"client certificate of another CA", withCert(otherCA, "intruder"), "", "unknown certificate authority"},
		{"TLS 1.1 refused", &tls.Config{RootCAs: roots, MaxVersion: tls.VersionTLS11}, "", "version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := client(tc.cfg).Get("https://" + addr + "/")
			if tc.wantErr != "" {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("connected; want an error about %s", tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v; want one about %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if string(b) != tc.want || resp.TLS.Version < tls.VersionTLS12 {
				t.Fatalf("got %q over TLS %x", b, resp.TLS.Version)
			}
		})
	}
}

func TestTLSConfigErrors(t *testing.T) {
	ca := newCA(t, "CA")
	certPEM, keyPEM := ca.issue(t, "certa", x509.ExtKeyUsageServerAuth)
	_, otherKey := ca.issue(t, "other", x509.ExtKeyUsageServerAuth)
	cert, key := write(t, "c.pem", certPEM), write(t, "k.pem", keyPEM)
	for _, tc := range []struct {
		name, cert, key, clientCA, want string
	}{
		{"key missing", cert, "", "", "both"},
		{"no such file", cert, filepath.Join(t.TempDir(), "none.pem"), "", "none.pem"},
		{"key of another certificate", cert, write(t, "o.pem", otherKey), "", "does not match"},
		{"client CA not PEM", cert, key, write(t, "ca.txt", []byte("hello")), "no PEM certificate"},
		{"client CA missing", cert, key, filepath.Join(t.TempDir(), "ca.pem"), "client CA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := TLSConfig(tc.cert, tc.key, tc.clientCA); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("TLSConfig = %v; want an error about %q", err, tc.want)
			}
		})
	}
	if cfg, err := TLSConfig(cert, key, ""); err != nil || cfg.MinVersion != tls.VersionTLS12 || cfg.ClientAuth != tls.RequestClientCert {
		t.Fatalf("TLSConfig without client CA: %+v %v", cfg, err)
	}
}

// TestShutdownWaitsForRunningRequests: after the context ends, a request
// in progress completes, new connections are refused, Drained runs after
// it, and Run returns nil.
func TestShutdownWaitsForRunningRequests(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	var order bytes.Buffer
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		order.WriteString("handler;")
		io.WriteString(w, "complete")
	})
	addr, stop := start(t, h, nil, 5*time.Second, func(context.Context) { order.WriteString("drained;") })
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			got <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- string(b)
	}()
	<-entered
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	// New connections are refused once the listener is closed.
	deadline := time.Now().Add(2 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections after shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-stopped:
		t.Fatalf("Run returned %v with a request in progress", err)
	default:
	}
	close(release)
	if body := <-got; body != "complete" {
		t.Fatalf("response %q", body)
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if order.String() != "handler;drained;" {
		t.Fatalf("order %q", order.String())
	}
}

func TestShutdownTimeout(t *testing.T) {
	entered := make(chan struct{})
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	addr, stop := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}), nil, time.Second, nil)
	go http.Get("http://" + addr + "/")
	<-entered
	began := time.Now()
	err := stop()
	if err == nil || !strings.Contains(err.Error(), "did not finish within 1s") {
		t.Fatalf("Run = %v", err)
	}
	if d := time.Since(began); d > 3*time.Second {
		t.Fatalf("shutdown took %v with a 1s timeout", d)
	}
}
