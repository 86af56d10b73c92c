package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Object identifiers of the e-seal profile (ETSI EN 319 412-1/-3/-5,
// EN 319 411-2).
var (
	// OIDOrganizationIdentifier is the X.520 organizationIdentifier
	// attribute (2.5.4.97) that ETSI EN 319 412-1 §5.1.4 requires in the
	// subject of a legal person's certificate.
	OIDOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}
	// OIDQCStatements is the qcStatements extension (RFC 3739).
	OIDQCStatements = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 3}
	// OIDQcCompliance says the certificate is an EU qualified certificate.
	OIDQcCompliance = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 1}
	// OIDQcType is the QcType statement; its info lists the types.
	OIDQcType = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6}
	// OIDQcTypeESeal is the QcType for electronic seals.
	OIDQcTypeESeal = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6, 2}
	// OIDPolicyQCPl is the ETSI EN 319 411-2 policy QCP-l: qualified
	// certificate issued to a legal person, key not claimed to be in a QSCD.
	OIDPolicyQCPl = asn1.ObjectIdentifier{0, 4, 0, 194112, 1, 1}
)

// CA is a certification authority: its certificate and signing key.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// check reports why ca cannot issue certificates or sign CRLs and OCSP
// responses.
func (ca CA) check() error {
	if ca.Cert == nil || ca.Key == nil {
		return errors.New("pki: CA certificate and key are required")
	}
	if !ca.Cert.IsCA || ca.Cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return fmt.Errorf("pki: %q is not a CA certificate with keyCertSign", ca.Cert.Subject.CommonName)
	}
	if !publicKeysEqual(ca.Key.Public(), ca.Cert.PublicKey) {
		return fmt.Errorf("pki: the CA key does not match the certificate %q", ca.Cert.Subject.CommonName)
	}
	return nil
}

// Validity periods of the demo PKI. Certificates start an hour before the
// given time so that a verifier whose clock is slightly behind accepts
// them at once.
const (
	caValidity   = 10 * 365 * 24 * time.Hour
	sealValidity = 3 * 365 * 24 * time.Hour
	backdate     = time.Hour
)

// NewCA makes a self-signed root CA with a new ECDSA P-256 key: basic
// constraints CA with path length 0 (it issues end-entity certificates
// only), key usage keyCertSign and cRLSign, ten years' validity from now.
func NewCA(subject pkix.Name, now time.Time) (CA, error) {
	if subject.CommonName == "" {
		return CA{}, errors.New("pki: the CA needs a common name")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return CA{}, err
	}
	sn, err := randomSerial()
	if err != nil {
		return CA{}, err
	}
	notBefore := now.Add(-backdate).UTC().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               subject,
		NotBefore:             notBefore,
		NotAfter:              notBefore.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return CA{}, fmt.Errorf("pki: CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return CA{}, err
	}
	return CA{Cert: cert, Key: key}, nil
}

// SealSubject names the holder of an e-seal certificate (a legal person),
// as ETSI EN 319 412-3 requires: countryName, organizationName,
// organizationIdentifier and commonName.
type SealSubject struct {
	CommonName   string // e.g. "Comune di Lodi - Ufficio Anagrafe"
	Organization string // the legal name, e.g. "Comune di Lodi"
	// OrganizationIdentifier follows ETSI EN 319 412-1 §5.1.4: three
	// letters for the scheme, the country code, a hyphen and the
	// identifier, e.g. "VATIT-01234567890" for an Italian VAT number
	// (partita IVA, 11 digits). A national scheme ("IT:...") is accepted too.
	OrganizationIdentifier string
	Country                string // ISO 3166 alpha-2; "" means "IT"
}

var (
	orgIDETSI     = regexp.MustCompile(`^[A-Z]{3}[A-Z]{2}-[!-~]+$`)
	orgIDNational = regexp.MustCompile(`^[A-Z]{2}:[!-~]+$`)
	vatIT         = regexp.MustCompile(`^VATIT-[0-9]{11}$`)
	countryCode   = regexp.MustCompile(`^[A-Z]{2}$`)
)

