package verify

import (
	"bytes"
	"crypto/x509"
	encasn1 "encoding/asn1"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode"

	"certa.example/certa/internal/seal"
)

// sealResult is the outcome of the qr-seal check.
type sealResult struct {
	check Check
	// info holds the claims when the check passed.
	info *SealInfo
	// expired is set when the check passed with an expired seal.
	expired bool
}

// checkSeal checks the seal links found in the signed revision: there
// must be at most one; it must verify with v.SealTrust; its code must be
// the one in its URL, the one the ledger holds for the file and the one
// of the file's code markers; and its certificate must be that of signer
// (see sameSealer), the certificate of the PDF's signature, nil when there
// is none.
func (v *Verifier) checkSeal(links []sealLink, signer *x509.Certificate, lr ledgerResult, markers []string, now time.Time) sealResult {
	switch {
	case len(links) == 0:
		return sealResult{check: notApplicable(CheckSeal, msgNoSeal)}
	case len(links) > 1:
		return sealResult{check: fail(CheckSeal, msgManySeals)}
	case v.SealTrust == nil:
		return sealResult{check: unavailable(CheckSeal, msgNoSealTrust)}
	}
	l := links[0]
	claims, cert, err := verifySeal(l.payload, v.SealTrust, now.In(rome()))
	expired := errors.Is(err, seal.ErrExpired)
	switch {
	case err != nil && !expired && errors.Is(err, seal.ErrUntrusted):
		return sealResult{check: fail(CheckSeal, msgSealNotAuthentic)}
	case err != nil && !expired:
		return sealResult{check: fail(CheckSeal, msgSealMalformed)}
	case claims.Code != l.code:
		return sealResult{check: fail(CheckSeal, msgSealURLCode)}
	case lr.cert != nil && claims.Code != lr.cert.Code:
		return sealResult{check: fail(CheckSeal, msgSealLedgerCode)}
	case len(markers) > 0 && !slices.Contains(markers, claims.Code):
		return sealResult{check: fail(CheckSeal, msgSealMarkerCode)}
	case signer == nil:
		return sealResult{check: fail(CheckSeal, msgSealNoSigner)}
	case !sameSealer(cert, signer):
		return sealResult{check: fail(CheckSeal, msgSealOtherSigner.f(signerName(cert)))}
	}
	res := sealResult{info: sealInfo(claims, expired), expired: expired, check: pass(CheckSeal, msgSealOK)}
	if expired {
		res.check = pass(CheckSeal, msgSealExpired.f(claims.Expires.Format(dateLayout)))
	}
	return res
}

// verifySeal is seal.Verify, with panics in the COSE and CBOR decoders
// taken as a malformed seal.
func verifySeal(payload string, trust func([]byte) (*x509.Certificate, bool), now time.Time) (c seal.Claims, cert *x509.Certificate, err error) {
	defer func() {
		if recover() != nil {
			c, cert, err = seal.Claims{}, nil, errors.New("malformed seal")
		}
	}()
	c, cert, err = seal.Verify(payload, trust, now)
	if err == nil || errors.Is(err, seal.ErrExpired) {
		if cert == nil {
			return seal.Claims{}, nil, errors.New("malformed seal")
		}
	}
	return c, cert, err
}

// oidOrganizationIdentifier is the subject attribute organizationIdentifier
// (X.520, 2.5.4.97), e.g. "VATIT-01234567890" in an e-seal certificate.
var oidOrganizationIdentifier = encasn1.ObjectIdentifier{2, 5, 4, 97}

// sameSealer reports whether the QR seal's certificate speaks for the
// same organization as the PDF signer's: it is the same certificate, or
// both subjects have the same non-empty organization (O) and the same
// organizationIdentifier (or neither has one). The package documentation
// says why.
func sameSealer(sealCert, signer *x509.Certificate) bool {
	if bytes.Equal(sealCert.Raw, signer.Raw) {
		return true
	}
	a, b := sealCert.Subject.Organization, signer.Subject.Organization
	if len(a) == 0 || !slices.Equal(a, b) {
		return false
	}
	idA, okA := organizationIdentifier(sealCert)
	idB, okB := organizationIdentifier(signer)
	return okA == okB && idA == idB
}

// organizationIdentifier returns the subject's organizationIdentifier.
func organizationIdentifier(c *x509.Certificate) (string, bool) {
	for _, n := range c.Subject.Names {
		if n.Type.Equal(oidOrganizationIdentifier) {
			s, ok := n.Value.(string)
			return s, ok
		}
	}
	return "", false
}

// sealInfo copies the claims for the report.
func sealInfo(c seal.Claims, expired bool) *SealInfo {
	info := &SealInfo{
		Code:       c.Code,
		Type:       safeText(c.Type),
		ComuneCode: safeText(c.ComuneCode),
		Comune:     safeText(c.ComuneName),
		Issued:     c.Issued.Format(dateLayout),
		Expires:    c.Expires.Format(dateLayout),
		Holder:     safeText(c.Holder),
		BirthDate:  c.BirthDate.Format(dateLayout),
		Expired:    expired,
	}
	if len(c.Facts) > 0 {
		info.Facts = make(map[string]string, len(c.Facts))
		for k, v := range c.Facts {
			info.Facts[safeText(k)] = safeText(v)
		}
	}
	return info
}

// safeText replaces non-printable characters with '?'. The seal bounds
// the length of what it signs, so nothing is cut.
func safeText(s string) string {
	return strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, s)
}
