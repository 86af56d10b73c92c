package pades

import (
	"bytes"
	"crypto/sha1"
	"crypto/x509"
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Validation is the data a verifier needs to validate a signature later
// without going online: the certificates of the signer's and the TSA's
// chains, and revocation data for them.
type Validation struct {
	Certs []*x509.Certificate
	CRLs  [][]byte // DER CertificateList
	OCSPs [][]byte // DER OCSPResponse (the full response, not BasicOCSPResponse)
}

var errNoSignature = errors.New("the document has no signature field with a signature")

// maxDSSItems bounds the validation data of one AddDSS call.
const maxDSSItems = 1000

// AddDSS turns the newest signature of signed into PAdES-B-LT: it returns
// signed followed by an incremental update that adds v to the catalog's
// Document Security Store (/DSS, ISO 32000-2 12.8.4.3): one stream per
// distinct certificate, CRL and OCSP response in /Certs, /CRLs and /OCSPs,
// and a /VRI entry for the signature keyed by the upper-case hex SHA-1 of
// its /Contents bytes (ETSI EN 319 142-1, 5.4.2.2). An existing DSS is
// extended; its streams are kept as they are, not compared with v.
// The signature stays valid, but no longer covers the whole file.
func AddDSS(signed []byte, v Validation) ([]byte, error) {
	out, err := addDSS(signed, v)
	if err != nil {
		return nil, fmt.Errorf("pades: AddDSS: %w", err)
	}
	return out, nil
}

func addDSS(signed []byte, v Validation) ([]byte, error) {
	var certs, crls, ocsps [][]byte
	for i, c := range v.Certs {
		if c == nil || len(c.Raw) == 0 {
			return nil, fmt.Errorf("certificate %d is empty", i)
		}
		certs = appendUnique(certs, c.Raw)
	}
	for i, c := range v.CRLs {
		if !isDERSequence(c) {
			return nil, fmt.Errorf("CRL %d is not a DER SEQUENCE", i)
		}
		crls = appendUnique(crls, c)
	}
	for i, o := range v.OCSPs {
		if !isDERSequence(o) {
			return nil, fmt.Errorf("OCSP response %d is not a DER SEQUENCE", i)
		}
		ocsps = appendUnique(ocsps, o)
	}
	total := len(certs) + len(crls) + len(ocsps)
	if total == 0 {
		return nil, errors.New("no validation data")
	}
	if total > maxDSSItems {
		return nil, fmt.Errorf("more than %d validation items", maxDSSItems)
	}

	d, err := openDoc(signed)
	if err != nil {
		return nil, err
	}
	cat, err := d.dictObject(d.root)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if !cat.nameValue("Type", "Catalog") {
		return nil, errors.New("trailer /Root is not a /Catalog")
	}
	vriKey, err := d.newestSignatureKey(cat)
	if err != nil {
		return nil, err
	}

	// The existing DSS, if any.
	var dss dict
	var oldCerts, oldCRLs, oldOCSPs slot
	var oldVRI dict
	if e, ok := cat.get("DSS"); ok && e.k != kNull {
		switch e.k {
		case kDict:
			dss, err = parseDict(d.b, e.val)
		case kRef:
			var r ref
			if r, err = parseRef(cat.raw(e.val)); err == nil {
				dss, err = d.dictObject(r)
			}
		default:
			err = errors.New("not a dictionary")
		}
		if err != nil {
			return nil, fmt.Errorf("/DSS: %w", err)
		}
		if oldCerts, err = d.arraySlot(dss, "Certs"); err == nil {
			if oldCRLs, err = d.arraySlot(dss, "CRLs"); err == nil {
				oldOCSPs, err = d.arraySlot(dss, "OCSPs")
			}
		}
		if err != nil {
			return nil, fmt.Errorf("/DSS: %w", err)
		}
		if oldVRI, err = d.dictValue(dss, "VRI"); err != nil {
			return nil, fmt.Errorf("/DSS: %w", err)
		}
	}

	extra := 2048 + (cat.sp.e - cat.sp.s) + (dss.sp.e - dss.sp.s) + (oldVRI.sp.e - oldVRI.sp.s) +
		oldCerts.rawLen() + oldCRLs.rawLen() + oldOCSPs.rawLen()
	for _, l := range [][][]byte{certs, crls, ocsps} {
		for _, b := range l {
			extra += len(b) + 128
		}
	}
	u := newUpdate(d.b, extra)
	next := d.size
	streams := func(items [][]byte) []ref {
		refs := make([]ref, len(items))
		for i, b := range items {
			refs[i] = ref{next, 0}
			u.begin(next, 0)
			u.out = append(u.out, "<</Length "...)
			u.out = strconv.AppendInt(u.out, int64(len(b)), 10)
			u.out = append(u.out, ">>\nstream\n"...)
			u.out = append(u.out, b...)
			u.out = append(u.out, "\nendstream"...)
			u.end()
			next++
		}
		return refs
	}
	certRefs, crlRefs, ocspRefs := streams(certs), streams(crls), streams(ocsps)

	dssRef := ref{next, 0}
	next++
	u.begin(dssRef.num, dssRef.gen)
	u.out = append(u.out, "<<"...)
	u.out = copyEntries(u.out, dss, "Type", "Certs", "CRLs", "OCSPs", "VRI")
	u.out = append(u.out, " /Type /DSS"...)
	for _, a := range []struct {
		key  string
		old  slot
		refs []ref
	}{{"Certs", oldCerts, certRefs}, {"CRLs", oldCRLs, crlRefs}, {"OCSPs", oldOCSPs, ocspRefs}} {
		if a.old.present || len(a.refs) > 0 {
			u.out = append(u.out, " /"+a.key+" "...)
			u.out = a.old.appendArray(u.out, d.b, a.refs...)
		}
	}
	u.out = append(u.out, " /VRI <<"...)
	u.out = copyEntries(u.out, oldVRI, vriKey)
	u.out = append(u.out, " /"+vriKey+" <</Type /VRI"...)
	for _, a := range []struct {
		key  string
		refs []ref
	}{{"Cert", certRefs}, {"CRL", crlRefs}, {"OCSP", ocspRefs}} {
		if len(a.refs) > 0 {
			u.out = append(u.out, " /"+a.key+" "...)
			u.out = slot{}.appendArray(u.out, d.b, a.refs...)
		}
	}
	u.out = append(u.out, ">> >> >>"...)
	u.end()

	u.begin(d.root.num, d.root.gen)
	u.out = append(u.out, "<<"...)
	u.out = copyEntries(u.out, cat, "DSS")
	u.out = append(u.out, " /DSS "...)
	u.out = appendRef(u.out, dssRef, " R >>")
	u.end()
	if err := u.finish(d, next); err != nil {
		return nil, err
	}
	return u.out, nil
}

// appendUnique appends b unless list holds it already.
func appendUnique(list [][]byte, b []byte) [][]byte {
	for _, v := range list {
		if bytes.Equal(v, b) {
			return list
		}
	}
	return append(list, b)
}

// isDERSequence reports whether b is exactly one ASN.1 SEQUENCE.
func isDERSequence(b []byte) bool {
	s := cryptobyte.String(b)
	var seq cryptobyte.String
	return s.ReadASN1(&seq, cbasn1.SEQUENCE) && s.Empty()
}

// dictValue returns the dictionary under key, direct or indirect; an
// empty dict when missing.
func (d *doc) dictValue(dc dict, key string) (dict, error) {
	e, ok := dc.get(key)
	switch {
	case !ok || e.k == kNull:
		return dict{}, nil
	case e.k == kDict:
		return parseDict(d.b, e.val)
	case e.k == kRef:
		r, err := parseRef(dc.raw(e.val))
		if err != nil {
			return dict{}, err
		}
		return d.dictObject(r)
	}
	return dict{}, fmt.Errorf("/%s is not a dictionary", key)
}

// newestSignatureKey finds the signature whose byte range reaches
// furthest among the form's top-level signature fields and returns its
// VRI key. A signature value that does not parse (another producer's) is
// skipped: it cannot be the newest one, which this package wrote.
func (d *doc) newestSignatureKey(cat dict) (string, error) {
	acro, err := d.dictValue(cat, "AcroForm")
	if err != nil {
		return "", err
	}
	fields, err := d.arraySlot(acro, "Fields")
	if err != nil {
		return "", fmt.Errorf("/AcroForm: %w", err)
	}
	var contents []byte
	best, n := -1, 0
	err = fields.items(d.b, func(v span, k kind) error {
		if n++; n > maxFields {
			return errors.New("too many form fields")
		}
		if k != kRef {
			return errors.New("/Fields holds a non-reference")
		}
		r, err := parseRef(d.b[v.s:v.e])
		if err != nil {
			return err
		}
		f, err := d.dictObject(r)
		if err != nil {
			return fmt.Errorf("form field: %w", err)
		}
		if !f.nameValue("FT", "Sig") {
			return nil
		}
		sr, ok, err := f.getRef("V")
		if err != nil || !ok {
			return err // an unsigned signature field is skipped
		}
		sig, err := d.dictObject(sr)
		if err != nil {
			return nil // unreadable: skipped
		}
		br, ok := sig.get("ByteRange")
		c, okc := sig.get("Contents")
		if !ok || !okc || br.k != kArray || (c.k != kHex && c.k != kString) {
			return nil // not a signature value: skipped
		}
		var nums []int
		err = arrayItems(d.b, br.val, func(v span, k kind) error {
			n, end, err := parseUint(d.b, v.s)
			if err != nil || k != kNumber || end != v.e || len(nums) == 4 {
				return errors.New("bad /ByteRange")
			}
			nums = append(nums, n)
			return nil
		})
		if err != nil || len(nums) != 4 {
			return nil // skipped
		}
		if end := nums[2] + nums[3]; end > best {
			if decoded, err := decodeString(sig.raw(c.val), c.k); err == nil {
				best, contents = end, decoded
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if best < 0 {
		return "", errNoSignature
	}
	sum := sha1.Sum(contents)
	key := make([]byte, 0, 40)
	for _, c := range sum {
		key = append(key, hexUpper[c>>4], hexUpper[c&15])
	}
	return string(key), nil
}
