package engine

import (
	"context"
	"crypto/sha256"
	"errors"
	"time"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/seal"
	"certa.example/certa/internal/store"
	"certa.example/certa/internal/vcode"
)

// Seal problems, as SealCheck.Problem reports them.
const (
	SealMalformed   = "malformed"     // not a seal at all
	SealUntrusted   = "untrusted"     // well formed, not signed by a trusted seal key
	SealMismatch    = "mismatch"      // authentic, but it disagrees with the ledger or the URL
	SealNotOnRecord = "not-on-record" // authentic, but the ledger has no such certificate
)

// SealCheck is the outcome of checking a scanned seal against the ledger.
type SealCheck struct {
	Status
	// Claims are the seal's claims when it is authentic (also expired).
	Claims seal.Claims
	// Authentic: the signature verifies with a trusted seal certificate.
	Authentic bool
	// Expired: authentic, past its expiry date.
	Expired bool
	// Problem is "" when the seal is authentic and agrees with the ledger,
	// else one of the Seal* constants.
	Problem string
	// Mismatch names the claims that differ from the ledger record.
	Mismatch []string
}

// CheckSeal verifies the seal payload scanned with code (as the URL
// carried them) against the trusted seal certificates and the ledger. A
// bad seal is reported in SealCheck, not as an error; errors are the
// ledger's (e.g. unavailable).
func (e *Engine) CheckSeal(ctx context.Context, code, payload string) (SealCheck, error) {
	st, err := e.Lookup(ctx, code)
	if err != nil {
		return SealCheck{}, err
	}
	out := SealCheck{Status: st}
	claims, err := e.verifySeal(payload, st.CheckedAt)
	switch {
	case err == nil:
	case errors.Is(err, seal.ErrExpired):
		out.Expired = true
	case errors.Is(err, seal.ErrUntrusted):
		out.Problem = SealUntrusted
		return out, nil
	default:
		out.Problem = SealMalformed
		return out, nil
	}
	out.Authentic, out.Claims = true, claims
	canon, _ := vcode.Parse(code)
	if claims.Code != canon {
		out.Problem, out.Mismatch = SealMismatch, []string{"code"}
		return out, nil
	}
	if st.Status == ledger.StatusUnknown {
		out.Problem = SealNotOnRecord
		return out, nil
	}
	rec := st.Record
	check := func(name string, ok bool) {
		if !ok {
			out.Mismatch = append(out.Mismatch, name)
		}
	}
	check("type", claims.Type == rec.Type)
	check("holder", claims.Holder == rec.Holder)
	check("comune", claims.ComuneName == rec.Comune)
	check("issued", sameDay(claims.Issued, rec.IssuedAt))
	check("expires", sameDay(claims.Expires, rec.ExpiresAt))
	if len(out.Mismatch) > 0 {
		out.Problem = SealMismatch
	}
	return out, nil
}

// verifySeal is seal.Verify with a memory of authentic seals: a seal that
// verified once is not verified again (its signature and trust do not
// change while the process runs); only its expiry is checked again.
func (e *Engine) verifySeal(payload string, now time.Time) (seal.Claims, error) {
	key := sha256.Sum256([]byte(payload))
	if c, ok := e.seals.get(key); ok {
		y, m, d := now.Date()
		if time.Date(y, m, d, 0, 0, 0, 0, time.UTC).After(c.Expires) {
			return c, errs.Wrap(errs.InvalidRequest, "seal expired", seal.ErrExpired)
		}
		return c, nil
	}
	c, _, err := seal.Verify(payload, e.cfg.SealTrust, now)
	if err == nil || errors.Is(err, seal.ErrExpired) {
		e.seals.put(key, c)
	}
	return c, err
}

// sameDay compares a seal date (midnight UTC) with an instant's UTC day,
// the day the engine put in the seal.
func sameDay(day, t time.Time) bool {
	y1, m1, d1 := day.Date()
	y2, m2, d2 := t.UTC().Date()
	return y1 == y2 && m1 == m2 && d1 == d2
}

// Revoke revokes an issued certificate (see RevokeIn).
func (e *Engine) Revoke(ctx context.Context, code string, reason ledger.Reason, replacedBy, actor string) (ledger.Record, error) {
	rec, err := RevokeIn(ctx, e.store, e.cfg.Now(), code, reason, replacedBy, actor)
	if canon, perr := vcode.Parse(code); perr == nil {
		e.records.evict(canon) // also after a Conflict: revoked elsewhere
	}
	return rec, err
}

// RevokeIn revokes the certificate with code in st at time now. The reason
// is one of ledger's; ReasonReplaced needs the replacing certificate's
// code. The ledger row and its audit event change together (store.Revoke).
func RevokeIn(ctx context.Context, st store.Store, now time.Time, code string, reason ledger.Reason, replacedBy, actor string) (ledger.Record, error) {
	canon, err := vcode.Parse(code)
	if err != nil {
		return ledger.Record{}, errs.New(errs.NotFound, "no certificate has this code")
	}
	if replacedBy != "" {
		if replacedBy, err = vcode.Parse(replacedBy); err != nil {
			return ledger.Record{}, errs.New(errs.InvalidRequest, "replaced_by is not a verification code")
		}
	}
	return st.Revoke(ctx, ledger.Revocation{Code: canon, Reason: reason, ReplacedBy: replacedBy, At: now, Actor: actor})
}

// Revocations lists every revoked certificate.
func (e *Engine) Revocations(ctx context.Context) ([]ledger.Revocation, error) {
	return e.store.Revocations(ctx)
}

// RevocationsVersion changes whenever a certificate is revoked.
func (e *Engine) RevocationsVersion(ctx context.Context) (int64, error) {
	return e.store.RevocationsVersion(ctx)
}

// AddVerifications adds counts of verifications per code to the ledger.
func (e *Engine) AddVerifications(ctx context.Context, counts map[string]int64) error {
	return e.store.AddVerifications(ctx, counts)
}

// Now is the engine's clock.
func (e *Engine) Now() time.Time { return e.cfg.Now() }
