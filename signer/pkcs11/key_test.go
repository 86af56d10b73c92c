package pkcs11

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	_ "crypto/sha512" // crypto.SHA384 and crypto.SHA512
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThalesGroup/crypto11"
	p11 "github.com/miekg/pkcs11"
	"github.com/thales-e-security/pool"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/testutil"
)

// token creates a SoftHSM token for t and returns a URI selecting it (no
// object yet) and the PIN read back through its pin-source.
func token(t testing.TB) (URI, string) {
	t.Helper()
	module, label, pinFile := testutil.SoftHSM(t)
	u := URI{Token: label, ModulePath: module, PINSource: "file:" + pinFile}
	pin, err := ReadPIN(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return u, pin
}

// generate creates a key labelled object and returns the URI naming it.
func generate(t testing.TB, base URI, pin, object, alg string) (URI, crypto.PublicKey) {
	t.Helper()
	u := base
	u.Object = object
	pub, err := Generate(u, pin, alg)
	if err != nil {
		t.Fatalf("Generate %s: %v", alg, err)
	}
	return u, pub
}

// open opens u and closes the key when t ends.
func open(t testing.TB, u URI, pin string, opts Options) *Key {
	t.Helper()
	k, err := Open(u, pin, opts)
	if err != nil {
		t.Fatalf("Open %s: %v", u, err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

func verify(pub crypto.PublicKey, digest, sig []byte, opts crypto.SignerOpts) error {
	switch pub := pub.(type) {
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, digest, sig) {
			return errors.New("ECDSA signature does not verify")
		}
		return nil
	case *rsa.PublicKey:
		if pss, ok := opts.(*rsa.PSSOptions); ok {
			return rsa.VerifyPSS(pub, pss.Hash, digest, sig, pss)
		}
		return rsa.VerifyPKCS1v15(pub, opts.HashFunc(), digest, sig)
	}
	return fmt.Errorf("unexpected key type %T", pub)
}

func digestFor(h crypto.Hash, msg string) []byte {
	hh := h.New()
	hh.Write([]byte(msg))
	return hh.Sum(nil)
}

func TestSignVerify(t *testing.T) {
	base, pin := token(t)
	tests := []struct {
		alg  string
		opts crypto.SignerOpts
		pub  func(crypto.PublicKey) bool
	}{
		{"P-256", crypto.SHA256, func(p crypto.PublicKey) bool { k, ok := p.(*ecdsa.PublicKey); return ok && k.Curve == elliptic.P256() }},
		{"P-384", crypto.SHA384, func(p crypto.PublicKey) bool { k, ok := p.(*ecdsa.PublicKey); return ok && k.Curve == elliptic.P384() }},
		{"RSA-2048", crypto.SHA256, func(p crypto.PublicKey) bool { k, ok := p.(*rsa.PublicKey); return ok && k.N.BitLen() == 2048 }},
		{"RSA-3072", &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthEqualsHash}, func(p crypto.PublicKey) bool { k, ok := p.(*rsa.PublicKey); return ok && k.N.BitLen() == 3072 }},
	}
	for _, tc := range tests {
		name := tc.alg
		if _, ok := tc.opts.(*rsa.PSSOptions); ok {
			name += "-PSS"
		}
		t.Run(name, func(t *testing.T) {
			u, genPub := generate(t, base, pin, "seal-"+name, tc.alg)
			if !tc.pub(genPub) {
				t.Fatalf("Generate returned %T of the wrong size", genPub)
			}
			k := open(t, u, pin, Options{})
			if !samePublicKey(k.Public(), genPub) {
				t.Fatal("Open found a different key than Generate made")
			}
			digest := digestFor(tc.opts.HashFunc(), "certificato di residenza")
			sig, err := k.Sign(nil, digest, tc.opts)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if err := verify(k.Public(), digest, sig, tc.opts); err != nil {
				t.Fatal(err)
			}
			if err := k.Probe(context.Background()); err != nil {
				t.Fatalf("Probe: %v", err)
			}
		})
	}

	t.Run("by id only", func(t *testing.T) {
		u := base
		u.Object, u.ID = "seal-by-id", []byte{0xce, 0x47}
		pub, err := Generate(u, pin, "P-256")
		if err != nil {
			t.Fatal(err)
		}
		u.Object = ""
		k := open(t, u, pin, Options{})
		if !samePublicKey(k.Public(), pub) {
			t.Fatal("found a different key by id")
		}
	})

	t.Run("all token attributes", func(t *testing.T) {
		u, _ := generate(t, base, pin, "seal-attrs", "P-256")
		open(t, u, pin, Options{}) // keeps the module initialized for withTestModule
		var ti p11.TokenInfo
		var slot uint
		withTestModule(t, u, func(m *p11.Ctx, s uint) {
			var err error
			ti, err = m.GetTokenInfo(s)
			if err != nil {
				t.Fatal(err)
			}
			slot = s
		})
		u.Serial, u.Manufacturer, u.Model = ti.SerialNumber, ti.ManufacturerID, ti.Model
		id := int(slot)
		u.SlotID = &id
		u.Type = "private"
		parsed, err := ParseURI(u.String())
		if err != nil {
			t.Fatal(err)
		}
		open(t, parsed, pin, Options{})

		u.Model = "not " + ti.Model
		if _, err := Open(u, pin, Options{}); err == nil || !strings.Contains(err.Error(), `has model "`+ti.Model+`", not "not `) {
			t.Fatalf("Open with the wrong model: %v", err)
		}
	})
}

func TestSignRejectsBadOptions(t *testing.T) {
	base, pin := token(t)
	ecU, _ := generate(t, base, pin, "ec", "P-256")
	rsaU, _ := generate(t, base, pin, "rsa", "RSA-2048")
	ec := open(t, ecU, pin, Options{})
	rk := open(t, rsaU, pin, Options{})
	d256 := digestFor(crypto.SHA256, "x")
	var nilPSS *rsa.PSSOptions
	tests := []struct {
		name   string
		key    *Key
		digest []byte
		opts   crypto.SignerOpts
		want   string
	}{
		{"nil opts RSA", rk, d256, nil, "got nil"},
		{"nil opts ECDSA", ec, d256, nil, "got nil"},
		{"typed nil PSS", rk, d256, nilPSS, "nil *rsa.PSSOptions"},
		{"SHA-1", rk, make([]byte, 20), crypto.SHA1, "not supported"},
		{"no hash", rk, d256, crypto.Hash(0), "not supported"},
		{"wrong digest length", rk, d256[:20], crypto.SHA256, "digest is 20 bytes"},
		{"PSS auto salt", rk, d256, &rsa.PSSOptions{Hash: crypto.SHA256}, "PSSSaltLengthAuto"},
		{"PSS on ECDSA", ec, d256, &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthEqualsHash}, "non-RSA"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sig, err := tc.key.Sign(nil, tc.digest, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Sign = %x, %v; want error containing %q", sig, err, tc.want)
			}
		})
	}

	t.Run("PSS explicit salt and SHA-512", func(t *testing.T) {
		d := digestFor(crypto.SHA512, "x")
		opts := &rsa.PSSOptions{Hash: crypto.SHA512, SaltLength: 20}
		sig, err := rk.Sign(nil, d, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := verify(rk.Public(), d, sig, opts); err != nil {
			t.Fatal(err)
		}
	})
}

func TestOpenErrors(t *testing.T) {
	base, pin := token(t)
	u, _ := generate(t, base, pin, "seal", "P-256")
	// No Key is open here: SoftHSM would accept any PIN for a second login.
	tests := []struct {
		name string
		edit func(*URI, *string)
		want string
	}{
		{"wrong PIN", func(_ *URI, p *string) { *p = "0000" }, "wrong PIN"},
		{"empty PIN", func(_ *URI, p *string) { *p = "" }, "empty PIN"},
		{"missing object", func(u *URI, _ *string) { u.Object = "no-such-key" }, `no key pair with object="no-such-key"`},
		{"wrong id", func(u *URI, _ *string) { u.ID = []byte{9, 9} }, "no key pair with"},
		{"missing token", func(u *URI, _ *string) { u.Token = "no-such-token" }, `no token matches token="no-such-token"`},
		{"missing slot", func(u *URI, _ *string) { n := 424242; u.SlotID = &n }, "no token matches"},
		{"missing module", func(u *URI, _ *string) { u.ModulePath = "/nonexistent/libpkcs11.so" }, "module-path"},
		{"invalid URI", func(u *URI, _ *string) { u.Type = "cert" }, "type must be private"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, p := u, pin
			tc.edit(&u, &p)
			k, err := Open(u, p, Options{})
			if err == nil {
				k.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), pin) || p != "" && strings.Contains(err.Error(), p) {
				t.Fatalf("error %q contains a PIN", err)
			}
		})
	}
}

