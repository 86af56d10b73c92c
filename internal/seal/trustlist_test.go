package seal

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/pki"
	"certa.example/certa/internal/vcode"
)

// listPKI is a throwaway PKI for the list tests: a root CA with list
// signers (P-256, P-384, another P-256) and a seal certificate it issued,
// a second CA with a signer, and the lists signed by the first signer.
type listPKI struct {
	ca, otherCA        pki.CA
	roots, otherRoots  *x509.CertPool
	signerKey          *ecdsa.PrivateKey
	signer             *x509.Certificate
	signer384Key       *ecdsa.PrivateKey
	signer384          *x509.Certificate
	sealKey            *ecdsa.PrivateKey
	seal               *x509.Certificate
	otherKey           *ecdsa.PrivateKey // a key of the CA's other signer
	otherSigner        *x509.Certificate
	foreignKey         *ecdsa.PrivateKey // a signer of the other CA
	foreignSigner      *x509.Certificate
	issued, expires    time.Time
	trustList          TrustList // unsigned, entries theCert and seal
	signedTL, signedRL []byte
	revokedCodes       []string
	revocationList     RevocationList
	signedTLWithRoot   []byte
	signedTL384        []byte
	signedTLPayload    []byte
	signedRLPayload    []byte
}

var (
	thePKIOnce sync.Once
	thePKI     *listPKI
)

var caNow = t0.Add(-30 * day)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func issue(ca pki.CA, key crypto.Signer, cn string) *x509.Certificate {
	return must(pki.IssueSeal(ca, key.Public(), pki.SealSubject{
		CommonName: cn, Organization: "Comune di Roma", OrganizationIdentifier: "VATIT-01234567890",
	}, pki.RevocationURLs{}, caNow))
}

func newP256() *ecdsa.PrivateKey { return must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)) }

// testPKI returns the shared test PKI, made on first use.
func testPKI() *listPKI {
	thePKIOnce.Do(func() {
		p := &listPKI{}
		p.ca = must(pki.NewCA(pkix.Name{CommonName: "Certa Test Root"}, caNow))
		p.otherCA = must(pki.NewCA(pkix.Name{CommonName: "Other Test Root"}, caNow))
		p.roots, p.otherRoots = x509.NewCertPool(), x509.NewCertPool()
		p.roots.AddCert(p.ca.Cert)
		p.otherRoots.AddCert(p.otherCA.Cert)
		p.signerKey = newP256()
		p.signer = issue(p.ca, p.signerKey, "Certa trust list signer")
		p.signer384Key = must(ecdsa.GenerateKey(elliptic.P384(), rand.Reader))
		p.signer384 = issue(p.ca, p.signer384Key, "Certa trust list signer P-384")
		p.sealKey = newP256()
		p.seal = issue(p.ca, p.sealKey, "Comune di Roma - sigillo QR 2026")
		p.otherKey = newP256()
		p.otherSigner = issue(p.ca, p.otherKey, "Another signer")
		p.foreignKey = newP256()
		p.foreignSigner = issue(p.otherCA, p.foreignKey, "Foreign signer")
		p.issued = t0.Add(-day).Truncate(time.Second)
		p.expires = t0.Add(30 * day).Truncate(time.Second)
		p.trustList = TrustList{Version: 7, Issued: p.issued, Expires: p.expires, Entries: []TrustEntry{
			{Cert: p.seal, Status: TrustCurrent},
			{KID: KID(theCert), Cert: theCert, Status: TrustRetired},
		}}
		p.signedTL = must(SignTrustList(p.trustList, p.signerKey, []*x509.Certificate{p.signer}))
		p.signedTLWithRoot = must(SignTrustList(p.trustList, p.signerKey, []*x509.Certificate{p.signer, p.ca.Cert}))
		p.signedTL384 = must(SignTrustList(p.trustList, p.signer384Key, []*x509.Certificate{p.signer384}))
		p.signedTLPayload = must(encodeTrustList(p.trustList))
		for range 5000 {
			p.revokedCodes = append(p.revokedCodes, must(vcode.New(nil)))
		}
		p.revocationList = NewRevocationList(3, p.issued, p.expires, p.revokedCodes)
		p.signedRL = must(SignRevocationList(p.revocationList, p.signerKey, []*x509.Certificate{p.signer}))
		p.signedRLPayload = must(encodeRevocationList(p.revocationList))
		thePKI = p
	})
	return thePKI
}

