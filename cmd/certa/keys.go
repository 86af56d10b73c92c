package main

// certa keys: operator tools for the seal key held in an HSM over PKCS#11.
//
// The key is named by an RFC 7512 URI (--uri); the PIN is read from the
// URI's pin-source with pkcs11.ReadPIN and is never a flag, never printed
// and never part of an error (signer/pkcs11 guarantees the latter for its
// own errors). Every key opened here is closed before the subcommand
// returns: a PKCS#11 module is process-wide state.

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"certa.example/certa/internal/pki"
	"certa.example/certa/signer"
	"certa.example/certa/signer/pkcs11"
)

const keysUsage = `usage: certa keys <subcommand> --uri URI [flags]

subcommands:
  generate --alg ALG    create a key pair in the token; print its public key (PEM) and SHA-256
  csr --subject-cn CN --org ORG --org-id ID [--country IT] --out FILE
                        write a certificate request (PEM) for a qualified CA's e-seal
  demo-ca --dir DIR [--comune NAME] [--base-url URL]
                        issue a DEMO seal chain for the key (not for production)
  show [--chain FILE]   print the key, test-sign with it, check it matches the chain's leaf

URI is an RFC 7512 PKCS#11 URI naming the key, e.g.
  pkcs11:token=Comune;object=seal?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/certa/hsm.pin
The PIN is read from pin-source (file:/absolute/path readable by its owner only,
or env:NAME); it is never given as a flag.
ALG is one of P-256, P-384, RSA-2048, RSA-3072, RSA-4096.

Run "certa keys <subcommand> -h" for its flags.
`

// keysAlgorithms are the values of keys generate --alg (those
// pkcs11.Generate accepts).
var keysAlgorithms = []string{"P-256", "P-384", "RSA-2048", "RSA-3072", "RSA-4096"}

// keysRevocationPath is where, under certa's public URL, the demo CA's
// OCSP/CRL responder (pki.Responder.Handler) is to be mounted; demo-ca
// puts the seal's revocation URLs there.
const keysRevocationPath = "/pki"

// keysDemoCAName is the subject of the demo CA that demo-ca creates.
var keysDemoCAName = pkix.Name{
	CommonName:   "certa DEMO HSM Root CA",
	Organization: []string{"certa DEMO - not for production"},
	Country:      []string{"IT"},
}

// keysProbeTimeout bounds the test signature of keys show.
const keysProbeTimeout = 30 * time.Second

// keysCommand runs "certa keys ..."; args are the arguments after "keys".
func keysCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return errors.New("keys needs a subcommand: generate, csr, demo-ca or show")
	}
	switch args[0] {
	case "generate":
		return keysGenerate(args[1:], stdout, stderr)
	case "csr":
		return keysCSR(args[1:], stdout, stderr)
	case "demo-ca":
		return keysDemoCA(args[1:], stdout, stderr)
	case "show":
		return keysShow(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, keysUsage)
		return nil
	}
	return fmt.Errorf("unknown keys subcommand %q; use generate, csr, demo-ca or show (certa keys help)", args[0])
}

// keysFlags makes the flag set of a keys subcommand with its --uri flag.
func keysFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := newFlagSet("keys "+name, stderr)
	uri := fs.String("uri", "", "PKCS#11 URI of the key, e.g. pkcs11:token=Comune;object=seal?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/certa/hsm.pin (the PIN comes from pin-source only)")
	return fs, uri
}

// keysParse parses args and rejects positional arguments, which would
// otherwise hide every flag after them.
func keysParse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s takes no arguments, got %q (flags must come before any argument)", fs.Name(), fs.Args())
	}
	return nil
}

// keysNeedURI is the error for a missing --uri.
func keysNeedURI(cmd string) error {
	return fmt.Errorf("certa keys %s needs --uri, a PKCS#11 URI such as pkcs11:token=Comune;object=seal?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/certa/hsm.pin", cmd)
}

