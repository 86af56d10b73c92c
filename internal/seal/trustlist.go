package seal

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"time"
)

// Limits of ParseTrustList.
const (
	// MaxTrustList is the largest signed trust list accepted, in bytes.
	MaxTrustList = 1 << 20
	// MaxTrustEntries is the largest number of entries.
	MaxTrustEntries = 1000
)

// TrustStatus says whether a seal certificate still signs new seals.
type TrustStatus string

const (
	// TrustCurrent: the certificate signs new seals.
	TrustCurrent TrustStatus = "current"
	// TrustRetired: the certificate no longer signs, but the seals it
	// signed stay valid until they expire. A compromised key is removed
	// from the list, not retired.
	TrustRetired TrustStatus = "retired"
)

// TrustEntry is a seal certificate an offline verifier trusts. Its
// validity period is the certificate's (NotBefore, NotAfter); Verify
// checks it against the seal's issue date.
type TrustEntry struct {
	KID    []byte // KID(Cert); SignTrustList fills it in when nil
	Cert   *x509.Certificate
	Status TrustStatus
}

// TrustList is the signed list of seal certificates for offline
// verifiers. Version is a sequence number: a verifier should keep the
// list with the highest Version and refuse to go back to a lower one.
// Issued and Expires have second precision. Use Lookup as Verify's lookup.
type TrustList struct {
	Version         int64
	Issued, Expires time.Time
	Entries         []TrustEntry // sorted by KID in a signed list

	index map[string]int // KID -> index in Entries, built by ParseTrustList
}

var trustListKind = listKind{
	contentType: contentTypeTrustList,
	name:        "trust list",
	maxSize:     MaxTrustList,
	expired:     ErrTrustListExpired,
}

// Wire form of a trust list.
type trustWire struct {
	Version int64            `cbor:"1,keyasint"`
	Issued  int64            `cbor:"2,keyasint"`
	Expires int64            `cbor:"3,keyasint"`
	Entries []trustEntryWire `cbor:"4,keyasint"`
}

type trustEntryWire struct {
	KID    []byte `cbor:"1,keyasint"`
	Cert   []byte `cbor:"2,keyasint"`
	Status string `cbor:"3,keyasint"`
}

// checkEntry validates an entry of either direction.
func checkEntry(e TrustEntry) error {
	switch {
	case e.Cert == nil:
		return errors.New("entry without certificate")
	case e.Status != TrustCurrent && e.Status != TrustRetired:
		return errors.New("entry status")
	case !bytes.Equal(e.KID, KID(e.Cert)):
		return errors.New("entry kid is not KID(cert)")
	}
	if _, ok := p256Key(e.Cert.PublicKey); !ok {
		return errors.New("entry key not ECDSA P-256")
	}
	return nil
}

// SignTrustList returns tl as a signed trust list: the deterministic CBOR
// of tl (entries sorted by KID) in a tagged COSE_Sign1 signed with key
// (ES256 for P-256, ES384 for P-384), whose protected header carries kid =
// KID(chain[0]) and chain (leaf first) as x5chain. See docs/seal.md.
//
// Errors: ErrListKeyType (kind errs.Internal) for a key that is not ECDSA
// P-256/P-384 or not chain[0]'s; errs.InvalidRequest for a list it will
// not encode (version < 1, dates, duplicate KIDs, invalid entries, more
// than MaxTrustEntries, over MaxTrustList bytes); errs.SigningFailed when
// the signer fails.
func SignTrustList(tl TrustList, key crypto.Signer, chain []*x509.Certificate) ([]byte, error) {
	payload, err := encodeTrustList(tl)
	if err != nil {
		return nil, trustListKind.invalid(err)
	}
	return signList(trustListKind, payload, key, chain)
}

// encodeTrustList checks tl and returns its payload.
func encodeTrustList(tl TrustList) ([]byte, error) {
	w := trustWire{Version: tl.Version, Issued: tl.Issued.Unix(), Expires: tl.Expires.Unix()}
	if err := checkListDates(w.Version, w.Issued, w.Expires); err != nil {
		return nil, err
	}
	if len(tl.Entries) > MaxTrustEntries {
		return nil, errors.New("too many entries")
	}
	w.Entries = make([]trustEntryWire, 0, len(tl.Entries))
	for _, e := range tl.Entries {
		if e.KID == nil && e.Cert != nil {
			e.KID = KID(e.Cert)
		}
		if err := checkEntry(e); err != nil {
			return nil, err
		}
		w.Entries = append(w.Entries, trustEntryWire{KID: e.KID, Cert: e.Cert.Raw, Status: string(e.Status)})
	}
	slices.SortFunc(w.Entries, func(a, b trustEntryWire) int { return bytes.Compare(a.KID, b.KID) })
	for i := 1; i < len(w.Entries); i++ {
		if bytes.Equal(w.Entries[i-1].KID, w.Entries[i].KID) {
			return nil, errors.New("duplicate kid")
		}
	}
	return listEncMode.Marshal(w)
}