// forgeList signs payload under an arbitrary protected header (any value
// CBOR-encoded as is, or raw bytes) with key.
func forgeList(t testing.TB, prot any, payload []byte, key crypto.Signer, alg ecAlg) []byte {
	t.Helper()
	var pb []byte
	if b, ok := prot.([]byte); ok {
		pb = b
	} else {
		var err error
		if pb, err = cbor.Marshal(prot); err != nil {
			t.Fatal(err)
		}
	}
	sig, err := alg.sign(key, toBeSigned(pb, payload))
	if err != nil {
		t.Fatal(err)
	}
	return appendSign1(nil, pb, payload, sig)
}

// signedPayload signs an arbitrary payload as a list of kind k by the
// test signer.
func signedPayload(t testing.TB, k listKind, payload []byte) []byte {
	t.Helper()
	p := testPKI()
	b, err := signListAs(k, es256, payload, p.signerKey, []*x509.Certificate{p.signer})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustCBOR(t testing.TB, v any) []byte {
	t.Helper()
	b, err := listEncMode.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTrustListRoundTrip(t *testing.T) {
	p := testPKI()
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"P-256 signer", p.signedTL},
		{"chain with root", p.signedTLWithRoot},
		{"P-384 signer", p.signedTL384},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl, err := ParseTrustList(tc.data, p.roots, t0)
			if err != nil {
				t.Fatal(err)
			}
			if tl.Version != 7 || !tl.Issued.Equal(p.issued) || !tl.Expires.Equal(p.expires) || len(tl.Entries) != 2 {
				t.Fatalf("got %+v", tl)
			}
			if bytes.Compare(tl.Entries[0].KID, tl.Entries[1].KID) >= 0 {
				t.Fatal("entries not sorted by kid")
			}
			for _, want := range p.trustList.Entries {
				cert, ok := tl.Lookup(KID(want.Cert))
				if !ok || !cert.Equal(want.Cert) {
					t.Fatalf("Lookup(%x) = %v", KID(want.Cert), ok)
				}
				for _, e := range tl.Entries {
					if e.Cert.Equal(want.Cert) && e.Status != want.Status {
						t.Fatalf("status %q, want %q", e.Status, want.Status)
					}
				}
			}
			if _, ok := tl.Lookup(make([]byte, 8)); ok {
				t.Fatal("Lookup of an unknown kid")
			}
			// Lookup as Verify's lookup, for a seal of each entry.
			for _, s := range []struct {
				key  *ecdsa.PrivateKey
				cert *x509.Certificate
			}{{p.sealKey, p.seal}, {theKey, theCert}} {
				seal, err := Sign(residenza(), s.key, s.cert)
				if err != nil {
					t.Fatal(err)
				}
				c, cert, err := Verify(seal, tl.Lookup, t0)
				if err != nil || !cert.Equal(s.cert) || c.Holder != residenza().Holder {
					t.Fatalf("Verify: %v", err)
				}
			}
			// A seal of a certificate not in the list.
			other, otherCert := newCert(nil, t0.Add(-day), t0.Add(day))
			seal, _ := Sign(residenza(), other, otherCert)
			if _, _, err := Verify(seal, tl.Lookup, t0); !errors.Is(err, ErrUntrusted) {
				t.Fatalf("seal of an unlisted certificate: %v", err)
			}
		})
	}
}

