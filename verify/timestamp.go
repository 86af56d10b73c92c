package verify

import (
	"errors"
	"time"

	"certa.example/certa/signer/tsa"
)

// timestampResult is the outcome of the timestamp check.
type timestampResult struct {
	check Check
	// verified is set when the token verified; genTime and authority
	// then describe it.
	verified  bool
	genTime   time.Time
	authority string // the TSA's common name and organization, made safe to show
	// invalid is set when the token is proven bad: malformed, over other
	// data, or from an authority that is not trusted.
	invalid bool
}

// timeLayout formats times in public messages.
const timeLayout = "2006-01-02 15:04:05 UTC"

// checkTimestamp verifies the signature timestamp token of m.
func (v *Verifier) checkTimestamp(m signedMessage) (res timestampResult) {
	invalid := func(t text) timestampResult {
		return timestampResult{check: fail(CheckTimestamp, t), invalid: true}
	}
	switch {
	case !m.decoded:
		return timestampResult{check: notApplicable(CheckTimestamp, msgTimestampNotChecked)}
	case m.badTokens:
		return invalid(msgBadToken)
	case len(m.tokens) == 0 && v.RequireTimestamp:
		return invalid(msgTimestampRequired)
	case len(m.tokens) == 0:
		return timestampResult{check: notApplicable(CheckTimestamp, msgNoTimestamp)}
	case len(m.tokens) > 1:
		return timestampResult{check: unavailable(CheckTimestamp, msgManyTokens)}
	case v.TSARoots == nil:
		return timestampResult{check: unavailable(CheckTimestamp, msgNoTSARoots)}
	}
	defer func() {
		if recover() != nil {
			res = invalid(msgBadToken)
		}
	}()
	info, err := tsa.VerifyToken(m.tokens[0], m.signature, v.TSARoots)
	name := "(unknown)"
	if info.TSA != nil {
		name = signerName(info.TSA)
	}
	switch {
	case err == nil:
		gen := info.GenTime.UTC()
		return timestampResult{
			check:     pass(CheckTimestamp, msgTimestamped.f(gen.Format(timeLayout), name)),
			verified:  true,
			genTime:   gen,
			authority: printable(info.TSA.Subject.CommonName),
		}
	case errors.Is(err, tsa.ErrImprintMismatch):
		return invalid(msgOtherImprint)
	case errors.Is(err, tsa.ErrUntrusted):
		return invalid(msgTSAUntrusted.f(name))
	}
	return invalid(msgTokenInvalid)
}