// keysURI parses the --uri flag and reads the PIN from its pin-source.
func keysURI(cmd, raw string) (pkcs11.URI, string, error) {
	if raw == "" {
		return pkcs11.URI{}, "", keysNeedURI(cmd)
	}
	u, err := pkcs11.ParseURI(raw)
	if err != nil {
		return pkcs11.URI{}, "", fmt.Errorf("--uri: %w", err)
	}
	pin, err := pkcs11.ReadPIN(u, nil)
	if err != nil {
		return pkcs11.URI{}, "", fmt.Errorf("--uri: %w", err)
	}
	return u, pin, nil
}

// keysOpen opens the key --uri names. The caller must Close it.
func keysOpen(cmd, raw string) (*pkcs11.Key, pkcs11.URI, error) {
	u, pin, err := keysURI(cmd, raw)
	if err != nil {
		return nil, u, err
	}
	k, err := pkcs11.Open(u, pin, pkcs11.Options{})
	if err != nil {
		return nil, u, err
	}
	return k, u, nil
}

func keysGenerate(args []string, stdout, stderr io.Writer) error {
	fs, uri := keysFlags("generate", stderr)
	alg := fs.String("alg", "", "key algorithm: "+strings.Join(keysAlgorithms, ", "))
	if err := keysParse(fs, args); err != nil {
		return err
	}
	if *uri == "" {
		return keysNeedURI("generate")
	}
	if !slices.Contains(keysAlgorithms, *alg) {
		if *alg == "" {
			return fmt.Errorf("certa keys generate needs --alg, one of %s", strings.Join(keysAlgorithms, ", "))
		}
		return fmt.Errorf("--alg %q is not supported; use one of %s", *alg, strings.Join(keysAlgorithms, ", "))
	}
	u, pin, err := keysURI("generate", *uri)
	if err != nil {
		return err
	}
	if u.Object == "" {
		return errors.New("--uri: certa keys generate needs object= in the URI to label the new key")
	}
	pub, err := pkcs11.Generate(u, pin, *alg)
	if err != nil {
		return err
	}
	block, fp, err := keysPublicKey(pub)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "generated %s key pair %s in the token (the private key cannot leave it)\n", *alg, keysDescribe(u))
	fmt.Fprintf(stdout, "public key SHA-256: %s\n", fp)
	_, err = stdout.Write(block)
	return err
}

func keysCSR(args []string, stdout, stderr io.Writer) error {
	fs, uri := keysFlags("csr", stderr)
	var subject pki.SealSubject
	fs.StringVar(&subject.CommonName, "subject-cn", "", "commonName of the seal, e.g. \"Comune di Lodi - Ufficio Anagrafe\"")
	fs.StringVar(&subject.Organization, "org", "", "organizationName: the legal name, e.g. \"Comune di Lodi\"")
	fs.StringVar(&subject.OrganizationIdentifier, "org-id", "", "organizationIdentifier (ETSI EN 319 412-1), e.g. VATIT-01234567890 for a partita IVA")
	fs.StringVar(&subject.Country, "country", "IT", "countryName, ISO 3166 alpha-2")
	out := fs.String("out", "", "file to write the PEM certificate request to (must not exist)")
	if err := keysParse(fs, args); err != nil {
		return err
	}
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"--uri", *uri}, {"--subject-cn", subject.CommonName}, {"--org", subject.Organization},
		{"--org-id", subject.OrganizationIdentifier}, {"--out", *out},
	} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("certa keys csr needs %s (required: --uri, --subject-cn, --org, --org-id, --out)", strings.Join(missing, ", "))
	}
	// pki checks a subject only when it makes a request: check it with a
	// throwaway key, so that a typo fails before the HSM is touched.
	if err := keysCheckSubject(subject); err != nil {
		return err
	}
	if _, err := os.Lstat(*out); err == nil {
		return fmt.Errorf("--out %s exists; refusing to overwrite it", *out)
	}

	k, _, err := keysOpen("csr", *uri)
	if err != nil {
		return err
	}
	defer k.Close()
	der, err := pki.SealCSR(k, subject)
	if err != nil {
		return err
	}
	// Check the token's signature before anyone sends the request off.
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return fmt.Errorf("the certificate request made with the token does not parse: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return fmt.Errorf("the token's signature on the certificate request does not verify: %w", err)
	}
	_, fp, err := keysPublicKey(k.Public())
	if err != nil {
		return err
	}
	if err := keysWriteNew(*out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote certificate request to %s\n", *out)
	fmt.Fprintf(stdout, "subject: %s\n", keysSubject(csr.Subject))
	fmt.Fprintf(stdout, "public key SHA-256: %s\n", fp)
	fmt.Fprintf(stdout, "next: send %s to your qualified trust service provider and ask for a qualified e-seal certificate for %s; keep the key in the HSM (the request does not contain it)\n", *out, subject.OrganizationIdentifier)
	return nil
}

