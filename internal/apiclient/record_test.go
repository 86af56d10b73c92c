package apiclient

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/pem"
	"math"
	"strings"
	"testing"
	"time"

	"certa.example/certa/internal/testpki"
)

func TestNewKey(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		k, err := NewKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(k, KeyPrefix))
		if !strings.HasPrefix(k, KeyPrefix) || err != nil || len(raw) != 32 || len(k) != 49 {
			t.Fatalf("key %q: not certa_ + 32 bytes base64url (%v)", k, err)
		}
		if seen[k] {
			t.Fatal("the same key twice")
		}
		seen[k] = true
	}
	if _, err := NewKey(bytes.NewReader(make([]byte, 10))); err == nil {
		t.Error("a short random source gave a key")
	}
}

func TestCheckID(t *testing.T) {
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"portale-milano", true}, {"a", true}, {"0", true}, {"x-1-y", true},
		{strings.Repeat("a", 63), true}, {strings.Repeat("a", 64), false},
		{"", false}, {"-a", false}, {"Portale", false}, {"a_b", false}, {"a b", false},
		{"città", false}, {"a\x00", false},
	} {
		t.Run(tc.id, func(t *testing.T) {
			if err := CheckID(tc.id); (err == nil) != tc.ok {
				t.Errorf("CheckID(%q) = %v, want ok %v", tc.id, err, tc.ok)
			}
		})
	}
}

func TestRecordCheck(t *testing.T) {
	base := Record{ID: "p", Scopes: Scopes{ScopeIssue}}
	for _, tc := range []struct {
		name string
		mod  func(*Record)
		ok   bool
	}{
		{"plain", func(*Record) {}, true},
		{"rate and burst", func(r *Record) { r.RateLimit, r.RateBurst = 0.5, 3 }, true},
		{"quota", func(r *Record) { r.DailyQuota = 10 }, true},
		{"no scopes", func(r *Record) { r.Scopes = nil }, false},
		{"repeated scope", func(r *Record) { r.Scopes = Scopes{ScopeRead, ScopeRead} }, false},
		{"NaN rate", func(r *Record) { r.RateLimit = math.NaN() }, false},
		{"negative rate", func(r *Record) { r.RateLimit = -1 }, false},
		{"huge rate", func(r *Record) { r.RateLimit = 2e6 }, false},
		{"burst without rate", func(r *Record) { r.RateBurst = 3 }, false},
		{"negative quota", func(r *Record) { r.DailyQuota = -1 }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := base
			tc.mod(&r)
			if err := r.Check(); (err == nil) != tc.ok {
				t.Errorf("Check = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

func TestBurstAndDescribe(t *testing.T) {
	r := Record{ID: "p", Scopes: Scopes{ScopeIssue, ScopeRead}, RateLimit: 2.5}
	if r.Burst() != 3 {
		t.Errorf("Burst = %d, want 3 (one second's worth)", r.Burst())
	}
	if (Record{RateLimit: 0.1}).Burst() != 1 {
		t.Error("Burst below 1")
	}
	r.RateBurst, r.DailyQuota = 7, 100
	r.TLSCertSHA256 = sha256.Sum256([]byte("x"))
	want := "scopes=issue,read rate-limit=2.5 burst=7 daily-quota=100 tls-cert=" + Fingerprint(r.TLSCertSHA256)[:16]
	if got := r.Describe(); got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	if got := (Record{Scopes: Scopes{ScopeAdmin}}).Describe(); got != "scopes=admin" {
		t.Errorf("Describe = %q", got)
	}
}

func TestCertFingerprint(t *testing.T) {
	leaf := testpki.NewClientCert(t, "client")
	one := leaf.PEM
	two := append(append([]byte{}, one...), testpki.NewClientCert(t, "other").PEM...)
	key := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}})
	got, err := CertFingerprint(append(key, one...))
	if err != nil || got != sha256.Sum256(leaf.Cert.Raw) {
		t.Errorf("CertFingerprint = %x, %v", got, err)
	}
	for name, in := range map[string][]byte{
		"empty": nil, "two certificates": two, "key only": key,
		"garbage DER": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("nope")}),
	} {
		if _, err := CertFingerprint(in); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestQuotaDay(t *testing.T) {
	rome := time.FixedZone("CEST", 2*3600)
	if got := QuotaDay(time.Date(2026, 6, 30, 23, 0, 0, 0, time.UTC).In(rome)); got != "2026-07-01" {
		t.Errorf("QuotaDay = %s", got)
	}
}

func FuzzCertFingerprint(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		sum, err := CertFingerprint(data)
		if err == nil && sum == [32]byte{} {
			t.Error("a zero fingerprint without error")
		}
	})
}
