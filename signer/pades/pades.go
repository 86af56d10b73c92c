package pades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Level is a PAdES baseline level (ETSI EN 319 142-1).
type Level int

// Levels this package produces. B-LTA is out of scope.
const (
	BB  Level = iota + 1 // PAdES-B-B: CMS signature, signing certificate bound
	BT                   // PAdES-B-T: plus a signature timestamp
	BLT                  // PAdES-B-LT: plus validation data in a DSS (AddDSS)
)

func (l Level) String() string {
	switch l {
	case BB:
		return "B-B"
	case BT:
		return "B-T"
	case BLT:
		return "B-LT"
	}
	return "Level(" + strconv.Itoa(int(l)) + ")"
}

// Options configures a Signer.
type Options struct {
	// Signer is the key. It may be a PKCS#11 key: Sign calls it exactly
	// once per document, always with non-nil options (the crypto.Hash,
	// or *rsa.PSSOptions for RSA-PSS).
	Signer crypto.Signer
	// Chain is the signing certificate followed by its issuers; all of
	// it goes into the CMS.
	Chain []*x509.Certificate
	// Hash is the digest algorithm: SHA-256 (default), SHA-384 or SHA-512.
	Hash crypto.Hash
	// RSAPSS selects RSASSA-PSS (salt length = hash length) for RSA keys
	// instead of PKCS#1 v1.5.
	RSAPSS bool
	// Name, Location, Reason and ContactInfo go into the signature
	// dictionary as PDF text strings; empty ones are left out.
	Name, Location, Reason, ContactInfo string
	// FieldName is the signature field's partial name (/T), "Sigillo" by
	// default. When the document already has a field of that name, a
	// suffix "_2", "_3", ... makes it unique.
	FieldName string
	// DocMDP 1, 2 or 3 makes a certification signature allowing no
	// changes, form filling and signing, or also annotations; 0 makes
	// an approval signature.
	DocMDP int
	// Timestamp, if set, makes B-T signatures: it receives the signature
	// value and returns a DER RFC 3161 TimeStampToken over it, stored as
	// the unsigned attribute id-aa-signatureTimeStampToken.
	Timestamp func(ctx context.Context, signatureValue []byte) ([]byte, error)
	// TimestampReserve is the space, in bytes, reserved for the token
	// (default 6 KiB, at most 1 MiB).
	TimestampReserve int
}

// DefaultFieldName is the signature field name used when Options.FieldName is empty.
const DefaultFieldName = "Sigillo"

const (
	defaultTimestampReserve = 6 << 10
	maxTimestampReserve     = 1 << 20
)

// Signer signs PDFs with one key. It is safe for concurrent use.
type Signer struct {
	key       crypto.Signer
	opts      crypto.SignerOpts
	cms       *cmsTemplate
	field     string
	docMDP    int
	timestamp func(context.Context, []byte) ([]byte, error)
	reserve   int    // bytes reserved for the DER CMS
	sigTail   []byte // signature dictionary after /M
	zeros     []byte // 2*reserve '0' characters
}

