package seal

import (
	"crypto"
	"crypto/x509"
)

// CheckKey reports whether key can sign seals for cert: an ECDSA P-256 key
// whose public half is cert's. It returns ErrKeyType otherwise.
func CheckKey(key crypto.Signer, cert *x509.Certificate) error {
	if key == nil || cert == nil {
		return ErrKeyType
	}
	pub, ok := p256Key(key.Public())
	if !ok {
		return ErrKeyType
	}
	if cpub, ok := p256Key(cert.PublicKey); !ok || !pub.Equal(cpub) {
		return ErrKeyType
	}
	return nil
}
