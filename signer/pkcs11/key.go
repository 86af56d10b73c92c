package pkcs11

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThalesGroup/crypto11"
	p11 "github.com/miekg/pkcs11"
	"github.com/thales-e-security/pool"

	"certa.example/certa/internal/errs"
)

// DefaultPoolWait is how long Sign waits for a free session when
// Options.PoolWait is zero.
const DefaultPoolWait = 2 * time.Second

// reconnectBackoff is the least time between two failed reconnections, so
// that a dead HSM is not hammered by every request.
const reconnectBackoff = time.Second

// ErrUnavailable marks errors after which a retry may succeed: the HSM is
// down, restarting or busy. Test with errors.Is; such errors also have
// kind errs.Unavailable.
var ErrUnavailable = errors.New("pkcs11: HSM unavailable")

// errClosed is returned by a Key used after Close.
var errClosed = errors.New("pkcs11: key is closed")

// Options tunes Open.
type Options struct {
	// PoolWait bounds how long Sign waits for a free session when all
	// max-sessions are busy; then it fails with ErrUnavailable. Zero means
	// DefaultPoolWait.
	PoolWait time.Duration
}

// Key is a private key in a PKCS#11 token. It implements crypto.Signer and
// io.Closer and is safe for concurrent use.
type Key struct {
	uri     URI
	pin     string // kept to log in again when reconnecting
	opts    Options
	pub     crypto.PublicKey
	backoff time.Duration

	conn atomic.Pointer[conn] // nil while disconnected

	mu         sync.Mutex   // serializes reconnect and Close
	closed     bool         // under mu
	fatal      error        // under mu: reconnecting cannot help (wrong PIN)
	failedAt   time.Time    // under mu: last failed reconnection
	lastErr    error        // under mu: its error
	reconnects atomic.Int64 // successful reconnections
	signing    atomic.Int64 // Sign calls in progress
}

// conn is one crypto11 context with the key found in it.
type conn struct {
	ctx    *crypto11.Context
	signer crypto.Signer
}

var (
	_ crypto.Signer = (*Key)(nil)
	_ io.Closer     = (*Key)(nil)
)

// Open logs in to the token u selects with pin and finds the key pair u
// names, which must be unique and be ECDSA P-256/P-384 or RSA 2048-4096.
func Open(u URI, pin string, opts Options) (*Key, error) {
	if err := u.validate(); err != nil {
		return nil, err
	}
	if pin == "" {
		return nil, errors.New("pkcs11: empty PIN")
	}
	if opts.PoolWait < 0 {
		return nil, errors.New("pkcs11: Options.PoolWait must not be negative")
	}
	if opts.PoolWait == 0 {
		opts.PoolWait = DefaultPoolWait
	}
	c, err := connect(u, pin, opts)
	if err != nil {
		return nil, err
	}
	pub := c.signer.Public()
	if err := checkPublicKey(pub); err != nil {
		c.close()
		return nil, fmt.Errorf("pkcs11: %s: %w", u.describeObject(), err)
	}
	k := &Key{uri: u, pin: pin, opts: opts, pub: pub, backoff: reconnectBackoff}
	k.conn.Store(c)
	return k, nil
}

// connect opens a crypto11 context on the token and finds the key in it.
func connect(u URI, pin string, opts Options) (*conn, error) {
	ctx, slot, err := configure(u, pin, opts.PoolWait)
	if err != nil {
		return nil, err
	}
	var label []byte
	if u.Object != "" {
		label = []byte(u.Object)
	}
	signers, err := ctx.FindKeyPairs(u.ID, label)
	if err != nil {
		ctx.Close()
		return nil, fmt.Errorf("pkcs11: find %s: %w", u.describeObject(), err)
	}
	switch len(signers) {
	case 0:
		ctx.Close()
		return nil, fmt.Errorf("pkcs11: no key pair with %s in the token in slot %d (a private key needs a public key or certificate with the same id)", u.describeObject(), slot)
	case 1:
		return &conn{ctx: ctx, signer: signers[0]}, nil
	}
	ctx.Close()
	return nil, fmt.Errorf("pkcs11: %d key pairs match %s; name the key with both object and id", len(signers), u.describeObject())
}