// NewSigner checks o and precomputes everything that does not depend on
// the document.
func NewSigner(o Options) (*Signer, error) {
	if o.Signer == nil || len(o.Chain) == 0 {
		return nil, errors.New("pades: a signer and a certificate chain are required")
	}
	for i, c := range o.Chain {
		if c == nil {
			return nil, fmt.Errorf("pades: chain certificate %d is nil", i)
		}
		if i > 0 {
			if err := o.Chain[i-1].CheckSignatureFrom(c); err != nil {
				return nil, fmt.Errorf("pades: chain certificate %d is not issued by certificate %d: %w", i-1, i, err)
			}
		}
	}
	leaf := o.Chain[0]
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if pk, ok := o.Signer.Public().(equaler); !ok || !pk.Equal(leaf.PublicKey) {
		return nil, fmt.Errorf("pades: the key does not match certificate %q", leaf.Subject)
	}
	if leaf.IsCA {
		return nil, fmt.Errorf("pades: certificate %q is a CA certificate; verifiers reject it as a signer", leaf.Subject)
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return nil, fmt.Errorf("pades: certificate %q does not allow signatures", leaf.Subject)
	}
	if k, ok := o.Signer.Public().(*rsa.PublicKey); ok && k.N.BitLen() < 2048 {
		return nil, errors.New("pades: RSA keys must have at least 2048 bits")
	}
	if o.Hash == 0 {
		o.Hash = crypto.SHA256
	}
	tmpl, err := newCMSTemplate(o.Signer.Public(), o.Chain, o.Hash, o.RSAPSS)
	if err != nil {
		return nil, fmt.Errorf("pades: %w", err)
	}
	s := &Signer{key: o.Signer, opts: o.Hash, cms: tmpl, field: o.FieldName, docMDP: o.DocMDP, timestamp: o.Timestamp}
	if o.RSAPSS {
		s.opts = &rsa.PSSOptions{SaltLength: o.Hash.Size(), Hash: o.Hash}
	}
	if s.field == "" {
		s.field = DefaultFieldName
	}
	if strings.Contains(s.field, ".") {
		return nil, errors.New("pades: FieldName must not contain a period")
	}
	if o.DocMDP < 0 || o.DocMDP > 3 {
		return nil, errors.New("pades: DocMDP must be 0, 1, 2 or 3")
	}
	tsReserve := 0
	if o.Timestamp != nil {
		tsReserve = o.TimestampReserve
		if tsReserve == 0 {
			tsReserve = defaultTimestampReserve
		}
		if tsReserve < 0 || tsReserve > maxTimestampReserve {
			return nil, fmt.Errorf("pades: TimestampReserve must be between 1 and %d", maxTimestampReserve)
		}
	}
	// The exact maximum, plus room for longer DER lengths around a token
	// shorter than its reserve.
	s.reserve = tmpl.maxCMS(tsReserve) + 16
	s.zeros = bytes.Repeat([]byte{'0'}, 2*s.reserve)

	// Check the field name encodes, then build the static dictionary tail.
	if _, err := appendText(nil, s.field); err != nil {
		return nil, fmt.Errorf("pades: FieldName: %w", err)
	}
	for _, t := range []struct{ key, val string }{
		{"Name", o.Name}, {"Location", o.Location}, {"Reason", o.Reason}, {"ContactInfo", o.ContactInfo},
	} {
		if t.val == "" {
			continue
		}
		s.sigTail = append(s.sigTail, " /"+t.key+" "...)
		if s.sigTail, err = appendText(s.sigTail, t.val); err != nil {
			return nil, fmt.Errorf("pades: %s: %w", t.key, err)
		}
	}
	if o.DocMDP > 0 {
		s.sigTail = append(s.sigTail, " /Reference [<</Type /SigRef /TransformMethod /DocMDP /TransformParams <</Type /TransformParams /P "...)
		s.sigTail = strconv.AppendInt(s.sigTail, int64(o.DocMDP), 10)
		s.sigTail = append(s.sigTail, " /V /1.2>>>>]"...)
	}
	s.sigTail = append(s.sigTail, ">>"...)
	return s, nil
}

// Level is the level of the signatures s makes: BB, or BT with a
// Timestamp function.
func (s *Signer) Level() Level {
	if s.timestamp != nil {
		return BT
	}
	return BB
}

// ReservedBytes is the size of the /Contents placeholder in bytes (it
// takes twice as many hex digits in the file).
func (s *Signer) ReservedBytes() int { return s.reserve }

// byteRangeWidth is the space between the brackets of /ByteRange: "0 "
// and three numbers of up to ten digits with their separators.
const byteRangeWidth = 2 + 3*10 + 2

// Sign returns pdf followed by one incremental update that adds an
// invisible signature field signed at time at (the dictionary's /M).
// pdf is not modified. The signature covers the whole result except the
// /Contents value.
func (s *Signer) Sign(ctx context.Context, pdf []byte, at time.Time) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if at.IsZero() {
		return nil, errors.New("pades: signing time is zero")
	}
	d, err := openDoc(pdf)
	if err != nil {
		return nil, fmt.Errorf("pades: %w", err)
	}
	p, err := s.plan(d)
	if err != nil {
		return nil, fmt.Errorf("pades: %w", err)
	}
	out, gap, err := s.write(d, p, at)
	if err != nil {
		return nil, fmt.Errorf("pades: %w", err)
	}

	h := s.cms.hash.New()
	h.Write(out[:gap.s])
	h.Write(out[gap.e:])
	attrs := s.cms.signedAttrs(h.Sum(nil))
	sig, err := s.key.Sign(rand.Reader, s.cms.attrsDigest(attrs), s.opts)
	if err != nil {
		return nil, fmt.Errorf("pades: signing: %w", err)
	}
	if len(sig) == 0 || len(sig) > s.cms.maxSig {
		return nil, fmt.Errorf("pades: the key returned a %d-byte signature, at most %d expected", len(sig), s.cms.maxSig)
	}
	var token []byte
	if s.timestamp != nil {
		if token, err = s.timestamp(ctx, bytes.Clone(sig)); err != nil {
			return nil, fmt.Errorf("pades: timestamp: %w", err)
		}
		if err := checkToken(token, sig); err != nil {
			return nil, fmt.Errorf("pades: %w", err)
		}
	}
	cms := s.cms.appendCMS(make([]byte, 0, s.reserve), attrs, sig, token)
	if len(cms) > s.reserve {
		return nil, fmt.Errorf("pades: the signature needs %d bytes but %d are reserved; raise TimestampReserve", len(cms), s.reserve)
	}
	dst := out[gap.s+1:]
	for i, c := range cms {
		dst[2*i], dst[2*i+1] = hexUpper[c>>4], hexUpper[c&15]
	}
	return out, nil
}

