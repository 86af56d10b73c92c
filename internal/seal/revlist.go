package seal

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"certa.example/certa/internal/vcode"
)

// Limits and defaults of the revocation list.
const (
	// DefaultPrefixLen is the length of the hash prefixes NewRevocationList
	// uses: 8 bytes, so a false match needs a 64-bit collision.
	DefaultPrefixLen = 8
	// MinPrefixLen and MaxPrefixLen bound PrefixLen.
	MinPrefixLen = 8
	MaxPrefixLen = sha256.Size
	// MaxRevocationList is the largest signed revocation list accepted,
	// in bytes (room for MaxRevocations 8-byte prefixes).
	MaxRevocationList = 16 << 20
	// MaxRevocations is the largest number of prefixes in a list.
	MaxRevocations = 1_000_000
)

// RevocationList is the signed list of revoked seals for offline
// verifiers, in the manner of the EU DCC revocation lists: it holds no
// codes, only the first PrefixLen bytes of RevocationHash(code) of every
// revoked code, grouped by the first byte of the hash so that a verifier
// (or a partitioned endpoint) can fetch or search one group.
//
// Groups[b] lists the prefixes whose first byte is b, sorted ascending
// without duplicates; every prefix is PrefixLen bytes. Version is a
// sequence number, as for TrustList.
type RevocationList struct {
	Version         int64
	Issued, Expires time.Time
	PrefixLen       int
	Groups          map[byte][][]byte
}

var revocationListKind = listKind{
	contentType: contentTypeRevocationList,
	name:        "revocation list",
	maxSize:     MaxRevocationList,
	expired:     ErrRevocationListExpired,
}

// Wire form: each group is one byte string, its prefixes concatenated.
type revWire struct {
	Version   int64           `cbor:"1,keyasint"`
	Issued    int64           `cbor:"2,keyasint"`
	Expires   int64           `cbor:"3,keyasint"`
	PrefixLen int             `cbor:"4,keyasint"`
	Groups    map[byte][]byte `cbor:"5,keyasint"`
}

// RevocationHash is the SHA-256 of the canonical form of code
// (vcode.Parse, e.g. "ABCD-EFGH-JKMN-PQRS"); a string that is not a valid
// verification code is hashed as it is.
func RevocationHash(code string) [32]byte {
	if c, err := vcode.Parse(code); err == nil {
		code = c
	}
	return sha256.Sum256([]byte(code))
}

// NewRevocationList returns the list of codes with DefaultPrefixLen-byte
// prefixes, sorted and without duplicates.
func NewRevocationList(version int64, issued, expires time.Time, codes []string) RevocationList {
	l := RevocationList{Version: version, Issued: issued, Expires: expires, PrefixLen: DefaultPrefixLen,
		Groups: make(map[byte][][]byte)}
	for _, c := range codes {
		h := RevocationHash(c)
		l.Groups[h[0]] = append(l.Groups[h[0]], bytes.Clone(h[:DefaultPrefixLen]))
	}
	for b, g := range l.Groups {
		slices.SortFunc(g, bytes.Compare)
		l.Groups[b] = slices.CompactFunc(g, bytes.Equal)
	}
	return l
}

// Len returns the number of prefixes in the list.
func (l *RevocationList) Len() int {
	n := 0
	for _, g := range l.Groups {
		n += len(g)
	}
	return n
}

// Contains reports whether code (in any form vcode.Parse accepts) is
// revoked, by binary search within its group. A false match needs a
// PrefixLen-byte collision of SHA-256.
func (l *RevocationList) Contains(code string) bool {
	if l == nil || l.PrefixLen < MinPrefixLen || l.PrefixLen > MaxPrefixLen {
		return false
	}
	h := RevocationHash(code)
	_, found := slices.BinarySearchFunc(l.Groups[h[0]], h[:l.PrefixLen], bytes.Compare)
	return found
}

// SignRevocationList returns l as a signed revocation list, in the same
// envelope as SignTrustList (content type
// "application/certa-revocation-list+cbor"). Groups are sorted and
// deduplicated; empty groups are left out.
//
// Errors: ErrListKeyType (kind errs.Internal) as for SignTrustList;
// errs.InvalidRequest for a list it will not encode (version < 1, dates,
// PrefixLen outside MinPrefixLen..MaxPrefixLen, a prefix of another
// length or in the wrong group, more than MaxRevocations prefixes, over
// MaxRevocationList bytes); errs.SigningFailed when the signer fails.
func SignRevocationList(l RevocationList, key crypto.Signer, chain []*x509.Certificate) ([]byte, error) {
	payload, err := encodeRevocationList(l)
	if err != nil {
		return nil, revocationListKind.invalid(err)
	}
	return signList(revocationListKind, payload, key, chain)
}