// configure opens a crypto11 context logged in to the token u selects and
// returns the token's slot. crypto11 treats CKR_USER_ALREADY_LOGGED_IN as
// success, which SoftHSM returns when another context already logged in.
func configure(u URI, pin string, poolWait time.Duration) (*crypto11.Context, uint, error) {
	if _, err := os.Stat(u.ModulePath); err != nil {
		return nil, 0, fmt.Errorf("pkcs11: module-path: %w", err)
	}
	cfg := crypto11Config(u, pin, poolWait)
	ctx, err := crypto11.Configure(cfg)
	if err != nil {
		return nil, 0, configureError(u, err)
	}
	var slot uint
	err = withModule(u.ModulePath, func(m *p11.Ctx) error {
		var err error
		slot, err = selectedSlot(m, u)
		return err
	})
	if err != nil {
		ctx.Close()
		return nil, 0, err
	}
	return ctx, slot, nil
}

// crypto11Config translates u for crypto11.Configure.
func crypto11Config(u URI, pin string, poolWait time.Duration) *crypto11.Config {
	cfg := &crypto11.Config{
		Path: u.ModulePath,
		Pin:  pin,
		// One more session than signers: crypto11 keeps one open to stay
		// logged in and gives the others to its pool.
		MaxSessions:     u.maxSessions() + 1,
		PoolWaitTimeout: poolWait,
	}
	switch { // crypto11 takes exactly one selector; selectedSlot checks the rest
	case u.SlotID != nil:
		n := *u.SlotID
		cfg.SlotNumber = &n
	case u.Serial != "":
		cfg.TokenSerial = u.Serial
	default:
		cfg.TokenLabel = u.Token
	}
	return cfg
}

// configureError explains a crypto11.Configure failure.
func configureError(u URI, err error) error {
	var rv p11.Error
	if errors.As(err, &rv) {
		switch rv {
		case p11.CKR_PIN_INCORRECT:
			return fmt.Errorf("pkcs11: log in to %s: wrong PIN: %w", u.describeToken(), err)
		case p11.CKR_PIN_LOCKED:
			return fmt.Errorf("pkcs11: log in to %s: the user PIN is locked: %w", u.describeToken(), err)
		case p11.CKR_PIN_EXPIRED:
			return fmt.Errorf("pkcs11: log in to %s: the user PIN has expired: %w", u.describeToken(), err)
		}
	}
	if strings.Contains(err.Error(), "could not find PKCS#11 token") {
		return fmt.Errorf("pkcs11: no token matches %s: %w", u.describeToken(), err)
	}
	return fmt.Errorf("pkcs11: open %s with module %s: %w", u.describeToken(), u.ModulePath, err)
}

func (c *conn) close() {
	// crypto11's Close waits for sessions in use and always returns nil.
	_ = c.ctx.Close()
}

// Public returns the public key found by Open. It does not change when the
// Key reconnects: a reconnection that finds another key fails instead.
func (k *Key) Public() crypto.PublicKey { return k.pub }

// Sign signs digest, which must be a SHA-256, SHA-384 or SHA-512 hash
// named by opts. opts must not be nil; *rsa.PSSOptions selects RSA-PSS
// (salt length rsa.PSSSaltLengthEqualsHash or explicit). rand is ignored:
// the token makes its own randomness.
//
// When the token has lost the sessions (restart, failover) Sign reconnects
// once and retries. Errors after which a retry may succeed wrap
// ErrUnavailable and have kind errs.Unavailable; a signature the token
// refused, or a key that changed, has kind errs.SigningFailed; invalid
// arguments are plain errors (kind errs.Internal).
func (k *Key) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if err := checkSignerOpts(k.pub, digest, opts); err != nil {
		return nil, err
	}
	k.signing.Add(1)
	defer k.signing.Add(-1)
	c := k.conn.Load()
	if c != nil {
		sig, err := c.signer.Sign(rand, digest, opts)
		if err == nil {
			return sig, nil
		}
		if !needsReconnect(err) {
			return nil, signError(err)
		}
	}
	c, err := k.reconnect(c)
	if err != nil {
		return nil, err
	}
	sig, err := c.signer.Sign(rand, digest, opts)
	if err != nil {
		return nil, signError(err)
	}
	return sig, nil
}