func TestTrustListDeterministic(t *testing.T) {
	p := testPKI()
	tl := p.trustList
	tl.Entries = []TrustEntry{tl.Entries[1], tl.Entries[0]} // order does not matter
	again, err := SignTrustList(tl, p.signerKey, []*x509.Certificate{p.signer})
	if err != nil {
		t.Fatal(err)
	}
	prot1, pay1, sig1, _ := parseSign1(p.signedTL)
	prot2, pay2, sig2, _ := parseSign1(again)
	if !bytes.Equal(prot1, prot2) || !bytes.Equal(pay1, pay2) || bytes.Equal(sig1, sig2) {
		t.Fatal("protected header or payload differ (or the signature does not)")
	}
	// The protected header, byte for byte.
	x5, _ := cbor.Marshal(p.signer.Raw)
	want := append([]byte{0xA4, 0x01, 0x26, 0x03, 0x78, byte(len(contentTypeTrustList))}, contentTypeTrustList...)
	want = append(append(append(want, 0x04, 0x48), KID(p.signer)...), 0x18, 0x21)
	want = append(want, x5...)
	if !bytes.Equal(prot1, want) {
		t.Fatalf("protected header\n%x\nwant\n%x", prot1, want)
	}
}

// TestTrustListGoCOSE checks that another COSE implementation reads the
// envelope: go-cose verifies the signature and finds alg, kid and x5chain.
func TestTrustListGoCOSE(t *testing.T) {
	p := testPKI()
	for _, tc := range []struct {
		data []byte
		alg  cose.Algorithm
		pub  crypto.PublicKey
	}{
		{p.signedTL, cose.AlgorithmES256, p.signerKey.Public()},
		{p.signedTL384, cose.AlgorithmES384, p.signer384Key.Public()},
		{p.signedRL, cose.AlgorithmES256, p.signerKey.Public()},
	} {
		var msg cose.Sign1Message
		if err := msg.UnmarshalCBOR(tc.data); err != nil {
			t.Fatal(err)
		}
		v, err := cose.NewVerifier(tc.alg, tc.pub)
		if err != nil {
			t.Fatal(err)
		}
		if err := msg.Verify(nil, v); err != nil {
			t.Fatal(err)
		}
		if _, ok := msg.Headers.Protected[cose.HeaderLabelX5Chain]; !ok {
			t.Fatal("no x5chain")
		}
	}
	// And a seal: go-cose verifies ours, and Verify takes go-cose's.
	var msg cose.Sign1Message
	raw, _ := Base45Decode(mustSign(t, residenza()))
	if err := msg.UnmarshalCBOR(raw); err != nil {
		t.Fatal(err)
	}
	v, _ := cose.NewVerifier(cose.AlgorithmES256, theKey.Public())
	if err := msg.Verify(nil, v); err != nil {
		t.Fatal(err)
	}
	body := claimsCBOR(t, wireOf(residenza()))
	prot := cose.ProtectedHeader{cose.HeaderLabelAlgorithm: cose.AlgorithmES256, cose.HeaderLabelKeyID: KID(theCert)}
	if _, _, err := Verify(sign1(t, prot, nil, body, false), lookupFor(theCert), t0); err != nil {
		t.Fatalf("seal made by go-cose: %v", err)
	}
}