func TestGenerateRefusesExisting(t *testing.T) {
	base, pin := token(t)
	u := base
	u.Object, u.ID = "seal", []byte{1}
	if _, err := Generate(u, pin, "P-256"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, object string
		id           []byte
		alg, want    string
	}{
		{"same label", "seal", []byte{2}, "P-256", "already holds an object"},
		{"same id", "other", []byte{1}, "RSA-2048", "already holds an object"},
		{"same label random id", "seal", nil, "P-384", "already holds an object"},
		{"unknown algorithm", "new", nil, "Ed25519", `algorithm "Ed25519" is not supported`},
		{"no label", "", []byte{3}, "P-256", "needs object="},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := base
			u.Object, u.ID = tc.object, tc.id
			if _, err := Generate(u, pin, tc.alg); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Generate error = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestKeyIsSignOnly(t *testing.T) {
	base, pin := token(t)
	u, _ := generate(t, base, pin, "seal", "RSA-2048")
	k := open(t, u, pin, Options{})
	attrs, err := k.conn.Load().ctx.GetAttributes(k.conn.Load().signer, []crypto11.AttributeType{
		crypto11.CkaSign, crypto11.CkaDecrypt, crypto11.CkaSensitive, crypto11.CkaExtractable, crypto11.CkaPrivate,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[crypto11.AttributeType]bool{
		crypto11.CkaSign: true, crypto11.CkaDecrypt: false, crypto11.CkaSensitive: true,
		crypto11.CkaExtractable: false, crypto11.CkaPrivate: true,
	}
	for typ, w := range want {
		a := attrs[typ]
		if a == nil || len(a.Value) != 1 || (a.Value[0] != 0) != w {
			t.Errorf("attribute %#x = %v, want %v", typ, a, w)
		}
	}
}

func TestKeyHidesPIN(t *testing.T) {
	base, pin := token(t)
	u, _ := generate(t, base, pin, "seal", "P-256")
	k := open(t, u, pin, Options{})
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, k); strings.Contains(s, pin) || !strings.Contains(s, "object=seal") {
			t.Errorf("%s: %q", verb, s)
		}
	}
}

func TestConcurrentSign(t *testing.T) {
	base, pin := token(t)
	u, _ := generate(t, base, pin, "seal", "P-256")
	u.MaxSessions = 4
	k := open(t, u, pin, Options{PoolWait: 30 * time.Second})
	const workers, each = 16, 50
	var wg sync.WaitGroup
	errc := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				d := sha256.Sum256(fmt.Appendf(nil, "doc %d/%d", w, i))
				sig, err := k.Sign(nil, d[:], crypto.SHA256)
				if err == nil {
					err = verify(k.Public(), d[:], sig, crypto.SHA256)
				}
				if err != nil {
					errc <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if n := k.reconnects.Load(); n != 0 {
		t.Errorf("%d reconnections under plain load", n)
	}
}

func TestPoolWait(t *testing.T) {
	t.Run("passed to crypto11", func(t *testing.T) {
		u := URI{Token: "t", Object: "k", ModulePath: "/m.so", MaxSessions: 3}
		cfg := crypto11Config(u, "pin", 150*time.Millisecond)
		if cfg.PoolWaitTimeout != 150*time.Millisecond || cfg.MaxSessions != 4 || cfg.TokenLabel != "t" {
			t.Fatalf("config %+v", cfg)
		}
	})
	t.Run("timeout is unavailable without reconnecting", func(t *testing.T) {
		err := signError(pool.ErrTimeout)
		if !errors.Is(err, ErrUnavailable) || errs.KindOf(err) != errs.Unavailable || needsReconnect(pool.ErrTimeout) {
			t.Fatalf("signError(pool.ErrTimeout) = %v (kind %v)", err, errs.KindOf(err))
		}
	})
	t.Run("busy token", func(t *testing.T) {
		// One session, RSA-4096 signatures of some milliseconds each and a
		// 1 ms wait: some of the 8 concurrent callers must give up.
		base, pin := token(t)
		u, _ := generate(t, base, pin, "seal", "RSA-4096")
		u.MaxSessions = 1
		k := open(t, u, pin, Options{PoolWait: time.Millisecond})
		d := sha256.Sum256([]byte("x"))
		var (
			mu               sync.Mutex
			signed, timedOut int
			wg               sync.WaitGroup
		)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 10 {
					start := time.Now()
					sig, err := k.Sign(nil, d[:], crypto.SHA256)
					mu.Lock()
					switch {
					case err == nil && verify(k.Public(), d[:], sig, crypto.SHA256) == nil:
						signed++
					case errors.Is(err, ErrUnavailable) && errs.KindOf(err) == errs.Unavailable && errors.Is(err, pool.ErrTimeout):
						timedOut++
						if wait := time.Since(start); wait > time.Second {
							t.Errorf("gave up after %v", wait)
						}
					default:
						t.Errorf("Sign: %v", err)
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		t.Logf("%d signed, %d timed out", signed, timedOut)
		if signed == 0 || timedOut == 0 {
			t.Fatalf("%d signed, %d timed out; want some of each", signed, timedOut)
		}
		if n := k.reconnects.Load(); n != 0 {
			t.Fatalf("pool timeouts caused %d reconnections", n)
		}
	})
}

func TestProbeHonoursContext(t *testing.T) {
	base, pin := token(t)
	u, _ := generate(t, base, pin, "seal", "P-256")
	k := open(t, u, pin, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := k.Probe(ctx); !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Probe with a cancelled context = %v", err)
	}
}

func TestClose(t *testing.T) {
	base, pin := token(t)
	u, _ := generate(t, base, pin, "seal", "P-256")
	k, err := Open(u, pin, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	if err := k.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	d := sha256.Sum256([]byte("x"))
	if _, err := k.Sign(nil, d[:], crypto.SHA256); !errors.Is(err, errClosed) {
		t.Fatalf("Sign after Close = %v", err)
	}
}

func TestSessionsInUse(t *testing.T) {
	base, pin := token(t)
	u, _ := generate(t, base, pin, "seal", "RSA-4096")
	u.MaxSessions = 2
	k := open(t, u, pin, Options{})
	if k.MaxSessions() != 2 || k.SessionsInUse() != 0 {
		t.Fatalf("idle key: %d of %d sessions in use", k.SessionsInUse(), k.MaxSessions())
	}
	d := sha256.Sum256([]byte("x"))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	peak := make(chan int)
	go func() {
		most := 0
		for {
			select {
			case <-stop:
				peak <- most
				return
			default:
				most = max(most, k.SessionsInUse())
			}
		}
	}()
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				if _, err := k.Sign(nil, d[:], crypto.SHA256); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	if p := <-peak; p < 1 || p > 4 {
		t.Errorf("peak of %d signatures in progress with 4 signers", p)
	}
	if n := k.SessionsInUse(); n != 0 {
		t.Errorf("%d in use after all signatures returned", n)
	}
}