// reconnect replaces the connection that failed with a new one, unless
// another caller already did. Only one caller reconnects at a time; a
// failed attempt is not repeated within k.backoff.
func (k *Key) reconnect(failed *conn) (*conn, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return nil, errClosed
	}
	if k.fatal != nil {
		return nil, k.fatal
	}
	if c := k.conn.Load(); c != nil && c != failed {
		return c, nil
	}
	if !k.failedAt.IsZero() && time.Since(k.failedAt) < k.backoff {
		return nil, k.lastErr
	}
	if old := k.conn.Swap(nil); old != nil {
		// Close before Configure: when this was the module's last
		// context, crypto11 finalizes it, so Configure initializes it
		// afresh, which a restarted HSM needs.
		old.close()
	}
	c, err := connect(k.uri, k.pin, k.opts)
	if err == nil && !samePublicKey(k.pub, c.signer.Public()) {
		c.close()
		err = errs.Wrap(errs.SigningFailed, "the seal key in the HSM has changed",
			fmt.Errorf("pkcs11: after reconnecting, %s is a different key; refusing to sign with it", k.uri.describeObject()))
	}
	if err != nil {
		if isPINError(err) {
			// Retrying a wrong PIN could lock the token.
			k.fatal = unavailable(err)
			return nil, k.fatal
		}
		if errs.KindOf(err) != errs.SigningFailed {
			err = unavailable(err)
		}
		k.failedAt, k.lastErr = time.Now(), err
		return nil, err
	}
	k.failedAt, k.lastErr = time.Time{}, nil
	k.reconnects.Add(1)
	k.conn.Store(c)
	return c, nil
}

// SessionsInUse is the number of Sign calls in progress, each holding or
// waiting for one of the signing sessions (so it may exceed MaxSessions
// while callers queue); for metrics.
func (k *Key) SessionsInUse() int { return int(k.signing.Load()) }

// MaxSessions is the number of signing sessions (the URI's max-sessions).
func (k *Key) MaxSessions() int { return k.uri.maxSessions() }

// Close logs out and releases the sessions. It waits for signatures in
// progress; later calls to Sign fail.
func (k *Key) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return nil
	}
	k.closed = true
	k.pin = ""
	if c := k.conn.Swap(nil); c != nil {
		c.close()
	}
	return nil
}

// Probe signs a fixed digest and verifies the signature with the public
// key, for readiness checks. It returns when ctx is done even if the
// token does not answer.
func (k *Key) Probe(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return unavailable(err)
	}
	digest := sha256.Sum256([]byte("certa pkcs11 readiness probe"))
	type result struct {
		sig []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		sig, err := k.Sign(nil, digest[:], crypto.SHA256)
		done <- result{sig, err}
	}()
	var r result
	select {
	case <-ctx.Done():
		return unavailable(ctx.Err())
	case r = <-done:
	}
	if r.err != nil {
		return r.err
	}
	var ok bool
	switch pub := k.pub.(type) {
	case *ecdsa.PublicKey:
		ok = ecdsa.VerifyASN1(pub, digest[:], r.sig)
	case *rsa.PublicKey:
		ok = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], r.sig) == nil
	}
	if !ok {
		return errs.Wrap(errs.SigningFailed, "the HSM made an invalid signature",
			fmt.Errorf("pkcs11: probe signature of %s does not verify", k.uri.describeObject()))
	}
	return nil
}

// String describes the key without the PIN, also for %v and %+v.
func (k *Key) String() string { return "pkcs11.Key(" + k.uri.String() + ")" }

// GoString describes the key without the PIN, for %#v.
func (k *Key) GoString() string { return k.String() }

