package verify

import (
	"bytes"

	"certa.example/certa/internal/seal"
)

// Reading the Link annotations of one revision of a PDF, to find the QR
// seal's URL: the trailer, the classic cross-reference sections (through
// /Prev), the catalog, the page tree and each page's /Annots. Objects are
// read with pdfReader, whose budget keeps the work linear in the size of
// the revision; the page tree walk visits each object once.

// sealLink is a seal URL found in a Link annotation.
type sealLink struct {
	code    string // canonical, from the URL
	payload string // base45, unescaped
}

// Limits of findSealLinks.
const (
	maxSealLinks = 4     // distinct seal URLs collected
	maxPageNodes = 65536 // page tree nodes visited
)

// findSealLinks returns the distinct seal URLs (by code and payload) in the
// Link annotations of the pages of rev, a whole revision of a PDF: bytes
// that end with "startxref N %%EOF". It returns nil when there are none or
// when the revision cannot be read.
func findSealLinks(rev []byte) []sealLink {
	rr, ok := openRevision(rev)
	if !ok {
		return nil
	}
	var links []sealLink
	rr.eachPage(func(page pdfValue) bool {
		annots, ok := rr.resolve(page.get("Annots"))
		if !ok || annots.kind != pdfArray {
			return true
		}
		for _, item := range annots.items {
			uri, ok := rr.linkURI(item)
			if !ok {
				continue
			}
			code, payload, err := seal.ParseURL(uri)
			if err != nil {
				continue
			}
			l := sealLink{code: code, payload: payload}
			if !containsLink(links, l) {
				links = append(links, l)
				if len(links) == maxSealLinks {
					return false
				}
			}
		}
		return true
	})
	return links
}

func containsLink(links []sealLink, l sealLink) bool {
	for _, x := range links {
		if x == l {
			return true
		}
	}
	return false
}

// linkURI returns the URI of a Link annotation with a URI action.
func (rr *revisionReader) linkURI(v pdfValue) (string, bool) {
	a, ok := rr.resolve(v, true)
	if !ok || a.kind != pdfDict {
		return "", false
	}
	if st, _ := a.get("Subtype"); !st.isName("Link") {
		return "", false
	}
	act, ok := rr.resolve(a.get("A"))
	if !ok || act.kind != pdfDict {
		return "", false
	}
	if s, _ := act.get("S"); !s.isName("URI") {
		return "", false
	}
	uri, ok := rr.resolve(act.get("URI"))
	if !ok || uri.kind != pdfString {
		return "", false
	}
	return uri.str, true
}

// revisionReader reads the objects of one revision through its classic
// cross-reference tables.
type revisionReader struct {
	r       *pdfReader
	xref    map[int]xrefEntry // the newest entry of each object
	catalog pdfValue
	cache   map[int]pdfValue // objects read so far, by number
}

// openRevision reads the trailer, the cross-reference sections and the
// catalog of rev.
func openRevision(rev []byte) (*revisionReader, bool) {
	if len(rev) == 0 {
		return nil, false
	}
	r := &pdfReader{b: rev, comments: true, budget: newBudget(rev)}
	from := max(0, len(rev)-tailWindow)
	k := bytes.LastIndex(rev[from:], []byte("startxref"))
	if k < 0 {
		return nil, false
	}
	i := r.ws(from + k + len("startxref"))
	off, i, ok := r.uintAt(i)
	if !ok {
		return nil, false
	}
	i = skipSpaces(rev, i)
	if !bytes.HasPrefix(rev[i:], []byte("%%EOF")) || skipSpaces(rev, i+len("%%EOF")) != len(rev) || off >= len(rev) {
		return nil, false
	}
	rr := &revisionReader{r: r, xref: map[int]xrefEntry{}, cache: map[int]pdfValue{}}
	var trailer pdfValue
	seen := map[int]bool{}
	for n := 0; ; n++ {
		if n == maxSections || seen[off] {
			return nil, false
		}
		seen[off] = true
		sec, err := r.xref(off)
		if err != nil {
			return nil, false
		}
		// Encrypted and hybrid files are not handled.
		for _, key := range []string{"Encrypt", "XRefStm"} {
			if _, ok := sec.trailer.get(key); ok {
				return nil, false
			}
		}
		if n == 0 {
			trailer = sec.trailer
		}
		for _, e := range sec.entries {
			if _, ok := rr.xref[e.num]; !ok {
				rr.xref[e.num] = e
			}
		}
		prev, ok := getUint(sec.trailer, "Prev")
		if !ok {
			break
		}
		if prev >= len(rev) {
			return nil, false
		}
		off = prev
	}
	root, ok := trailer.get("Root")
	if !ok || root.kind != pdfRef {
		return nil, false
	}
	if rr.catalog, ok = rr.resolve(root, true); !ok || rr.catalog.kind != pdfDict {
		return nil, false
	}
	return rr, true
}

// resolve returns v, or the object v refers to. Its second argument is
// whether v was present at all (the second result of pdfValue.get), so
// that resolve(d.get(key)) reads naturally.
func (rr *revisionReader) resolve(v pdfValue, present bool) (pdfValue, bool) {
	if !present {
		return pdfValue{}, false
	}
	if v.kind != pdfRef {
		return v, true
	}
	if o, ok := rr.cache[v.num]; ok {
		return o, o.kind != pdfNull
	}
	rr.cache[v.num] = pdfValue{kind: pdfNull} // also stops cycles
	e, ok := rr.xref[v.num]
	if !ok || e.free || e.gen != v.gen {
		return pdfValue{}, false
	}
	o, err := rr.r.object(e.off)
	if err != nil || o.num != v.num || o.gen != v.gen || o.isStream {
		return pdfValue{}, false
	}
	rr.cache[v.num] = o.val
	return o.val, true
}

// eachPage calls visit with the dictionary of each page, in no particular
// order, until visit returns false. Nodes are visited once each; a node
// with /Kids is an inner node, any other dictionary a page.
func (rr *revisionReader) eachPage(visit func(page pdfValue) bool) {
	pages, ok := rr.catalog.get("Pages")
	if !ok {
		return
	}
	stack := []pdfValue{pages}
	for nodes := 0; len(stack) > 0 && nodes < maxPageNodes; nodes++ {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if v.kind == pdfRef {
			if _, seen := rr.cache[v.num]; seen {
				continue
			}
		}
		node, ok := rr.resolve(v, true)
		if !ok || node.kind != pdfDict {
			continue
		}
		if kids, ok := rr.resolve(node.get("Kids")); ok {
			if kids.kind == pdfArray {
				stack = append(stack, kids.items...)
			}
			continue
		}
		if !visit(node) {
			return
		}
	}
}