// keysCheckSubject reports what pki would refuse in subject.
func keysCheckSubject(subject pki.SealSubject) error {
	throwaway, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	_, err = pki.SealCSR(throwaway, subject)
	return err
}

func keysDemoCA(args []string, stdout, stderr io.Writer) error {
	fs, uri := keysFlags("demo-ca", stderr)
	dir := fs.String("dir", "", "directory of the demo CA and chain (created if missing; an existing demo CA in it is reused)")
	comune := fs.String("comune", "Comune di Lodi", "the comune the demo seal names")
	baseURL := fs.String("base-url", "", "certa's public http:// URL; the seal then carries OCSP, CRL and CA issuer URLs under <base-url>"+keysRevocationPath+" (default: none, for offline demos)")
	if err := keysParse(fs, args); err != nil {
		return err
	}
	if *uri == "" {
		return keysNeedURI("demo-ca")
	}
	if *dir == "" {
		return errors.New("certa keys demo-ca needs --dir, the directory of the demo CA and chain")
	}
	if strings.TrimSpace(*comune) == "" {
		return errors.New("--comune must not be empty")
	}
	var urls pki.RevocationURLs
	if *baseURL != "" {
		p, err := url.Parse(*baseURL)
		if err != nil || p.Scheme != "http" || p.Host == "" || p.RawQuery != "" || p.Fragment != "" {
			return fmt.Errorf("--base-url %q must be an absolute http:// URL without query (NSS does not fetch OCSP over https)", *baseURL)
		}
		urls = pki.RevocationURLsAt(strings.TrimRight(*baseURL, "/") + keysRevocationPath)
	}
	subject := pki.SealSubject{
		CommonName:             *comune + " - DEMO seal",
		Organization:           *comune + " (DEMO)",
		OrganizationIdentifier: pki.DemoOrganizationIdentifier,
	}
	if err := keysCheckSubject(subject); err != nil {
		return err
	}

	rootPath := filepath.Join(*dir, pki.RootFile)
	caKeyPath := filepath.Join(*dir, pki.CAKeyFile)
	chainPath := filepath.Join(*dir, pki.ChainFile)
	haveRoot, err := keysExists(rootPath)
	if err != nil {
		return err
	}
	haveCAKey, err := keysExists(caKeyPath)
	if err != nil {
		return err
	}
	haveChain, err := keysExists(chainPath)
	if err != nil {
		return err
	}
	switch {
	case haveRoot && !haveCAKey:
		return fmt.Errorf("%s has %s but not the CA's key %s, so it cannot issue; use another --dir", *dir, pki.RootFile, pki.CAKeyFile)
	case haveCAKey && !haveRoot:
		return fmt.Errorf("%s has %s but not %s; restore it or use another --dir", *dir, pki.CAKeyFile, pki.RootFile)
	case haveChain && !haveRoot:
		return fmt.Errorf("%s has %s but not the CA that issued it; use another --dir", *dir, pki.ChainFile)
	}

	k, u, err := keysOpen("demo-ca", *uri)
	if err != nil {
		return err
	}
	defer k.Close()
	now := time.Now()

	var ca pki.CA
	if haveRoot {
		if ca, err = pki.LoadCA(*dir); err != nil {
			return err
		}
	} else if ca, err = pki.NewCA(keysDemoCAName, now); err != nil {
		return err
	}

	if haveChain {
		chain, err := keysReadChain(chainPath)
		if err != nil {
			return fmt.Errorf("%w; remove it to issue a new demo chain", err)
		}
		leaf := chain[0]
		if !keysSameKey(k.Public(), leaf.PublicKey) {
			return fmt.Errorf("%s holds a certificate for another key (%s); refusing to overwrite it: use another --dir", chainPath, keysDescribeCert(leaf))
		}
		if leaf.CheckSignatureFrom(ca.Cert) != nil {
			return fmt.Errorf("%s certifies this key but was not issued by the CA in %s; refusing to overwrite it: remove it or use another --dir", chainPath, rootPath)
		}
		fmt.Fprintf(stdout, "DEMO chain, NOT FOR PRODUCTION: %s already certifies %s (%s); left as it is, --comune and --base-url ignored (remove it to issue a new one)\n", chainPath, keysDescribe(u), keysDescribeCert(leaf))
		fmt.Fprintf(stdout, "trust anchor for verifiers: %s\n", rootPath)
		return nil
	}

	seal, err := pki.IssueSeal(ca, k.Public(), subject, urls, now)
	if err != nil {
		return err
	}
	chain := []*x509.Certificate{seal, ca.Cert}
	if _, err := signer.NewSeal(k, chain); err != nil { // what certa checks at start-up
		return err
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	var created []string
	write := func(path string, data []byte, mode os.FileMode) error {
		if err := keysWriteNew(path, data, mode); err != nil {
			return err
		}
		created = append(created, path)
		return nil
	}
	err = func() error {
		if !haveRoot {
			der, err := x509.MarshalPKCS8PrivateKey(ca.Key)
			if err != nil {
				return err
			}
			// Key first: a root without its key is refused on the next run.
			if err := write(caKeyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
				return err
			}
			if err := write(rootPath, keysCertPEM(ca.Cert), 0o644); err != nil {
				return err
			}
		}
		return write(chainPath, append(keysCertPEM(seal), keysCertPEM(ca.Cert)...), 0o644)
	}()
	if err != nil {
		for _, p := range created {
			os.Remove(p)
		}
		return err
	}

	fmt.Fprintln(stdout, "DEMO chain, NOT FOR PRODUCTION: a demo CA certifies the HSM key; only verifiers told to trust its root accept it. For production, send a request (certa keys csr) to a qualified trust service provider.")
	if haveRoot {
		fmt.Fprintf(stdout, "demo CA:   reused %s\n", rootPath)
	} else {
		fmt.Fprintf(stdout, "demo CA:   created %s (its key: %s, mode 0600)\n", rootPath, caKeyPath)
	}
	fmt.Fprintf(stdout, "seal:      %s, for %s, valid until %s\n", keysDescribeCert(seal), keysDescribe(u), seal.NotAfter.Format(time.DateOnly))
	fmt.Fprintf(stdout, "chain:     %s (seal certificate, then the demo CA)\n", chainPath)
	if urls.OCSP != "" {
		fmt.Fprintf(stdout, "revocation: OCSP %s, CRL %s, CA issuers %s; serve the demo CA's responder under %s%s or verifiers that check OCSP will not trust the seal\n",
			urls.OCSP, urls.CRL, urls.CAIssuers, strings.TrimRight(*baseURL, "/"), keysRevocationPath)
	} else {
		fmt.Fprintln(stdout, "revocation: none (no --base-url)")
	}
	return nil
}

func keysShow(args []string, stdout, stderr io.Writer) error {
	fs, uri := keysFlags("show", stderr)
	chainPath := fs.String("chain", "", "PEM certificate chain (seal certificate first) to check against the key")
	if err := keysParse(fs, args); err != nil {
		return err
	}
	if *uri == "" {
		return keysNeedURI("show")
	}
	var chain []*x509.Certificate
	if *chainPath != "" {
		var err error
		if chain, err = keysReadChain(*chainPath); err != nil {
			return err
		}
	}

	k, u, err := keysOpen("show", *uri)
	if err != nil {
		return err
	}
	defer k.Close()
	_, fp, err := keysPublicKey(k.Public())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "key:        %s\n", u)
	fmt.Fprintf(stdout, "algorithm:  %s\n", keysAlgorithm(k.Public()))
	fmt.Fprintf(stdout, "public key SHA-256: %s\n", fp)
	ctx, cancel := context.WithTimeout(context.Background(), keysProbeTimeout)
	defer cancel()
	if err := k.Probe(ctx); err != nil {
		return fmt.Errorf("test signature with %s failed: %w", keysDescribe(u), err)
	}
	fmt.Fprintln(stdout, "signing:    OK (a test signature verified)")
	if chain == nil {
		return nil
	}

	leaf := chain[0]
	fmt.Fprintf(stdout, "chain:      %s, %d certificates\n", *chainPath, len(chain))
	fmt.Fprintf(stdout, "leaf:       %s, valid %s to %s\n", keysDescribeCert(leaf), leaf.NotBefore.Format(time.DateOnly), leaf.NotAfter.Format(time.DateOnly))
	if !keysSameKey(k.Public(), leaf.PublicKey) {
		_, leafFP, err := keysPublicKey(leaf.PublicKey)
		if err != nil {
			leafFP = "(" + err.Error() + ")"
		}
		return fmt.Errorf("MISMATCH: the key in the token (public key SHA-256 %s) is not the key of %s, the leaf of %s (public key SHA-256 %s); certa would refuse to start with this key and chain",
			fp, keysDescribeCert(leaf), *chainPath, leafFP)
	}
	if _, err := signer.NewSeal(k, chain); err != nil {
		return fmt.Errorf("%s: %w", *chainPath, err)
	}
	if now := time.Now(); now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		return fmt.Errorf("%s matches the key but is not valid now (valid %s to %s)", keysDescribeCert(leaf), leaf.NotBefore.Format(time.DateOnly), leaf.NotAfter.Format(time.DateOnly))
	}
	fmt.Fprintln(stdout, "match:      OK, the key is the leaf certificate's and the chain is in order")
	return nil
}