// plan is what Sign read from the document and will rewrite.
type plan struct {
	cat     dict
	page    dict
	pageRef ref
	acro    dict // the existing /AcroForm, if any
	acroRef ref  // its object, when indirect
	hasAcro bool
	acroInd bool
	fields  slot
	annots  slot
	name    string // the new field's name
}

// plan reads the catalog, page 1 and the form, and picks the field name.
func (s *Signer) plan(d *doc) (*plan, error) {
	p := &plan{}
	var err error
	if p.cat, err = d.dictObject(d.root); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if !p.cat.nameValue("Type", "Catalog") {
		return nil, errors.New("trailer /Root is not a /Catalog")
	}
	if p.pageRef, p.page, err = d.firstPage(p.cat); err != nil {
		return nil, err
	}
	if p.annots, err = d.arraySlot(p.page, "Annots"); err != nil {
		return nil, fmt.Errorf("page 1: %w", err)
	}
	if e, ok := p.cat.get("AcroForm"); ok && e.k != kNull {
		p.hasAcro = true
		switch e.k {
		case kDict:
			p.acro, err = parseDict(d.b, e.val)
		case kRef:
			p.acroInd = true
			if p.acroRef, err = parseRef(p.cat.raw(e.val)); err == nil {
				p.acro, err = d.dictObject(p.acroRef)
			}
		default:
			err = errors.New("not a dictionary")
		}
		if err != nil {
			return nil, fmt.Errorf("/AcroForm: %w", err)
		}
		if p.fields, err = d.arraySlot(p.acro, "Fields"); err != nil {
			return nil, fmt.Errorf("/AcroForm: %w", err)
		}
	}
	if err := s.checkPerms(d, p.cat); err != nil {
		return nil, err
	}
	// Existing top-level field names, and whether any is a signature.
	var names []string
	sigs := 0
	err = p.fields.items(d.b, func(v span, k kind) error {
		if len(names) >= maxFields {
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
		if f.nameValue("FT", "Sig") {
			sigs++
		}
		if e, ok := f.get("T"); ok {
			t, err := decodeString(f.raw(e.val), e.k)
			if err != nil {
				return fmt.Errorf("form field %d /T: %w", r.num, err)
			}
			names = append(names, textString(t))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if s.docMDP > 0 && sigs > 0 {
		return nil, errors.New("a certification signature must be the document's first signature")
	}
	p.name = s.field
	for n := 2; containsString(names, p.name); n++ {
		p.name = s.field + "_" + strconv.Itoa(n)
	}
	return p, nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// checkPerms refuses a certification signature on a document that has
// permissions already, and any signature on a document certified with
// "no changes allowed" (DocMDP P=1).
func (s *Signer) checkPerms(d *doc, cat dict) error {
	e, ok := cat.get("Perms")
	if !ok {
		return nil
	}
	if s.docMDP > 0 {
		return errors.New("the document already has /Perms: a certification signature must be the first signature")
	}
	if e.k != kDict {
		return errors.New("catalog /Perms is not a dictionary")
	}
	perms, err := parseDict(d.b, e.val)
	if err != nil {
		return fmt.Errorf("/Perms: %w", err)
	}
	r, ok, err := perms.getRef("DocMDP")
	if err != nil || !ok {
		return err
	}
	sig, err := d.dictObject(r)
	if err != nil {
		return fmt.Errorf("/Perms /DocMDP: %w", err)
	}
	refs, ok := sig.get("Reference")
	if !ok || refs.k != kArray {
		return nil
	}
	return arrayItems(d.b, refs.val, func(v span, k kind) error {
		if k != kDict {
			return nil
		}
		sr, err := parseDict(d.b, v)
		if err != nil || !sr.nameValue("TransformMethod", "DocMDP") {
			return err
		}
		tp, ok := sr.get("TransformParams")
		if !ok || tp.k != kDict {
			return nil
		}
		params, err := parseDict(d.b, tp.val)
		if err != nil {
			return err
		}
		if p, ok, _ := params.getInt("P"); ok && p == 1 {
			return errors.New("the document is certified with DocMDP P=1: no further signatures are allowed")
		}
		return nil
	})
}

// write lays out the incremental update with a zero-filled /Contents
// placeholder and the final /ByteRange, and returns the output and the
// span of the /Contents hex string, angle brackets included.
func (s *Signer) write(d *doc, p *plan, at time.Time) ([]byte, span, error) {
	sigRef := ref{d.size, 0}
	widget := ref{d.size + 1, 0}
	appearance := ref{d.size + 2, 0}
	size := d.size + 3
	extra := len(s.zeros) + len(s.sigTail) + 1024 + 2*len(p.name) +
		(p.cat.sp.e - p.cat.sp.s) + (p.page.sp.e - p.page.sp.s) + (p.acro.sp.e - p.acro.sp.s) +
		p.fields.rawLen() + p.annots.rawLen()
	u := newUpdate(d.b, extra)

	// The signature dictionary.
	u.begin(sigRef.num, sigRef.gen)
	u.out = append(u.out, "<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange ["...)
	br := len(u.out)
	for i := 0; i < byteRangeWidth; i++ {
		u.out = append(u.out, ' ')
	}
	u.out = append(u.out, "] /Contents "...)
	gap := span{s: len(u.out)}
	u.out = append(u.out, '<')
	u.out = append(u.out, s.zeros...)
	u.out = append(u.out, '>')
	gap.e = len(u.out)
	u.out = append(u.out, " /M "...)
	var err error
	if u.out, err = appendDate(u.out, at); err != nil {
		return nil, span{}, err
	}
	u.out = append(u.out, s.sigTail...)
	u.end()

	// The field and its widget, merged in one dictionary.
	u.begin(widget.num, widget.gen)
	u.out = append(u.out, "<</Type /Annot /Subtype /Widget /FT /Sig /Rect [0 0 0 0] /F 132 /T "...)
	if u.out, err = appendText(u.out, p.name); err != nil {
		return nil, span{}, err
	}
	u.out = append(u.out, " /V "...)
	u.out = appendRef(u.out, sigRef, " R /P ")
	u.out = appendRef(u.out, p.pageRef, " R /AP <</N ")
	u.out = appendRef(u.out, appearance, " R>>>>")
	u.end()

	// An empty appearance: PDF/A-2 (6.3.3) wants one on every widget.
	u.begin(appearance.num, appearance.gen)
	u.out = append(u.out, "<</Type /XObject /Subtype /Form /BBox [0 0 0 0] /Length 0>>\nstream\n\nendstream"...)
	u.end()

	// The form: in the catalog, or its own object.
	acroBody := func() {
		u.out = append(u.out, "<<"...)
		u.out = copyEntries(u.out, p.acro, "Fields", "SigFlags")
		u.out = append(u.out, " /Fields "...)
		u.out = p.fields.appendValue(u.out, d.b, widget)
		u.out = append(u.out, " /SigFlags 3>>"...)
	}
	if !p.acroInd || s.docMDP > 0 {
		u.begin(d.root.num, d.root.gen)
		u.out = append(u.out, "<<"...)
		if p.acroInd {
			u.out = copyEntries(u.out, p.cat)
		} else {
			u.out = copyEntries(u.out, p.cat, "AcroForm")
			u.out = append(u.out, " /AcroForm "...)
			acroBody()
		}
		if s.docMDP > 0 {
			u.out = append(u.out, " /Perms <</DocMDP "...)
			u.out = appendRef(u.out, sigRef, " R>>")
		}
		u.out = append(u.out, " >>"...)
		u.end()
	}
	if p.acroInd {
		u.begin(p.acroRef.num, p.acroRef.gen)
		acroBody()
		u.end()
	}
	if p.fields.indirect {
		u.begin(p.fields.ref.num, p.fields.ref.gen)
		u.out = p.fields.appendArray(u.out, d.b, widget)
		u.end()
	}

	// Page 1 gets the widget in /Annots.
	if p.annots.indirect {
		u.begin(p.annots.ref.num, p.annots.ref.gen)
		u.out = p.annots.appendArray(u.out, d.b, widget)
		u.end()
	} else {
		u.begin(p.pageRef.num, p.pageRef.gen)
		u.out = append(u.out, "<<"...)
		u.out = copyEntries(u.out, p.page, "Annots")
		u.out = append(u.out, " /Annots "...)
		u.out = p.annots.appendArray(u.out, d.b, widget)
		u.out = append(u.out, " >>"...)
		u.end()
	}
	if err := u.finish(d, size); err != nil {
		return nil, span{}, err
	}

	// Now every offset is known: fill in /ByteRange.
	n := len(u.out)
	if n > 9999999999 {
		return nil, span{}, errors.New("document too large")
	}
	var brBuf [byteRangeWidth]byte
	v := append(brBuf[:0], "0 "...)
	v = strconv.AppendInt(v, int64(gap.s), 10)
	v = append(v, ' ')
	v = strconv.AppendInt(v, int64(gap.e), 10)
	v = append(v, ' ')
	v = strconv.AppendInt(v, int64(n-gap.e), 10)
	copy(u.out[br:], v)
	return u.out, gap, nil
}
