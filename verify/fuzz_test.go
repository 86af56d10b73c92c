package verify

import (
	"bytes"
	"crypto/sha256"
	"runtime"
	"testing"
	"time"

	"certa.example/certa/internal/errs"
)

// FuzzVerifyPDF checks that VerifyPDF never panics, returns only NotPDF
// errors, reports checks in the documented order, and says valid only for
// a file that is byte for byte one the ledger holds.
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

	order := map[string]int{CheckSignaturePresent: 0, CheckByteRange: 1, CheckIntegrity: 2, CheckTimestamp: 3, CheckTrust: 4, CheckLedger: 5}
	issued := fx.ledger().bySum

	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := verifyWithin(t, v, data, 10*time.Second)
		if err != nil {
			if errs.KindOf(err) != errs.NotPDF {
				t.Fatalf("err = %v, want kind not-a-pdf", err)
			}
			return
		}
		switch r.Verdict {
		case Valid, Invalid, Unknown:
		default:
			t.Fatalf("verdict = %q", r.Verdict)
		}
		switch r.Level {
		case "", LevelBB, LevelBT, LevelBLT:
		default:
			t.Fatalf("level = %q", r.Level)
		}
		if n := len(r.Checks); n < 2 || r.Checks[0].Name != CheckSignaturePresent || r.Checks[n-1].Name != CheckLedger {
			t.Fatalf("checks = %+v", r.Checks)
		}
		last := -1
		for _, c := range r.Checks {
			i, ok := order[c.Name]
			if !ok || i <= last || c.Detail == "" {
				t.Fatalf("checks = %+v", r.Checks)
			}
			last = i
		}
		if r.Verdict == Valid {
			if _, ok := issued[sha256.Sum256(data)]; !ok {
				t.Fatalf("valid verdict for a file not in the ledger")
			}
		}
	})
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