// ParseTrustList checks a signed trust list and returns it. roots are the
// CA certificates the list signer must chain to (x5chain[1:] serve as
// intermediates; any extended key usage is accepted), at time now.
//
// Every error is an *errs.Error of kind errs.InvalidRequest with a fixed
// public text: "malformed trust list" (size over MaxTrustList, anything
// but the canonical encoding, unknown or missing fields, more than
// MaxTrustEntries, an entry whose KID is not KID(cert) or whose key is not
// P-256, KIDs not strictly ascending, an unknown status),
// "trust list not authentic" (wrapping ErrUntrusted: bad signature,
// signer not chaining to roots at now, nil roots) or "trust list expired"
// (wrapping ErrTrustListExpired: now after Expires).
func ParseTrustList(data []byte, roots *x509.CertPool, now time.Time) (*TrustList, error) {
	k := trustListKind
	payload, err := parseList(k, data, roots, now)
	if err != nil {
		return nil, err
	}
	tl, err := decodeTrustList(payload)
	if err != nil {
		return nil, k.malformed(err)
	}
	if now.After(tl.Expires) {
		return nil, k.expiredErr()
	}
	return tl, nil
}

// decodeTrustList decodes and checks a trust list payload.
func decodeTrustList(payload []byte) (*TrustList, error) {
	var w trustWire
	if err := decodeCanonical(payload, &w); err != nil {
		return nil, err
	}
	if err := checkListDates(w.Version, w.Issued, w.Expires); err != nil {
		return nil, err
	}
	if len(w.Entries) > MaxTrustEntries {
		return nil, errors.New("too many entries")
	}
	tl := &TrustList{
		Version: w.Version, Issued: listTime(w.Issued), Expires: listTime(w.Expires),
		Entries: make([]TrustEntry, len(w.Entries)),
		index:   make(map[string]int, len(w.Entries)),
	}
	for i, we := range w.Entries {
		if i > 0 && bytes.Compare(w.Entries[i-1].KID, we.KID) >= 0 {
			return nil, errors.New("kids not strictly ascending")
		}
		cert, err := x509.ParseCertificate(we.Cert)
		if err != nil {
			return nil, errors.New("entry certificate")
		}
		e := TrustEntry{KID: we.KID, Cert: cert, Status: TrustStatus(we.Status)}
		if err := checkEntry(e); err != nil {
			return nil, err
		}
		tl.Entries[i] = e
		tl.index[string(we.KID)] = i
	}
	return tl, nil
}

// Lookup returns the certificate of the entry with this kid, current or
// retired. Pass tl.Lookup to Verify. A list from ParseTrustList answers
// from a map built once; a list built by hand is searched linearly. Do not
// modify Entries while Lookup may run.
func (tl *TrustList) Lookup(kid []byte) (*x509.Certificate, bool) {
	if tl == nil {
		return nil, false
	}
	if i, ok := tl.index[string(kid)]; ok && i < len(tl.Entries) && bytes.Equal(tl.Entries[i].KID, kid) {
		return tl.Entries[i].Cert, tl.Entries[i].Cert != nil
	}
	for _, e := range tl.Entries {
		if bytes.Equal(e.KID, kid) {
			return e.Cert, e.Cert != nil
		}
	}
	return nil, false
}

// trustListJSON is the JSON view of a trust list.
type trustListJSON struct {
	Version int64            `json:"version"`
	Issued  time.Time        `json:"issued"`
	Expires time.Time        `json:"expires"`
	Entries []trustEntryJSON `json:"entries"`
}

type trustEntryJSON struct {
	KID         string      `json:"kid"`
	Status      TrustStatus `json:"status"`
	SubjectCN   string      `json:"subject_cn"`
	NotBefore   time.Time   `json:"not_before"`
	NotAfter    time.Time   `json:"not_after"`
	Certificate []byte      `json:"certificate"`
}

// MarshalJSON gives a view for humans: version, issued, expires (RFC
// 3339, UTC) and per entry kid (hex), status, subject_cn, not_before,
// not_after and certificate (base64 DER). It is not the signed form.
func (tl TrustList) MarshalJSON() ([]byte, error) {
	v := trustListJSON{
		Version: tl.Version, Issued: tl.Issued.UTC(), Expires: tl.Expires.UTC(),
		Entries: make([]trustEntryJSON, 0, len(tl.Entries)),
	}
	for _, e := range tl.Entries {
		je := trustEntryJSON{KID: hex.EncodeToString(e.KID), Status: e.Status}
		if e.Cert != nil {
			je.SubjectCN = e.Cert.Subject.CommonName
			je.NotBefore, je.NotAfter = e.Cert.NotBefore.UTC(), e.Cert.NotAfter.UTC()
			je.Certificate = e.Cert.Raw
		}
		v.Entries = append(v.Entries, je)
	}
	return json.Marshal(v)
}