// name checks s and returns it as a pkix.Name with organizationIdentifier
// in ExtraNames (crypto/x509 has no field for it).
func (s SealSubject) name() (pkix.Name, error) {
	country := s.Country
	if country == "" {
		country = "IT"
	}
	switch {
	case strings.TrimSpace(s.CommonName) == "":
		return pkix.Name{}, errors.New("pki: the seal subject needs a common name")
	case strings.TrimSpace(s.Organization) == "":
		return pkix.Name{}, errors.New("pki: the seal subject needs an organization name")
	case !countryCode.MatchString(country):
		return pkix.Name{}, fmt.Errorf("pki: country %q is not an ISO 3166 alpha-2 code", country)
	}
	id := s.OrganizationIdentifier
	switch {
	case id == "":
		return pkix.Name{}, errors.New("pki: the seal subject needs an organizationIdentifier (e.g. VATIT-01234567890)")
	case strings.HasPrefix(id, "VATIT-") && !vatIT.MatchString(id):
		return pkix.Name{}, fmt.Errorf("pki: organizationIdentifier %q: an Italian VAT number has 11 digits", id)
	case !orgIDETSI.MatchString(id) && !orgIDNational.MatchString(id):
		return pkix.Name{}, fmt.Errorf("pki: organizationIdentifier %q is not in the ETSI EN 319 412-1 form (e.g. VATIT-01234567890)", id)
	}
	return pkix.Name{
		Country:      []string{country},
		Organization: []string{s.Organization},
		CommonName:   s.CommonName,
		ExtraNames:   []pkix.AttributeTypeAndValue{{Type: OIDOrganizationIdentifier, Value: id}},
	}, nil
}

// RevocationURLs are the pointers a certificate carries to its status
// and issuer: the OCSP responder and the CA issuers URL go in the
// authority information access extension, the CRL in the CRL
// distribution points. Empty fields are left out.
//
// Every URL must be plain http: NSS (behind poppler's pdfsig and
// Firefox) refuses an https OCSP URL, and fetching revocation data over
// TLS would need revocation data to check the TLS server. Responses are
// signed, so TLS adds nothing.
type RevocationURLs struct {
	OCSP      string
	CRL       string
	CAIssuers string
}

// Paths under which Responder.Handler serves, and which RevocationURLsAt
// appends to its base.
const (
	OCSPPath   = "/ocsp"
	CRLPath    = "/crl"
	IssuerPath = "/ca.crt"
)

// RevocationURLsAt returns the URLs of a Responder whose Handler is served
// at base, e.g. "http://certa.example.it/pki".
func RevocationURLsAt(base string) RevocationURLs {
	base = strings.TrimRight(base, "/")
	return RevocationURLs{OCSP: base + OCSPPath, CRL: base + CRLPath, CAIssuers: base + IssuerPath}
}

func (u RevocationURLs) check() error {
	for _, s := range []string{u.OCSP, u.CRL, u.CAIssuers} {
		if s == "" {
			continue
		}
		p, err := url.Parse(s)
		if err != nil {
			return fmt.Errorf("pki: revocation URL %q: %w", s, err)
		}
		if p.Scheme != "http" || p.Host == "" {
			return fmt.Errorf("pki: revocation URL %q must be an absolute http:// URL (NSS does not fetch OCSP over https)", s)
		}
	}
	return nil
}

