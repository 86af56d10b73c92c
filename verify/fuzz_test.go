package verify

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"runtime"
	"testing"
	"time"

	"certa.example/certa/internal/errs"
)

// FuzzVerifyPDF checks that VerifyPDF never panics, returns only NotPDF
// errors, reports every check once in the documented order with a known
// status and both messages, and says valid only for a file that is byte
// for byte one the ledger holds, and shows seal claims only when the
// qr-seal check passed.
func FuzzVerifyPDF(f *testing.F) {
	fx := newFixture(f)
	v := fx.verifier()
	sig := findSignature(fx.issued)

	f.Add(fx.issued)
	f.Add(fx.twice)
	f.Add(fx.unsignedMarked)
	f.Add(appendUpdate(fx.issued))
	f.Add(fx.issued[:len(fx.issued)-100])
	f.Add(bytes.Replace(fx.issued, []byte("/CreationDate (D:2"), []byte("/CreationDate (D:1"), 1))
	f.Add(fx.issued[:sig.c+10])
	f.Add(withSignatureValue(f, fx.issued, nestedDER(300)))
	f.Add([]byte("%PDF-1.7\n/ByteRange [0 1 3 1]/Contents<>%%EOF"))
	f.Add([]byte("%PDF-1.7\n/Contents<3003020101>/ByteRange [0 18 30 16] %%EOF"))
	// PAdES: B-B, B-T, B-LT with one and two DSS updates, RSA-PSS, and
	// B-LT followed by an update that DSS-only rules refuse.
	f.Add(fx.padesBB)
	f.Add(fx.padesBT)
	f.Add(fx.padesBLT)
	f.Add(fx.padesBLT2)
	f.Add(fx.padesPSS)
	f.Add(appendUpdate(fx.padesBLT))
	// QR seal links: signed with one, a separate seal certificate, an
	// unsigned page with two, and a minimal revision with one whose page
	// tree the fuzzer can easily bend.
	f.Add(fx.sealed)
	f.Add(fx.sealedQR)
	f.Add(renderSealed(f, "", fx.sealedURL, sealURL(f, fx.qr, sealClaims(unknownCode, fx.now))))
	f.Add(minimalSealed(fx.sealedURL))

	issued := fx.ledger().bySum
	known := map[Verdict]bool{Valid: true, Invalid: true, Revoked: true, Expired: true, Unknown: true, Indeterminate: true, NotCerta: true}

	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := verifyWithin(t, v, data, 10*time.Second)
		if err != nil {
			if errs.KindOf(err) != errs.NotPDF {
				t.Fatalf("err = %v, want kind not-a-pdf", err)
			}
			return
		}
		if !known[r.Verdict] {
			t.Fatalf("verdict = %q", r.Verdict)
		}
		switch r.Level {
		case "", LevelBB, LevelBT, LevelBLT:
		default:
			t.Fatalf("level = %q", r.Level)
		}
		wellFormed(t, r)
		if r.Verdict == Valid {
			if _, ok := issued[sha256.Sum256(data)]; !ok {
				t.Fatalf("valid verdict for a file not in the ledger")
			}
		}
		if c, _ := r.Check(CheckSeal); (r.Seal != nil) != (c.Status == Passed) {
			t.Fatalf("seal %+v with check %+v", r.Seal, c)
		}
	})
}

// minimalSealed is a small unsigned PDF, written by hand, whose one page
// has a Link annotation to url.
func minimalSealed(url string) []byte {
	objs := []string{
		"<</Type /Catalog /Pages 2 0 R>>",
		"<</Type /Pages /Kids [3 0 R] /Count 1>>",
		"<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R]>>",
		"<</Type /Annot /Subtype /Link /Rect [0 0 99 99] /A <</S /URI /URI (" + url + ")>>>>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	var offs []int
	for i, o := range objs {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<</Size %d /Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// verifyWithin runs VerifyPDF and fails the test when it takes longer than
// limit: the fuzzing engine has no per-input time limit of its own.
func verifyWithin(t *testing.T, v *Verifier, data []byte, limit time.Duration) (Report, error) {
	type result struct {
		r   Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := v.VerifyPDF(t.Context(), data)
		done <- result{r, err}
	}()
	select {
	case res := <-done:
		return res.r, res.err
	case <-time.After(limit):
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("VerifyPDF took longer than %v on a %d-byte input:\n%s", limit, len(data), buf)
		return Report{}, nil
	}
}
