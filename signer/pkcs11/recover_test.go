package pkcs11

import (
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThalesGroup/crypto11"
	p11 "github.com/miekg/pkcs11"

	"certa.example/certa/internal/errs"
)

// withTestModule runs f with a second handle on the module, which a Key
// must hold initialized, and the slot of u's token. This is how the tests
// play the part of a failing HSM: the handle shares the module's state.
func withTestModule(t *testing.T, u URI, f func(m *p11.Ctx, slot uint)) {
	t.Helper()
	m := p11.New(u.ModulePath)
	if m == nil {
		t.Fatalf("load %s", u.ModulePath)
	}
	defer m.Destroy()
	slots, err := m.GetSlotList(true)
	if err != nil {
		t.Fatalf("GetSlotList: %v", err)
	}
	for _, s := range slots {
		if ti, err := m.GetTokenInfo(s); err == nil && ti.Label == u.Token {
			f(m, s)
			return
		}
	}
	t.Fatalf("token %q not found", u.Token)
}

// signAll signs from several goroutines at once and checks every signature.
func signAll(t *testing.T, k *Key, workers, each int) {
	t.Helper()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				d := sha256.Sum256(fmt.Appendf(nil, "%d/%d", w, i))
				sig, err := k.Sign(nil, d[:], crypto.SHA256)
				if err == nil {
					err = verify(k.Public(), d[:], sig, crypto.SHA256)
				}
				if err != nil {
					t.Errorf("worker %d, signature %d: %v", w, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// rawSignError returns the error crypto11 gives on the Key's current
// context, before the Key reacts to it.
func rawSignError(k *Key) error {
	d := sha256.Sum256([]byte("raw"))
	_, err := k.conn.Load().signer.Sign(nil, d[:], crypto.SHA256)
	return err
}

func TestReconnect(t *testing.T) {
	tests := []struct {
		name    string
		disrupt func(t *testing.T, m *p11.Ctx, slot uint)
		want    p11.Error // what SoftHSM answers on the dead session
	}{
		{
			name: "sessions closed",
			disrupt: func(t *testing.T, m *p11.Ctx, slot uint) {
				if err := m.CloseAllSessions(slot); err != nil {
					t.Fatal(err)
				}
			},
			want: p11.CKR_SESSION_HANDLE_INVALID,
		},
		{
			name: "module finalized",
			disrupt: func(t *testing.T, m *p11.Ctx, _ uint) {
				if err := m.Finalize(); err != nil {
					t.Fatal(err)
				}
			},
			want: p11.CKR_CRYPTOKI_NOT_INITIALIZED,
		},
		{
			name: "module restarted",
			disrupt: func(t *testing.T, m *p11.Ctx, _ uint) {
				if err := m.Finalize(); err != nil {
					t.Fatal(err)
				}
				if err := m.Initialize(); err != nil {
					t.Fatal(err)
				}
			},
			want: p11.CKR_SESSION_HANDLE_INVALID,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base, pin := token(t)
			u, _ := generate(t, base, pin, "seal", "P-256")
			u.MaxSessions = 4
			k := open(t, u, pin, Options{})
			signAll(t, k, 4, 5)

			withTestModule(t, u, func(m *p11.Ctx, slot uint) {
				tc.disrupt(t, m, slot)
				err := rawSignError(k)
				t.Logf("crypto11 after the disruption: %v", err)
				if !errors.Is(err, tc.want) {
					t.Errorf("crypto11 error = %v, want %v", err, tc.want)
				}
				// 8 callers hit the dead context together; one reconnects.
				signAll(t, k, 8, 5)
			})
			if n := k.reconnects.Load(); n != 1 {
				t.Fatalf("%d reconnections, want 1", n)
			}
			signAll(t, k, 4, 5)
			if err := k.Probe(t.Context()); err != nil {
				t.Fatalf("Probe: %v", err)
			}
		})
	}
}

func TestReconnectWhileHSMDown(t *testing.T) {
	base, pin := token(t)
	u, _ := generate(t, base, pin, "seal", "P-256")
	k := open(t, u, pin, Options{})
	k.backoff = time.Hour

	tokens := filepath.Join(filepath.Dir(os.Getenv("SOFTHSM2_CONF")), "tokens")
	hidden := tokens + ".away"
	withTestModule(t, u, func(m *p11.Ctx, _ uint) {
		if err := os.Rename(tokens, hidden); err != nil {
			t.Fatal(err)
		}
		if err := m.Finalize(); err != nil {
			t.Fatal(err)
		}
		d := sha256.Sum256([]byte("x"))
		_, err := k.Sign(nil, d[:], crypto.SHA256)
		if !errors.Is(err, ErrUnavailable) || errs.KindOf(err) != errs.Unavailable {
			t.Fatalf("Sign with the HSM down = %v (kind %v), want unavailable", err, errs.KindOf(err))
		}
		if errs.PublicOf(err) != "the signing HSM is unavailable" {
			t.Fatalf("public message %q", errs.PublicOf(err))
		}
		t.Logf("HSM down: %v", err)

		// Within the back-off the Key does not try again: it returns the
		// error of the failed attempt.
		if _, err2 := k.Sign(nil, d[:], crypto.SHA256); err2 != err {
			t.Fatalf("second Sign = %v; want the first error again", err2)
		}
	})

	if err := os.Rename(hidden, tokens); err != nil {
		t.Fatal(err)
	}
	k.backoff = 0 // the back-off has passed
	signAll(t, k, 4, 5)
	if n := k.reconnects.Load(); n != 1 {
		t.Fatalf("%d reconnections, want 1", n)
	}
}

func TestReconnectRefusesReplacedKey(t *testing.T) {
	base, pin := token(t)
	u, _ := generate(t, base, pin, "seal", "P-256")
	u.ID = []byte{7}
	k := open(t, URI{Token: u.Token, Object: u.Object, ModulePath: u.ModulePath}, pin, Options{})
	k.backoff = 0

	// Someone deletes the key and makes a new one with the same label.
	if err := k.conn.Load().signer.(crypto11.Signer).Delete(); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(u, pin, "P-256"); err != nil {
		t.Fatal(err)
	}
	t.Logf("crypto11 on the deleted key: %v", rawSignError(k))

	d := sha256.Sum256([]byte("x"))
	for range 2 {
		sig, err := k.Sign(nil, d[:], crypto.SHA256)
		if err == nil {
			t.Fatalf("signed with the replacement key: %x", sig)
		}
		if errs.KindOf(err) != errs.SigningFailed || errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "different key") {
			t.Fatalf("Sign = %v (kind %v); want signing-failed about a different key", err, errs.KindOf(err))
		}
	}
	if err := k.Probe(t.Context()); err == nil {
		t.Fatal("Probe passed with the key replaced")
	}
}

func TestReconnectStopsOnWrongPIN(t *testing.T) {
	base, pin := token(t)
	u, _ := generate(t, base, pin, "seal", "P-256")
	k := open(t, u, pin, Options{})
	k.backoff = 0

	withTestModule(t, u, func(m *p11.Ctx, slot uint) {
		// The administrator changes the PIN; then the sessions drop.
		sh, err := m.OpenSession(slot, p11.CKF_SERIAL_SESSION|p11.CKF_RW_SESSION)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.SetPIN(sh, pin, "98765"); err != nil {
			t.Fatal(err)
		}
		if err := m.CloseAllSessions(slot); err != nil {
			t.Fatal(err)
		}
	})
	d := sha256.Sum256([]byte("x"))
	for i := range 3 {
		_, err := k.Sign(nil, d[:], crypto.SHA256)
		if !errors.Is(err, ErrUnavailable) || !errors.Is(err, p11.Error(p11.CKR_PIN_INCORRECT)) {
			t.Fatalf("Sign %d = %v; want unavailable with CKR_PIN_INCORRECT", i, err)
		}
		if strings.Contains(err.Error(), pin) || strings.Contains(err.Error(), "98765") {
			t.Fatalf("error %q contains a PIN", err)
		}
	}
}