// IssueSeal issues a demo e-seal certificate for pub, signed by ca. The
// profile follows a qualified e-seal (ETSI EN 319 412-1/-3/-5, EN 319
// 411-2), as issued by AgID-accredited Italian CAs:
//
//   - key usage digitalSignature and nonRepudiation (contentCommitment),
//     critical; basic constraints CA:false;
//   - no extended key usage. NSS, which poppler's pdfsig uses, checks a
//     PDF signer for the email-signer usage, which once an EKU is present
//     needs emailProtection: a seal whose only EKU is document signing
//     (RFC 9336 id-kp-documentSigning, Microsoft's 1.3.6.1.4.1.311.10.3.12
//     or Adobe's 1.2.840.113583.1.1.5) fails with "Certificate type not
//     approved for application" (TestToolsAcceptSeal checks this).
//     Qualified e-seals usually carry no EKU either;
//   - certificate policy QCP-l (0.4.0.194112.1.1) and qcStatements
//     QcCompliance and QcType eseal. QcSSCD is not claimed: a demo key is
//     not known to sit in a qualified device;
//   - authority information access (OCSP, caIssuers) and CRL distribution
//     point from urls, when given;
//   - subject and authority key identifiers.
//
// The certificate is valid for three years from an hour before now, cut
// at the CA's expiry. pub may be any key crypto/x509 can certify (ECDSA,
// RSA, Ed25519), for instance one held in a PKCS#11 token.
func IssueSeal(ca CA, pub crypto.PublicKey, subject SealSubject, urls RevocationURLs, now time.Time) (*x509.Certificate, error) {
	if err := ca.check(); err != nil {
		return nil, err
	}
	if now.Before(ca.Cert.NotBefore) || !now.Before(ca.Cert.NotAfter) {
		return nil, fmt.Errorf("pki: CA %q is not valid at %s", ca.Cert.Subject.CommonName, now.UTC().Format(time.RFC3339))
	}
	name, err := subject.name()
	if err != nil {
		return nil, err
	}
	if err := urls.check(); err != nil {
		return nil, err
	}
	ski, err := subjectKeyID(pub)
	if err != nil {
		return nil, err
	}
	qc, err := qcStatements()
	if err != nil {
		return nil, err
	}
	policy, err := x509.OIDFromInts(toUint64(OIDPolicyQCPl))
	if err != nil {
		return nil, err
	}
	sn, err := randomSerial()
	if err != nil {
		return nil, err
	}
	notBefore := now.Add(-backdate).UTC().Truncate(time.Second)
	notAfter := notBefore.Add(sealValidity)
	if notAfter.After(ca.Cert.NotAfter) {
		notAfter = ca.Cert.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               name,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
		SubjectKeyId:          ski,
		Policies:              []x509.OID{policy},
		PolicyIdentifiers:     []asn1.ObjectIdentifier{OIDPolicyQCPl}, // for GODEBUG=x509usepolicies=0
		ExtraExtensions:       []pkix.Extension{{Id: OIDQCStatements, Value: qc}},
	}
	if urls.OCSP != "" {
		tmpl.OCSPServer = []string{urls.OCSP}
	}
	if urls.CAIssuers != "" {
		tmpl.IssuingCertificateURL = []string{urls.CAIssuers}
	}
	if urls.CRL != "" {
		tmpl.CRLDistributionPoints = []string{urls.CRL}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, pub, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("pki: seal certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}

// SealCSR returns a DER PKCS#10 certificate request for an e-seal, signed
// by key, whose subject carries organizationIdentifier as a real CA
// expects it. The CA decides the extensions; the request asks for none.
func SealCSR(key crypto.Signer, subject SealSubject) ([]byte, error) {
	if key == nil {
		return nil, errors.New("pki: a key is required")
	}
	name, err := subject.name()
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: name}, key)
	if err != nil {
		return nil, fmt.Errorf("pki: certificate request: %w", err)
	}
	return der, nil
}

// qcStatements returns the DER of the qcStatements extension value:
// QcCompliance and QcType { eseal }.
func qcStatements() ([]byte, error) {
	type qcStatement struct {
		ID   asn1.ObjectIdentifier
		Info asn1.RawValue `asn1:"optional"`
	}
	types, err := asn1.Marshal([]asn1.ObjectIdentifier{OIDQcTypeESeal})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal([]qcStatement{
		{ID: OIDQcCompliance},
		{ID: OIDQcType, Info: asn1.RawValue{FullBytes: types}},
	})
}

// subjectKeyID is the RFC 7093 §2 method 1 key identifier: the leftmost
// 160 bits of the SHA-256 of the subjectPublicKey bits.
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	switch pub.(type) {
	case *ecdsa.PublicKey, *rsa.PublicKey, ed25519.PublicKey:
	default:
		return nil, fmt.Errorf("pki: unsupported public key type %T", pub)
	}
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	var info struct {
		Algorithm pkix.AlgorithmIdentifier
		Key       asn1.BitString
	}
	if _, err := asn1.Unmarshal(spki, &info); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(info.Key.Bytes)
	return sum[:20], nil
}

func toUint64(id asn1.ObjectIdentifier) []uint64 {
	out := make([]uint64, len(id))
	for i, v := range id {
		out[i] = uint64(v)
	}
	return out
}

// randomSerial returns a positive serial number of at most 127 bits
// (RFC 5280 allows 20 octets; CA/B Forum asks for 64 random bits).
func randomSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("pki: serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	ea, ok := a.(equaler)
	return ok && ea.Equal(b)
}

// issuerHashes returns the hashes of cert's subject name and of its
// subjectPublicKey bits, as OCSP CertIDs carry them.
func issuerHashes(cert *x509.Certificate, h crypto.Hash) (name, key []byte, err error) {
	var info struct {
		Algorithm pkix.AlgorithmIdentifier
		Key       asn1.BitString
	}
	if _, err := asn1.Unmarshal(cert.RawSubjectPublicKeyInfo, &info); err != nil {
		return nil, nil, err
	}
	if !h.Available() {
		return nil, nil, fmt.Errorf("pki: hash %v unavailable", h)
	}
	hn := h.New()
	hn.Write(cert.RawSubject)
	hk := h.New()
	hk.Write(info.Key.RightAlign())
	return hn.Sum(nil), hk.Sum(nil), nil
}
