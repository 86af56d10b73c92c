package verify

import (
	"bytes"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// What may follow a signed revision: incremental updates that only add a
// Document Security Store (ISO 32000-2 12.8.4.3, ETSI EN 319 142-1 5.4),
// as PAdES-B-LT validation data. See the package documentation for the
// rules; checkAppended enforces them.

// appendedResult is what checkAppended found after the signed revision.
type appendedResult struct {
	ok      bool // the appended bytes are DSS-only updates
	updates int  // how many
	// items counts the distinct /Certs, /CRLs and /OCSPs entries of the
	// DSS that the last update leaves in the catalog, when that DSS was
	// added after signing.
	items int
	// why says, for tests and debugging, why the bytes were refused. It
	// is not a public detail.
	why string
}

// Limits of checkAppended.
const (
	tailWindow  = 1024 // where the signed revision's startxref is looked for
	maxSections = 64   // cross-reference sections followed through /Prev
)

// signedRevision is what checkAppended reads of the signed bytes.
type signedRevision struct {
	startxref int      // offset of its newest xref section
	trailer   pdfValue // that section's trailer
	root      pdfValue // the trailer's /Root reference
	size      int      // the trailer's /Size
	catalog   pdfValue // the catalog dictionary
	// Canonical forms (see canonical) of what later trailers and
	// catalogs are compared with, computed once.
	rootCanon    []byte
	infoCanon    []byte // nil when the trailer has no /Info
	catalogCanon []byte // the catalog without /DSS
	dssCanon     []byte // the catalog's /DSS; nil when it has none
}

// checkAppended checks that data[end:] is one or more incremental updates
// that add validation data and change nothing else. end is where the
// signed revision ends, before the end of data.
func checkAppended(data []byte, end int) appendedResult {
	budget := newBudget(data)
	rev, ok := readSignedRevision(&pdfReader{b: data[:end], comments: true, budget: budget})
	if !ok {
		return appendedResult{why: "signed revision unreadable"}
	}
	r := &pdfReader{b: data, budget: budget} // no comments after signing
	dangling, ok := refsFrom(data[:end], rev.size)
	if !ok {
		return appendedResult{why: "signed revision unreadable"}
	}
	i := skipEOL(data, end)
	u := updater{rev: rev, state: map[int]pdfObject{}, prevXref: rev.startxref, prevSize: rev.size, dangling: dangling}
	var res appendedResult
	for {
		next, ok := u.update(r, i)
		if !ok {
			if u.why == "" {
				u.why = "syntax"
			}
			return appendedResult{why: u.why}
		}
		res.updates++
		i = skipEOL(data, next)
		if i == len(data) {
			break
		}
		if r.ws(i) == len(data) { // more than one end of line at the end
			return appendedResult{why: "trailing white space"}
		}
	}
	res.ok = true
	res.items = u.items()
	return res
}

// skipEOL skips one end-of-line marker at i, if there is one.
func skipEOL(data []byte, i int) int {
	switch {
	case bytes.HasPrefix(data[i:], []byte("\r\n")):
		return i + 2
	case i < len(data) && (data[i] == '\n' || data[i] == '\r'):
		return i + 1
	}
	return i
}

// readSignedRevision reads the newest trailer of r.b, which must end with
// "startxref N %%EOF", and the catalog. Only classic cross-reference
// tables are read.
func readSignedRevision(r *pdfReader) (signedRevision, bool) {
	var rev signedRevision
	b := r.b
	from := max(0, len(b)-tailWindow)
	k := bytes.LastIndex(b[from:], []byte("startxref"))
	if k < 0 {
		return rev, false
	}
	k += from
	i := r.ws(k + len("startxref"))
	off, i, ok := r.uintAt(i)
	if !ok {
		return rev, false
	}
	i = skipSpaces(b, i)
	if !bytes.HasPrefix(b[i:], []byte("%%EOF")) || skipSpaces(b, i+len("%%EOF")) != len(b) || off >= len(b) {
		return rev, false
	}
	rev.startxref = off
	sec, err := r.xref(off)
	if err != nil {
		return rev, false
	}
	rev.trailer = sec.trailer
	rev.root, ok = rev.trailer.get("Root")
	if !ok || rev.root.kind != pdfRef {
		return rev, false
	}
	if rev.size, ok = getUint(rev.trailer, "Size"); !ok || rev.size <= rev.root.num {
		return rev, false
	}
	// Encrypted and hybrid files are not handled.
	for _, key := range []string{"Encrypt", "XRefStm"} {
		if _, ok := rev.trailer.get(key); ok {
			return rev, false
		}
	}
	// Find the catalog in the newest section that lists it.
	seen := map[int]bool{off: true}
	for range maxSections {
		for _, e := range sec.entries {
			if e.num != rev.root.num {
				continue
			}
			if e.free || e.gen != rev.root.gen {
				return rev, false
			}
			o, err := r.object(e.off)
			if err != nil || o.num != e.num || o.gen != e.gen || o.isStream || o.val.kind != pdfDict {
				return rev, false
			}
			rev.catalog = o.val
			rev.rootCanon = canonical(nil, rev.root)
			if info, ok := rev.trailer.get("Info"); ok {
				rev.infoCanon = canonical(nil, info)
			}
			rev.catalogCanon = canonical(nil, without(rev.catalog, "DSS"))
			if dss, ok := rev.catalog.get("DSS"); ok {
				rev.dssCanon = canonical(nil, dss)
			}
			return rev, true
		}
		prev, ok := getUint(sec.trailer, "Prev")
		if !ok || seen[prev] || prev >= len(b) {
			return rev, false
		}
		seen[prev] = true
		if sec, err = r.xref(prev); err != nil {
			return rev, false
		}
	}
	return rev, false
}

// maxDangling bounds the distinct references beyond /Size that a signed
// revision may hold for checkAppended to read it.
const maxDangling = 1024

// refsFrom returns the object numbers of at least size in the references
// "num gen R" that appear in b as bytes (those inside compressed streams
// are not seen). A signed revision that refers to an object it does not
// define would show whatever an update defines under that number, so
// updates may not define them.
func refsFrom(b []byte, size int) (map[int]bool, bool) {
	out := map[int]bool{}
	for off := 0; ; {
		k := bytes.IndexByte(b[off:], 'R')
		if k < 0 {
			return out, true
		}
		k += off
		off = k + 1
		if k+1 < len(b) && !isSpace(b[k+1]) && !isDelimiter(b[k+1]) {
			continue
		}
		// Back over white space, the generation, white space, the number.
		j := k
		var num int
		ok := true
		for step := 0; step < 2 && ok; step++ {
			i := j
			for i > 0 && isSpace(b[i-1]) {
				i--
			}
			d := i
			for d > 0 && i-d <= maxDigits && b[d-1] >= '0' && b[d-1] <= '9' {
				d--
			}
			if i == j || d == i {
				ok = false
				break
			}
			num, ok = parseDecimal(string(b[d:i]))
			j = d
		}
		if !ok || num < size || (j > 0 && !isSpace(b[j-1]) && !isDelimiter(b[j-1])) {
			continue
		}
		out[num] = true
		if len(out) > maxDangling {
			return nil, false
		}
	}
}

func skipSpaces(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

func getUint(d pdfValue, key string) (int, bool) {
	v, ok := d.get(key)
	if !ok {
		return 0, false
	}
	return v.uint()
}

// updater checks the updates after a signed revision, one at a time.
type updater struct {
	rev      signedRevision
	state    map[int]pdfObject // objects defined after signing, newest definition
	prevXref int               // offset of the previous xref section
	prevSize int               // /Size of the previous trailer
	why      string            // why an update was refused
	// dangling holds the numbers, not below the signed revision's
	// /Size, that the signed bytes refer to.
	dangling map[int]bool
}

// no records why and returns false.
func (u *updater) no(why string) bool {
	if u.why == "" {
		u.why = why
	}
	return false
}

// update reads and checks the incremental update at i: objects, an xref
// section, a trailer, "startxref N" and "%%EOF". It returns the offset
// after "%%EOF".
func (u *updater) update(r *pdfReader, i int) (int, bool) {
	var objs []pdfObject
	for !r.keyword(i, "xref") {
		o, err := r.object(i)
		if err != nil {
			return i, false
		}
		objs = append(objs, o)
		i = r.ws(o.end)
		if i >= len(r.b) {
			return i, false
		}
	}
	if len(objs) == 0 {
		return i, u.no("update without objects")
	}
	xrefOff := i
	sec, err := r.xref(i)
	if err != nil {
		return i, false
	}
	i = r.ws(sec.end)
	if !r.keyword(i, "startxref") {
		return i, false
	}
	i = r.ws(i + len("startxref"))
	n, i, ok := r.uintAt(i)
	if !ok || n != xrefOff {
		return i, u.no("startxref")
	}
	i = skipSpaces(r.b, i)
	if !bytes.HasPrefix(r.b[i:], []byte("%%EOF")) {
		return i, false
	}
	i += len("%%EOF")

	size, ok := u.checkXref(objs, sec, xrefOff)
	if !ok {
		return i, false
	}
	for _, o := range objs {
		u.state[o.num] = o
	}
	for _, o := range objs {
		if !u.checkObject(o) {
			return i, false
		}
	}
	u.prevXref, u.prevSize = xrefOff, size
	return i, true
}

// checkXref checks that the section lists exactly the update's objects
// at their offsets (and at most a free entry for object 0), and that the
// trailer keeps the signed revision's /Root and /Info and chains to the
// previous section. It returns the trailer's /Size.
func (u *updater) checkXref(objs []pdfObject, sec xrefSection, xrefOff int) (int, bool) {
	byNum := make(map[int]pdfObject, len(objs))
	for _, o := range objs {
		if _, dup := byNum[o.num]; dup {
			return 0, u.no("object defined twice")
		}
		byNum[o.num] = o
	}
	listed := make(map[int]bool, len(objs))
	for _, e := range sec.entries {
		if e.free {
			if e.num != 0 || e.gen != maxGen {
				return 0, u.no("xref frees an object")
			}
			continue
		}
		o, ok := byNum[e.num]
		if !ok || listed[e.num] || o.gen != e.gen || o.off != e.off {
			return 0, u.no("xref entry for no object of the update")
		}
		listed[e.num] = true
	}
	if len(listed) != len(objs) {
		return 0, u.no("object missing from the xref")
	}

	t := sec.trailer
	for _, e := range t.entries {
		switch e.key {
		case "Size", "Root", "Prev", "Info", "ID":
		default:
			return 0, u.no("trailer key " + e.key)
		}
	}
	size, ok := getUint(t, "Size")
	if !ok || size < u.prevSize || size > maxObjNum+1 {
		return 0, u.no("trailer /Size")
	}
	for _, o := range objs {
		if o.num >= size {
			return 0, u.no("object number beyond /Size")
		}
	}
	if prev, ok := getUint(t, "Prev"); !ok || prev != u.prevXref || xrefOff <= prev {
		return 0, u.no("trailer /Prev")
	}
	root, _ := t.get("Root")
	if !bytes.Equal(canonical(nil, root), u.rev.rootCanon) {
		return 0, u.no("trailer /Root")
	}
	info, has := t.get("Info")
	if has != (u.rev.infoCanon != nil) || (has && !bytes.Equal(canonical(nil, info), u.rev.infoCanon)) {
		return 0, u.no("trailer /Info")
	}
	if id, ok := t.get("ID"); ok {
		if id.kind != pdfArray || len(id.items) != 2 || id.items[0].kind != pdfString || id.items[1].kind != pdfString {
			return 0, u.no("trailer /ID")
		}
	}
	return size, true
}

// oldDSS reports whether v is the /DSS value of the signed catalog.
func (u *updater) oldDSS(v pdfValue) bool {
	return u.rev.dssCanon != nil && bytes.Equal(canonical(nil, v), u.rev.dssCanon)
}

// checkObject checks one object defined after signing: the catalog with
// only /DSS changed, or a new DSS dictionary, VRI dictionary or stream of
// DER data.
func (u *updater) checkObject(o pdfObject) bool {
	root := u.rev.root
	switch {
	case o.num == root.num:
		if o.gen != root.gen || o.isStream || o.val.kind != pdfDict ||
			!bytes.Equal(canonical(nil, without(o.val, "DSS")), u.rev.catalogCanon) {
			return u.no("catalog changed beyond /DSS")
		}
		dss, ok := o.val.get("DSS")
		if !ok || u.oldDSS(dss) {
			return true
		}
		return u.dssValue(dss) || u.no("catalog /DSS")
	case o.num < u.rev.size:
		return u.no("signed object redefined")
	case u.dangling[o.num]:
		return u.no("new object referred to by the signed revision")
	case o.isStream:
		if len(o.val.entries) != 1 {
			return u.no("stream dictionary")
		}
		if !isDER(o.stream) {
			return u.no("stream not DER")
		}
		return !looksLikeSyntax(o.stream) || u.no("stream data looks like PDF syntax")
	case o.val.kind != pdfDict:
		return u.no("object neither dictionary nor stream")
	}
	typ, _ := o.val.get("Type")
	switch {
	case typ.isName("DSS"):
		return u.dssDict(o.val) || u.no("DSS dictionary")
	case typ.isName("VRI"):
		return u.vriDict(o.val) || u.no("VRI dictionary")
	}
	return u.no("object type")
}

// looksLikeSyntax reports whether b holds what a PDF reader rebuilding a
// damaged cross-reference table could take for an object or a trailer:
// "num gen obj" or "trailer". Real certificates, CRLs and OCSP responses
// practically never do; hiding a page in one would need it.
func looksLikeSyntax(b []byte) bool {
	if bytes.Contains(b, []byte("trailer")) {
		return true
	}
	for off := 0; ; {
		k := bytes.Index(b[off:], []byte("obj"))
		if k < 0 {
			return false
		}
		if objHeaderBefore(b, off+k) {
			return true
		}
		off += k + len("obj")
	}
}

// isDER reports whether b is exactly one DER SEQUENCE.
func isDER(b []byte) bool {
	s := cryptobyte.String(b)
	var seq cryptobyte.String
	return s.ReadASN1(&seq, asn1.SEQUENCE) && s.Empty()
}

// resolve returns the object a reference points to, if it was defined
// after signing.
func (u *updater) resolve(v pdfValue) (pdfObject, bool) {
	if v.kind != pdfRef || v.num < u.rev.size {
		return pdfObject{}, false
	}
	o, ok := u.state[v.num]
	if !ok || o.gen != v.gen {
		return pdfObject{}, false
	}
	return o, true
}

// dssValue checks the catalog's /DSS: a reference to a new DSS object, or
// a direct DSS dictionary.
func (u *updater) dssValue(v pdfValue) bool {
	if v.kind == pdfDict {
		return u.dssDict(v)
	}
	o, ok := u.resolve(v)
	if !ok || o.isStream || o.val.kind != pdfDict {
		return false
	}
	typ, _ := o.val.get("Type")
	return typ.isName("DSS")
}

// dssDict checks a DSS dictionary: /Type /DSS, /Certs, /CRLs and /OCSPs
// arrays of new streams, and a direct /VRI dictionary.
func (u *updater) dssDict(d pdfValue) bool {
	for _, e := range d.entries {
		switch e.key {
		case "Type":
			if !e.val.isName("DSS") {
				return false
			}
		case "Certs", "CRLs", "OCSPs":
			if !u.streamArray(e.val) {
				return false
			}
		case "VRI":
			if e.val.kind != pdfDict {
				return false
			}
			for _, vri := range e.val.entries {
				if !isVRIKey(vri.key) {
					return false
				}
				ok := false
				if vri.val.kind == pdfDict {
					ok = u.vriDict(vri.val)
				} else if o, found := u.resolve(vri.val); found && !o.isStream && o.val.kind == pdfDict {
					typ, _ := o.val.get("Type")
					ok = typ.isName("VRI")
				}
				if !ok {
					return false
				}
			}
		default:
			return false
		}
	}
	return true
}

// isVRIKey reports whether k is a /VRI key: the SHA-1 of a signature
// value in 40 upper-case hexadecimal digits (ETSI EN 319 142-1 5.4.2.2).
func isVRIKey(k string) bool {
	if len(k) != 40 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; (c < '0' || c > '9') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

// vriDict checks a VRI dictionary: /Type /VRI, /Cert, /CRL and /OCSP
// arrays of new streams, a /TU date and a /TS stream.
func (u *updater) vriDict(d pdfValue) bool {
	for _, e := range d.entries {
		ok := false
		switch e.key {
		case "Type":
			ok = e.val.isName("VRI")
		case "Cert", "CRL", "OCSP":
			ok = u.streamArray(e.val)
		case "TU":
			_, ok = parsePDFDate(e.val.str)
			ok = ok && e.val.kind == pdfString
		case "TS":
			ok = u.isStream(e.val)
		}
		if !ok {
			return false
		}
	}
	return true
}

// streamArray reports whether v is a direct array of references to new
// streams.
func (u *updater) streamArray(v pdfValue) bool {
	if v.kind != pdfArray {
		return false
	}
	for _, it := range v.items {
		if !u.isStream(it) {
			return false
		}
	}
	return true
}

func (u *updater) isStream(v pdfValue) bool {
	o, ok := u.resolve(v)
	return ok && o.isStream
}

// items counts the distinct entries of /Certs, /CRLs and /OCSPs in the
// DSS that the newest catalog holds, when it was added after signing.
func (u *updater) items() int {
	cat, ok := u.state[u.rev.root.num]
	if !ok {
		return 0
	}
	dss, ok := cat.val.get("DSS")
	if !ok {
		return 0
	}
	if u.oldDSS(dss) {
		return 0
	}
	if dss.kind == pdfRef {
		o, ok := u.resolve(dss)
		if !ok {
			return 0
		}
		dss = o.val
	}
	refs := map[[2]int]bool{}
	for _, key := range []string{"Certs", "CRLs", "OCSPs"} {
		arr, _ := dss.get(key)
		for _, it := range arr.items {
			refs[[2]int{it.num, it.gen}] = true
		}
	}
	return len(refs)
}
