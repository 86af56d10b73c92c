package verify

import (
	"errors"
	"fmt"
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

// timeLayout formats the timestamp time in public details.
const timeLayout = "2006-01-02 15:04:05 UTC"

// checkTimestamp verifies the signature timestamp token of m, which must
// have one or more.
func (v *Verifier) checkTimestamp(m signedMessage) (res timestampResult) {
	invalid := func(detail string) timestampResult {
		return timestampResult{check: fail(CheckTimestamp, detail), invalid: true}
	}
	switch {
	case m.badTokens:
		return invalid("The signature's timestamp is malformed.")
	case len(m.tokens) > 1:
		return timestampResult{check: fail(CheckTimestamp, "The signature has more than one timestamp, which is not supported.")}
	case v.TSARoots == nil:
		return timestampResult{check: fail(CheckTimestamp,
			"The signature has a timestamp, but no trusted timestamp authority is configured, so it cannot be checked.")}
	}
	defer func() {
		if recover() != nil {
			res = invalid("The signature's timestamp is malformed.")
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
			check:     pass(CheckTimestamp, fmt.Sprintf("Timestamped %s by %s.", gen.Format(timeLayout), name)),
			verified:  true,
			genTime:   gen,
			authority: printable(info.TSA.Subject.CommonName),
		}
	case errors.Is(err, tsa.ErrImprintMismatch):
		return invalid("The timestamp was not made for this signature.")
	case errors.Is(err, tsa.ErrUntrusted):
		return invalid(fmt.Sprintf("The timestamp authority %s is not trusted.", name))
	}
	return invalid("The signature's timestamp is malformed or its own signature is not valid.")
}