// keysPublicKey returns pub as a PEM SubjectPublicKeyInfo and the
// SHA-256 of its DER in hex (what "openssl pkey -pubin -outform DER |
// sha256sum" prints).
func keysPublicKey(pub crypto.PublicKey) ([]byte, string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, "", fmt.Errorf("public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), hex.EncodeToString(sum[:]), nil
}

func keysAlgorithm(pub crypto.PublicKey) string {
	switch pub := pub.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA " + pub.Curve.Params().Name
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d bits", pub.N.BitLen())
	}
	return fmt.Sprintf("%T", pub)
}

func keysSameKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// keysDescribe names the key u selects, without module or PIN source.
func keysDescribe(u pkcs11.URI) string {
	var parts []string
	if u.Object != "" {
		parts = append(parts, fmt.Sprintf("object=%q", u.Object))
	}
	if len(u.ID) > 0 {
		parts = append(parts, fmt.Sprintf("id=%x", u.ID))
	}
	switch {
	case u.Token != "":
		parts = append(parts, fmt.Sprintf("token=%q", u.Token))
	case u.Serial != "":
		parts = append(parts, fmt.Sprintf("serial=%q", u.Serial))
	case u.SlotID != nil:
		parts = append(parts, fmt.Sprintf("slot-id=%d", *u.SlotID))
	}
	return strings.Join(parts, " ")
}

// keysSubject prints a subject's attributes in their order, naming
// organizationIdentifier, which pkix.Name.String shows as a hex OID.
func keysSubject(n pkix.Name) string {
	short := map[string]string{"2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.97": "organizationIdentifier"}
	var parts []string
	for _, a := range n.Names {
		t, ok := short[a.Type.String()]
		if !ok {
			t = a.Type.String()
		}
		parts = append(parts, fmt.Sprintf("%s=%v", t, a.Value))
	}
	return strings.Join(parts, ", ")
}

// keysDescribeCert names a certificate by subject CN and serial number
// (hexadecimal, as "openssl x509 -serial" prints it).
func keysDescribeCert(c *x509.Certificate) string {
	return fmt.Sprintf("certificate CN %q serial %X", c.Subject.CommonName, c.SerialNumber)
}

func keysCertPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func keysReadChain(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	chain, err := signer.ParseCertificatesPEM(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return chain, nil
}

func keysExists(path string) (bool, error) {
	_, err := os.Lstat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, os.ErrNotExist):
		return false, nil
	}
	return false, err
}

// keysWriteNew writes data to a file that must not exist yet (O_EXCL),
// removing it again when the write fails.
func keysWriteNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s exists; refusing to overwrite it", path)
		}
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