func TestTrustListJSON(t *testing.T) {
	p := testPKI()
	tl, err := ParseTrustList(p.signedTL, p.roots, t0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(tl)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Version int64     `json:"version"`
		Issued  time.Time `json:"issued"`
		Expires time.Time `json:"expires"`
		Entries []struct {
			KID         string    `json:"kid"`
			Status      string    `json:"status"`
			SubjectCN   string    `json:"subject_cn"`
			NotBefore   time.Time `json:"not_before"`
			NotAfter    time.Time `json:"not_after"`
			Certificate string    `json:"certificate"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Version != 7 || !got.Issued.Equal(p.issued) || !got.Expires.Equal(p.expires) || len(got.Entries) != 2 {
		t.Fatalf("%s", b)
	}
	for i, e := range got.Entries {
		want := tl.Entries[i]
		der, _ := base64.StdEncoding.DecodeString(e.Certificate)
		if e.KID != hex.EncodeToString(want.KID) || e.Status != string(want.Status) || e.SubjectCN != want.Cert.Subject.CommonName ||
			!e.NotBefore.Equal(want.Cert.NotBefore) || !e.NotAfter.Equal(want.Cert.NotAfter) || !bytes.Equal(der, want.Cert.Raw) {
			t.Fatalf("entry %d: %+v", i, e)
		}
	}
	if !strings.Contains(string(b), `"issued":"`+p.issued.UTC().Format(time.RFC3339)+`"`) {
		t.Fatalf("issued not RFC 3339 UTC: %s", b)
	}
}

func TestSignTrustListRefuses(t *testing.T) {
	p := testPKI()
	rsaKey := must(rsa.GenerateKey(rand.Reader, 2048))
	_, rsaCert := newCert(rsaKey, t0.Add(-day), t0.Add(day))
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	chain := []*x509.Certificate{p.signer}
	mod := func(f func(*TrustList)) TrustList {
		tl := p.trustList
		tl.Entries = append([]TrustEntry(nil), tl.Entries...)
		f(&tl)
		return tl
	}
	for _, tc := range []struct {
		name    string
		tl      TrustList
		key     crypto.Signer
		chain   []*x509.Certificate
		keyType bool // ErrListKeyType, else errs.InvalidRequest
	}{
		{name: "rsa key", tl: p.trustList, key: rsaKey, chain: []*x509.Certificate{rsaCert}, keyType: true},
		{name: "ed25519 key", tl: p.trustList, key: edKey, chain: chain, keyType: true},
		{name: "leaf not for the key", tl: p.trustList, key: p.otherKey, chain: chain, keyType: true},
		{name: "no chain", tl: p.trustList, key: p.signerKey, keyType: true},
		{name: "nil in chain", tl: p.trustList, key: p.signerKey, chain: []*x509.Certificate{p.signer, nil}, keyType: true},
		{name: "nil key", tl: p.trustList, chain: chain, keyType: true},
		{name: "duplicate entry", tl: mod(func(tl *TrustList) { tl.Entries = append(tl.Entries, tl.Entries[0]) })},
		{name: "kid not KID(cert)", tl: mod(func(tl *TrustList) { tl.Entries[0].KID = make([]byte, 8) })},
		{name: "unknown status", tl: mod(func(tl *TrustList) { tl.Entries[0].Status = "revoked" })},
		{name: "no status", tl: mod(func(tl *TrustList) { tl.Entries[0].Status = "" })},
		{name: "nil cert", tl: mod(func(tl *TrustList) { tl.Entries[0].Cert = nil })},
		{name: "rsa entry", tl: mod(func(tl *TrustList) { tl.Entries[0] = TrustEntry{Cert: rsaCert, Status: TrustCurrent} })},
		{name: "version 0", tl: mod(func(tl *TrustList) { tl.Version = 0 })},
		{name: "expires before issued", tl: mod(func(tl *TrustList) { tl.Expires = tl.Issued.Add(-time.Second) })},
		{name: "too many entries", tl: mod(func(tl *TrustList) { tl.Entries = make([]TrustEntry, MaxTrustEntries+1) })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.chain
			if c == nil && !tc.keyType {
				c = chain
			}
			key := tc.key
			if key == nil && !tc.keyType {
				key = p.signerKey
			}
			_, err := SignTrustList(tc.tl, key, c)
			if err == nil {
				t.Fatal("signed")
			}
			if tc.keyType {
				if !errors.Is(err, ErrListKeyType) || errs.KindOf(err) != errs.Internal {
					t.Fatalf("err = %v, want ErrListKeyType", err)
				}
			} else if errs.KindOf(err) != errs.InvalidRequest || errs.PublicOf(err) != "invalid trust list" {
				t.Fatalf("err = %v, want invalid trust list", err)
			}
		})
	}
}

// listCase is a list that must be refused, and how.
type listCase struct {
	name  string
	data  []byte
	roots *x509.CertPool // nil: the test roots
	now   time.Time      // zero: t0
	want  string         // "malformed", "untrusted" or "expired"
}

// checkRefused runs parse on every case and checks the error.
func checkRefused[L any](t *testing.T, cases []listCase, name string, expired error, parse func([]byte, *x509.CertPool, time.Time) (*L, error)) {
	p := testPKI()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			roots := tc.roots
			if roots == nil {
				roots = p.roots
			}
			if tc.name == "nil roots" {
				roots = nil
			}
			now := tc.now
			if now.IsZero() {
				now = t0
			}
			l, err := parse(tc.data, roots, now)
			if err == nil || l != nil {
				t.Fatalf("accepted: %v", err)
			}
			if errs.KindOf(err) != errs.InvalidRequest {
				t.Fatalf("kind %v: %v", errs.KindOf(err), err)
			}
			pub := map[string]string{"malformed": "malformed " + name, "untrusted": name + " not authentic", "expired": name + " expired"}[tc.want]
			if got := errs.PublicOf(err); got != pub {
				t.Fatalf("public %q, want %q (%v)", got, pub, err)
			}
			if errors.Is(err, ErrUntrusted) != (tc.want == "untrusted") || errors.Is(err, expired) != (tc.want == "expired") {
				t.Fatalf("errors.Is wrong: %v", err)
			}
		})
	}
}

// envelopeCases are the envelope failures shared by both lists; good is a
// valid list of kind k, payload its payload.
func envelopeCases(t *testing.T, k listKind, good, payload []byte, other listKind) []listCase {
	p := testPKI()
	prot, _, sig, err := parseSign1(good)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(b []byte, i int) []byte { b = bytes.Clone(b); b[i] ^= 1; return b }
	x5 := must(encodeX5Chain([][]byte{p.signer.Raw}))
	hdr := func(alg int64, ct string, kid []byte, x5 cbor.RawMessage) listProtected {
		return listProtected{Alg: alg, ContentType: ct, KID: kid, X5Chain: x5}
	}
	good256 := hdr(algES256, k.contentType, KID(p.signer), x5)
	// A struct whose fields are encoded in declaration order (not sorted).
	type unsorted struct {
		KID         []byte          `cbor:"4,keyasint"`
		Alg         int64           `cbor:"1,keyasint"`
		ContentType string          `cbor:"3,keyasint"`
		X5Chain     cbor.RawMessage `cbor:"33,keyasint"`
	}
	long := make([][]byte, MaxChain+1)
	for i := range long {
		long[i] = p.signer.Raw
	}
	cases := []listCase{
		{name: "empty", data: nil, want: "malformed"},
		{name: "too large", data: append(bytes.Clone(good), make([]byte, k.maxSize)...), want: "malformed"},
		{name: "truncated", data: good[:len(good)-1], want: "malformed"},
		{name: "trailing byte", data: append(bytes.Clone(good), 0), want: "malformed"},
		{name: "untagged", data: good[1:], want: "malformed"},
		{name: "unprotected header", data: func() []byte {
			b := appendSign1(nil, prot, payload, sig)
			i := bytes.Index(b, []byte{0xA0})
			return append(append(append([]byte{}, b[:i]...), 0xA1, 0x04, 0x40), b[i+1:]...)
		}(), want: "malformed"},
		{name: "non-canonical payload length", data: func() []byte {
			b := append([]byte{0xD2, 0x84}, appendBstr(nil, prot)...)
			b = append(b, 0xA0, 0x5B, 0, 0, 0, 0, 0, 0, byte(len(payload)>>8), byte(len(payload)))
			return appendBstr(append(b, payload...), sig)
		}(), want: "malformed"},
		{name: "other list type", data: signedPayload(t, other, payload), want: "malformed"},
		{name: "tampered payload", data: appendSign1(nil, prot, flip(payload, len(payload)-1), sig), want: "untrusted"},
		{name: "tampered signature", data: appendSign1(nil, prot, payload, flip(sig, 10)), want: "untrusted"},
		{name: "signature too short", data: appendSign1(nil, prot, payload, sig[:63]), want: "malformed"},
		{name: "wrong root", data: good, roots: p.otherRoots, want: "untrusted"},
		{name: "nil roots", data: good, want: "untrusted"},
		{name: "signer certificate expired", data: good, now: p.signer.NotAfter.Add(time.Second), want: "untrusted"},
		{name: "signer certificate not yet valid", data: good, now: p.signer.NotBefore.Add(-time.Second), want: "untrusted"},
		{name: "expired", data: good, now: p.expires.Add(time.Second), want: "expired"},
		{name: "leaf not for the key", data: forgeList(t, good256, payload, p.otherKey, es256), want: "untrusted"},
		{name: "leaf from another CA", data: forgeList(t, hdr(algES256, k.contentType, KID(p.foreignSigner), must(encodeX5Chain([][]byte{p.foreignSigner.Raw}))), payload, p.foreignKey, es256), want: "untrusted"},
		{name: "leaf from another CA with our root", data: forgeList(t, hdr(algES256, k.contentType, KID(p.foreignSigner), must(encodeX5Chain([][]byte{p.foreignSigner.Raw, p.ca.Cert.Raw}))), payload, p.foreignKey, es256), want: "untrusted"},
		{name: "signer is a CA certificate", data: forgeList(t, hdr(algES256, k.contentType, KID(p.ca.Cert), must(encodeX5Chain([][]byte{p.ca.Cert.Raw}))), payload, p.ca.Key, es256), want: "untrusted"},
		{name: "ES384 with a P-256 signer", data: forgeList(t, hdr(algES384, k.contentType, KID(p.signer), x5), payload, p.signerKey, es384), want: "untrusted"},
		{name: "kid not KID(leaf)", data: forgeList(t, hdr(algES256, k.contentType, KID(theCert), x5), payload, p.signerKey, es256), want: "malformed"},
		{name: "alg ES512", data: forgeList(t, hdr(-36, k.contentType, KID(p.signer), x5), payload, p.signerKey, es256), want: "malformed"},
		{name: "no x5chain", data: forgeList(t, map[int]any{1: algES256, 3: k.contentType, 4: KID(p.signer)}, payload, p.signerKey, es256), want: "malformed"},
		{name: "x5chain array of one", data: forgeList(t, hdr(algES256, k.contentType, KID(p.signer), must(cbor.Marshal([][]byte{p.signer.Raw}))), payload, p.signerKey, es256), want: "malformed"},
		{name: "x5chain not a certificate", data: forgeList(t, hdr(algES256, k.contentType, KID(p.signer), must(cbor.Marshal([]byte{1, 2, 3}))), payload, p.signerKey, es256), want: "malformed"},
		{name: "x5chain too long", data: forgeList(t, hdr(algES256, k.contentType, KID(p.signer), must(cbor.Marshal(long))), payload, p.signerKey, es256), want: "malformed"},
		{name: "crit header", data: forgeList(t, map[int]any{1: algES256, 2: []int{99}, 3: k.contentType, 4: KID(p.signer), 33: x5, 99: 1}, payload, p.signerKey, es256), want: "malformed"},
		{name: "unsorted protected header", data: forgeList(t, unsorted{KID(p.signer), algES256, k.contentType, x5}, payload, p.signerKey, es256), want: "malformed"},
		{name: "protected header not a map", data: forgeList(t, []byte{0x80}, payload, p.signerKey, es256), want: "malformed"},
		{name: "payload not a map", data: signedPayload(t, k, []byte{0x01}), want: "malformed"},
		{name: "empty payload", data: signedPayload(t, k, nil), want: "malformed"},
	}
	return cases
}

func TestParseTrustListRejects(t *testing.T) {
	p := testPKI()
	k := trustListKind
	w := func(f func(*trustWire)) []byte {
		var tw trustWire
		if err := listDecMode.Unmarshal(p.signedTLPayload, &tw); err != nil {
			t.Fatal(err)
		}
		f(&tw)
		return signedPayload(t, k, mustCBOR(t, tw))
	}
	rsaKey := must(rsa.GenerateKey(rand.Reader, 2048))
	_, rsaCert := newCert(rsaKey, t0.Add(-day), t0.Add(day))
	cases := envelopeCases(t, k, p.signedTL, p.signedTLPayload, revocationListKind)
	cases = append(cases, []listCase{
		{name: "duplicate entry", data: w(func(tw *trustWire) { tw.Entries = append(tw.Entries, tw.Entries[1]) })},
		{name: "entries not sorted", data: w(func(tw *trustWire) { tw.Entries[0], tw.Entries[1] = tw.Entries[1], tw.Entries[0] })},
		{name: "kid not KID(cert)", data: w(func(tw *trustWire) { tw.Entries[0].KID = KID(p.signer) })},
		{name: "kid of 4 bytes", data: w(func(tw *trustWire) { tw.Entries[0].KID = tw.Entries[0].KID[:4] })},
		{name: "unknown status", data: w(func(tw *trustWire) { tw.Entries[0].Status = "revoked" })},
		{name: "certificate not DER", data: w(func(tw *trustWire) { tw.Entries[0].Cert = append(tw.Entries[0].Cert, 0) })},
		{name: "rsa entry", data: w(func(tw *trustWire) {
			tw.Entries = []trustEntryWire{{KID: KID(rsaCert), Cert: rsaCert.Raw, Status: "current"}}
		})},
		{name: "version 0", data: w(func(tw *trustWire) { tw.Version = 0 })},
		{name: "expires before issued", data: w(func(tw *trustWire) { tw.Expires = tw.Issued - 1 })},
		{name: "date after 9999", data: w(func(tw *trustWire) { tw.Expires = maxListTime + 1 })},
		{name: "too many entries", data: w(func(tw *trustWire) {
			for len(tw.Entries) <= MaxTrustEntries {
				tw.Entries = append(tw.Entries, tw.Entries[0])
			}
		})},
		{name: "non-minimal integer", data: signedPayload(t, k, append([]byte{0xA4, 0x01, 0x18, 0x07}, p.signedTLPayload[3:]...))},
		{name: "unknown key", data: signedPayload(t, k, mustCBOR(t, map[int]any{1: 7, 2: 1, 3: 2, 4: []any{}, 5: 0}))},
		{name: "missing expires", data: signedPayload(t, k, mustCBOR(t, map[int]any{1: 7, 2: 1, 4: []any{}}))},
		{name: "null entries", data: signedPayload(t, k, mustCBOR(t, map[int]any{1: 7, 2: 1, 3: 2, 4: nil}))},
		{name: "unknown entry key", data: signedPayload(t, k, mustCBOR(t, map[int]any{1: 7, 2: 1, 3: 2, 4: []any{
			map[int]any{1: KID(p.seal), 2: p.seal.Raw, 3: "current", 4: 1}}}))},
		{name: "string keys", data: signedPayload(t, k, mustCBOR(t, map[string]any{"1": 7, "2": 1, "3": 2, "4": []any{}}))},
	}...)
	for i := range cases {
		if cases[i].want == "" {
			cases[i].want = "malformed"
		}
	}
	// Sanity: the payload helper itself gives a valid list.
	if _, err := ParseTrustList(w(func(*trustWire) {}), p.roots, t0); err != nil {
		t.Fatal(err)
	}
	checkRefused(t, cases, "trust list", ErrTrustListExpired, ParseTrustList)

	// Flip one bit every 7 bytes: never accepted.
	for i := 0; i < len(p.signedTL); i += 7 {
		b := bytes.Clone(p.signedTL)
		b[i] ^= 0x10
		if _, err := ParseTrustList(b, p.roots, t0); err == nil || errs.KindOf(err) != errs.InvalidRequest {
			t.Fatalf("bit flip at %d: %v", i, err)
		}
	}
}

func TestTrustListEmptyAndHandBuilt(t *testing.T) {
	p := testPKI()
	empty := TrustList{Version: 1, Issued: p.issued, Expires: p.expires}
	b, err := SignTrustList(empty, p.signerKey, []*x509.Certificate{p.signer})
	if err != nil {
		t.Fatal(err)
	}
	tl, err := ParseTrustList(b, p.roots, t0)
	if err != nil || len(tl.Entries) != 0 {
		t.Fatalf("%v %v", tl, err)
	}
	if _, ok := tl.Lookup(KID(theCert)); ok {
		t.Fatal("found in an empty list")
	}
	// A list built by hand (no index) is searched linearly.
	hand := &TrustList{Entries: []TrustEntry{{KID: KID(theCert), Cert: theCert, Status: TrustCurrent}}}
	if c, ok := hand.Lookup(KID(theCert)); !ok || c != theCert {
		t.Fatal("hand-built Lookup")
	}
	var nilList *TrustList
	if _, ok := nilList.Lookup(KID(theCert)); ok {
		t.Fatal("nil list Lookup")
	}
}
