package pkcs11

import (
	"crypto"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/ThalesGroup/crypto11"
	p11 "github.com/miekg/pkcs11"
)

// algorithms lists the values Generate accepts for alg.
var algorithms = []string{"P-256", "P-384", "RSA-2048", "RSA-3072", "RSA-4096"}

// Generate creates a key pair in the token u selects, labelled u.Object and
// with CKA_ID u.ID (16 random bytes when the URI has no id). The private
// key can sign only and never leaves the token. Generate refuses when any
// object with that label or id exists already; it is an operator tool and
// does not guard against a concurrent Generate of the same name.
func Generate(u URI, pin string, alg string) (crypto.PublicKey, error) {
	if err := u.validate(); err != nil {
		return nil, err
	}
	if u.Object == "" {
		return nil, errors.New("pkcs11: Generate needs object= in the URI to label the key")
	}
	if pin == "" {
		return nil, errors.New("pkcs11: empty PIN")
	}
	var (
		curve elliptic.Curve
		bits  int
	)
	switch alg {
	case "P-256":
		curve = elliptic.P256()
	case "P-384":
		curve = elliptic.P384()
	case "RSA-2048":
		bits = 2048
	case "RSA-3072":
		bits = 3072
	case "RSA-4096":
		bits = 4096
	default:
		return nil, fmt.Errorf("pkcs11: algorithm %q is not supported; use one of %v", alg, algorithms)
	}
	id := u.ID
	if len(id) == 0 {
		id = make([]byte, 16)
		if _, err := rand.Read(id); err != nil {
			return nil, fmt.Errorf("pkcs11: %w", err)
		}
	}

	ctx, slot, err := configure(u, pin, DefaultPoolWait)
	if err != nil {
		return nil, err
	}
	defer ctx.Close()
	err = withModule(u.ModulePath, func(m *p11.Ctx) error {
		exists, err := objectExists(m, slot, u.Object, u.ID)
		if err == nil && exists {
			err = fmt.Errorf("pkcs11: the token already holds an object with %s; refusing to generate over it", u.describeObject())
		}
		return err
	})
	if err != nil {
		return nil, err
	}

	pubAttrs, err := crypto11.NewAttributeSetWithIDAndLabel(id, []byte(u.Object))
	if err != nil {
		return nil, fmt.Errorf("pkcs11: %w", err)
	}
	privAttrs := pubAttrs.Copy()
	// Sign-only: crypto11 would otherwise let an RSA key decrypt too.
	if err := privAttrs.Set(crypto11.CkaPrivate, true); err != nil {
		return nil, fmt.Errorf("pkcs11: %w", err)
	}
	var signer crypto11.Signer
	if curve != nil {
		signer, err = ctx.GenerateECDSAKeyPairWithAttributes(pubAttrs, privAttrs, curve)
	} else {
		if err := pubAttrs.Set(crypto11.CkaEncrypt, false); err != nil {
			return nil, fmt.Errorf("pkcs11: %w", err)
		}
		if err := privAttrs.Set(crypto11.CkaDecrypt, false); err != nil {
			return nil, fmt.Errorf("pkcs11: %w", err)
		}
		signer, err = ctx.GenerateRSAKeyPairWithAttributes(pubAttrs, privAttrs, bits)
	}
	if err != nil {
		return nil, fmt.Errorf("pkcs11: generate %s key with %s: %w", alg, u.describeObject(), err)
	}
	return signer.Public(), nil
}