// encodeRevocationList checks l and returns its payload.
func encodeRevocationList(l RevocationList) ([]byte, error) {
	w := revWire{Version: l.Version, Issued: l.Issued.Unix(), Expires: l.Expires.Unix(), PrefixLen: l.PrefixLen,
		Groups: make(map[byte][]byte, len(l.Groups))}
	if err := checkListDates(w.Version, w.Issued, w.Expires); err != nil {
		return nil, err
	}
	if l.PrefixLen < MinPrefixLen || l.PrefixLen > MaxPrefixLen {
		return nil, errors.New("prefix length")
	}
	total := 0
	for b, g := range l.Groups {
		g = slices.Clone(g)
		slices.SortFunc(g, bytes.Compare)
		g = slices.CompactFunc(g, bytes.Equal)
		if total += len(g); total > MaxRevocations {
			return nil, errors.New("too many prefixes")
		}
		if len(g) == 0 {
			continue
		}
		flat := make([]byte, 0, len(g)*l.PrefixLen)
		for _, p := range g {
			if len(p) != l.PrefixLen || p[0] != b {
				return nil, errors.New("prefix of wrong length or group")
			}
			flat = append(flat, p...)
		}
		w.Groups[b] = flat
	}
	return listEncMode.Marshal(w)
}

// ParseRevocationList checks a signed revocation list and returns it; the
// checks and errors are those of ParseTrustList with "revocation list" in
// the public texts and ErrRevocationListExpired. Besides the envelope, it
// rejects a PrefixLen outside MinPrefixLen..MaxPrefixLen, an empty group,
// a group whose length is not a multiple of PrefixLen, a prefix in the
// wrong group, prefixes not strictly ascending and more than
// MaxRevocations prefixes.
func ParseRevocationList(data []byte, roots *x509.CertPool, now time.Time) (*RevocationList, error) {
	k := revocationListKind
	payload, err := parseList(k, data, roots, now)
	if err != nil {
		return nil, err
	}
	l, err := decodeRevocationList(payload)
	if err != nil {
		return nil, k.malformed(err)
	}
	if now.After(l.Expires) {
		return nil, k.expiredErr()
	}
	return l, nil
}

// decodeRevocationList decodes and checks a revocation list payload.
func decodeRevocationList(payload []byte) (*RevocationList, error) {
	var w revWire
	if err := decodeCanonical(payload, &w); err != nil {
		return nil, err
	}
	if err := checkListDates(w.Version, w.Issued, w.Expires); err != nil {
		return nil, err
	}
	n := w.PrefixLen
	if n < MinPrefixLen || n > MaxPrefixLen {
		return nil, errors.New("prefix length")
	}
	total := 0
	for _, flat := range w.Groups {
		if len(flat) == 0 || len(flat)%n != 0 {
			return nil, errors.New("group length")
		}
		if total += len(flat) / n; total > MaxRevocations {
			return nil, errors.New("too many prefixes")
		}
	}
	l := &RevocationList{Version: w.Version, Issued: listTime(w.Issued), Expires: listTime(w.Expires),
		PrefixLen: n, Groups: make(map[byte][][]byte, len(w.Groups))}
	for b, flat := range w.Groups {
		g := make([][]byte, len(flat)/n)
		for i := range g {
			p := flat[i*n : (i+1)*n : (i+1)*n]
			if p[0] != b || (i > 0 && bytes.Compare(g[i-1], p) >= 0) {
				return nil, errors.New("prefix in wrong group or not strictly ascending")
			}
			g[i] = p
		}
		l.Groups[b] = g
	}
	return l, nil
}

type revListJSON struct {
	Version   int64               `json:"version"`
	Issued    time.Time           `json:"issued"`
	Expires   time.Time           `json:"expires"`
	PrefixLen int                 `json:"prefix_len"`
	Count     int                 `json:"count"`
	Groups    map[string][]string `json:"groups"`
}

// MarshalJSON gives a view for humans: version, issued, expires (RFC
// 3339, UTC), prefix_len, count and groups, keyed by the group byte in
// two hex digits, each a list of hex prefixes. It is not the signed form.
func (l RevocationList) MarshalJSON() ([]byte, error) {
	v := revListJSON{Version: l.Version, Issued: l.Issued.UTC(), Expires: l.Expires.UTC(), PrefixLen: l.PrefixLen,
		Count: l.Len(), Groups: make(map[string][]string, len(l.Groups))}
	for b, g := range l.Groups {
		s := make([]string, len(g))
		for i, p := range g {
			s[i] = hex.EncodeToString(p)
		}
		v.Groups[hex.EncodeToString([]byte{b})] = s
	}
	return json.Marshal(v)
}