// checkSignerOpts refuses what crypto11 would panic on (nil opts) or sign
// wrongly (a hash it has no DigestInfo prefix for, a digest of the wrong
// length).
func checkSignerOpts(pub crypto.PublicKey, digest []byte, opts crypto.SignerOpts) error {
	if opts == nil {
		return errors.New("pkcs11: Sign needs SignerOpts naming the hash, got nil")
	}
	pss, isPSS := opts.(*rsa.PSSOptions)
	if isPSS && pss == nil {
		return errors.New("pkcs11: Sign got a nil *rsa.PSSOptions")
	}
	h := opts.HashFunc()
	switch h {
	case crypto.SHA256, crypto.SHA384, crypto.SHA512:
	default:
		return fmt.Errorf("pkcs11: hash %v is not supported; use SHA-256, SHA-384 or SHA-512", h)
	}
	if len(digest) != h.Size() {
		return fmt.Errorf("pkcs11: digest is %d bytes, %v needs %d", len(digest), h, h.Size())
	}
	if isPSS {
		if _, ok := pub.(*rsa.PublicKey); !ok {
			return errors.New("pkcs11: PSS options given for a non-RSA key")
		}
		if pss.SaltLength < rsa.PSSSaltLengthEqualsHash || pss.SaltLength == rsa.PSSSaltLengthAuto {
			return errors.New("pkcs11: PSS salt length must be rsa.PSSSaltLengthEqualsHash or explicit; PSSSaltLengthAuto is not supported by the token driver")
		}
	}
	return nil
}

// checkPublicKey accepts the key types certa seals with.
func checkPublicKey(pub crypto.PublicKey) error {
	switch pub := pub.(type) {
	case *ecdsa.PublicKey:
		if pub.Curve == elliptic.P256() || pub.Curve == elliptic.P384() {
			return nil
		}
		return fmt.Errorf("ECDSA curve %s is not supported; use P-256 or P-384", pub.Curve.Params().Name)
	case *rsa.PublicKey:
		if n := pub.N.BitLen(); n < 2048 || n > 4096 {
			return fmt.Errorf("RSA key of %d bits is not supported; use 2048 to 4096 bits", n)
		}
		return nil
	}
	return fmt.Errorf("key type %T is not supported; use ECDSA P-256/P-384 or RSA", pub)
}

func samePublicKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// needsReconnect reports whether err means the sessions or the module
// state are gone, so a fresh crypto11 context may succeed.
func needsReconnect(err error) bool {
	var rv p11.Error
	if errors.As(err, &rv) {
		switch rv {
		case p11.CKR_SESSION_HANDLE_INVALID, p11.CKR_SESSION_CLOSED,
			p11.CKR_DEVICE_REMOVED, p11.CKR_DEVICE_ERROR,
			p11.CKR_TOKEN_NOT_PRESENT, p11.CKR_TOKEN_NOT_RECOGNIZED,
			p11.CKR_CRYPTOKI_NOT_INITIALIZED, p11.CKR_USER_NOT_LOGGED_IN,
			p11.CKR_KEY_HANDLE_INVALID, p11.CKR_OBJECT_HANDLE_INVALID,
			p11.CKR_SLOT_ID_INVALID:
			return true
		}
		return false
	}
	// crypto11 reports a closed context (ours, closed by a concurrent
	// reconnect) with unexported errors.
	msg := err.Error()
	return strings.Contains(msg, "context is closed") || strings.Contains(msg, "closed Context")
}

func isPINError(err error) bool {
	var rv p11.Error
	return errors.As(err, &rv) && (rv == p11.CKR_PIN_INCORRECT || rv == p11.CKR_PIN_LOCKED || rv == p11.CKR_PIN_EXPIRED)
}

// signError classifies an error from a signature attempt.
func signError(err error) error {
	if errors.Is(err, pool.ErrTimeout) || needsReconnect(err) {
		return unavailable(err)
	}
	return errs.Wrap(errs.SigningFailed, "the HSM refused to sign", fmt.Errorf("pkcs11: sign: %w", err))
}

// unavailable wraps cause so that callers see both ErrUnavailable and
// kind errs.Unavailable, with a fixed public message.
func unavailable(cause error) error {
	if errors.Is(cause, ErrUnavailable) {
		return cause
	}
	return errs.Wrap(errs.Unavailable, "the signing HSM is unavailable", fmt.Errorf("%w: %w", ErrUnavailable, cause))
}
