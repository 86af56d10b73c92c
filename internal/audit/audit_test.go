package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 14, 9, 26, 53, 589793238, time.UTC)

// chain returns n valid events.
func chain(n int) []Event {
	var out []Event
	var prev Event
	for i := range n {
		e := Chain(prev, Event{
			At:      t0.Add(time.Duration(i) * time.Second),
			Actor:   "client-a",
			Action:  ActionCertificateIssue,
			Object:  fmt.Sprintf("AAAA-BBBB-CCCC-%04d", i),
			Outcome: OutcomeOK,
		})
		out = append(out, e)
		prev = e
	}
	return out
}

func TestChainGenesis(t *testing.T) {
	e := Chain(Event{}, Event{At: t0, Actor: "cli", Action: "x", Object: "y", Outcome: OutcomeOK})
	if e.Seq != 1 {
		t.Errorf("genesis Seq = %d, want 1", e.Seq)
	}
	if e.Prev != ([32]byte{}) {
		t.Errorf("genesis Prev = %x, want zeros", e.Prev)
	}
	if e.Hash != e.ComputeHash() {
		t.Error("genesis Hash not set")
	}
	next := Chain(e, Event{At: t0, Actor: "cli"})
	if next.Seq != 2 || next.Prev != e.Hash {
		t.Errorf("second event Seq %d Prev %x, want 2 and %x", next.Seq, next.Prev, e.Hash)
	}
}

// reference re-implements the documented encoding independently, as an
// external auditor would.
func reference(e Event) [32]byte {
	var b bytes.Buffer
	b.WriteString("certa.audit.v1")
	binary.Write(&b, binary.BigEndian, e.Seq)
	binary.Write(&b, binary.BigEndian, e.At.UnixNano())
	for _, s := range []string{e.Actor, e.Action, e.Object, e.Outcome} {
		binary.Write(&b, binary.BigEndian, uint64(len(s)))
		b.WriteString(s)
	}
	b.Write(e.Prev[:])
	return sha256.Sum256(b.Bytes())
}

func TestComputeHashMatchesDocumentedEncoding(t *testing.T) {
	for _, e := range chain(4) {
		if got, want := e.ComputeHash(), reference(e); got != want {
			t.Errorf("seq %d: ComputeHash %x, reference %x", e.Seq, got, want)
		}
	}
}

// TestComputeHashGolden pins the encoding: if this fails, every stored chain
// stops verifying.
func TestComputeHashGolden(t *testing.T) {
	e := Event{
		Seq:     7,
		At:      t0,
		Actor:   "cli",
		Action:  ActionCertificateIssue,
		Object:  "7K3M-Q9PX-2D4R-8T6V",
		Outcome: OutcomeOK,
	}
	for i := range e.Prev {
		e.Prev[i] = byte(i)
	}
	const want = "97658e14fe71f322069f22f39c08f6bf553e96b6e7251d408040a0eb4fccdc7b"
	sum := e.ComputeHash()
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("ComputeHash = %s, want %s", got, want)
	}
}

func TestComputeHashProperties(t *testing.T) {
	base := Event{Seq: 3, At: t0, Actor: "ab", Action: "c", Object: "o", Outcome: "ok"}
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	same := base
	same.At = t0.In(rome)
	if same.ComputeHash() != base.ComputeHash() {
		t.Error("hash depends on At's location, want only the instant")
	}
	shifted := base
	shifted.Actor, shifted.Action = "a", "bc"
	if shifted.ComputeHash() == base.ComputeHash() {
		t.Error("moving bytes between fields keeps the hash: encoding is ambiguous")
	}
	withHash := base
	withHash.Hash[0] = 1
	if withHash.ComputeHash() != base.ComputeHash() {
		t.Error("Hash field enters the hash")
	}
}

func TestVerifyChain(t *testing.T) {
	const n = 5
	tests := []struct {
		name    string
		mutate  func([]Event) []Event
		seq     int64
		problem Problem
	}{
		{"valid", func(es []Event) []Event { return es }, 0, 0},
		{"empty", func([]Event) []Event { return nil }, 0, 0},
		{"actor", func(es []Event) []Event { es[2].Actor = "mallory"; return es }, 3, BadHash},
		{"action", func(es []Event) []Event { es[2].Action = "certificate.revoke"; return es }, 3, BadHash},
		{"object", func(es []Event) []Event { es[2].Object = "ZZZZ-ZZZZ-ZZZZ-ZZZZ"; return es }, 3, BadHash},
		{"outcome", func(es []Event) []Event { es[2].Outcome = "denied"; return es }, 3, BadHash},
		{"at", func(es []Event) []Event { es[2].At = es[2].At.Add(time.Nanosecond); return es }, 3, BadHash},
		{"prev", func(es []Event) []Event { es[2].Prev[0] ^= 1; return es }, 3, BadPrev},
		{"hash", func(es []Event) []Event { es[2].Hash[31] ^= 1; return es }, 3, BadHash},
		{"genesis hash", func(es []Event) []Event { es[0].Hash[0] ^= 1; return es }, 1, BadHash},
		{"last hash", func(es []Event) []Event { es[4].Hash[0] ^= 1; return es }, 5, BadHash},
		{"seq", func(es []Event) []Event { es[2].Seq = 9; return es }, 3, BadSeq},
		{"delete middle", func(es []Event) []Event { return slices.Delete(es, 2, 3) }, 3, BadSeq},
		{"delete genesis", func(es []Event) []Event { return es[1:] }, 1, BadSeq},
		{"duplicate", func(es []Event) []Event { return slices.Insert(es, 2, es[1]) }, 3, BadSeq},
		{"reorder", func(es []Event) []Event { es[2], es[3] = es[3], es[2]; return es }, 3, BadSeq},
		{"tamper and rehash", func(es []Event) []Event {
			es[2].Object = "ZZZZ-ZZZZ-ZZZZ-ZZZZ"
			es[2].Hash = es[2].ComputeHash()
			return es
		}, 4, BadPrev},
		{"forged genesis prev", func(es []Event) []Event {
			es[0].Prev[0] = 1
			es[0].Hash = es[0].ComputeHash()
			return es
		}, 1, BadPrev},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyChain(tc.mutate(chain(n)))
			if tc.problem == 0 {
				if err != nil {
					t.Fatalf("VerifyChain: %v, want nil", err)
				}
				return
			}
			var ce *ChainError
			if !errors.As(err, &ce) {
				t.Fatalf("VerifyChain: %v, want *ChainError", err)
			}
			if ce.Seq != tc.seq || ce.Problem != tc.problem {
				t.Errorf("broken at seq %d (%v), want seq %d (%v)", ce.Seq, ce.Problem, tc.seq, tc.problem)
			}
		})
	}
}

func TestVerifierStreaming(t *testing.T) {
	es := chain(10)
	var v Verifier
	for _, e := range es {
		if err := v.Next(e); err != nil {
			t.Fatalf("Next(seq %d): %v", e.Seq, err)
		}
	}
	if v.Count() != 10 {
		t.Errorf("Count = %d, want 10", v.Count())
	}
	if v.Head() != es[9] {
		t.Errorf("Head = seq %d, want seq 10", v.Head().Seq)
	}

	// An error sticks, even if a later event would fit.
	bad := es[9]
	bad.Seq = 12
	first := v.Next(bad)
	if first == nil {
		t.Fatal("Next accepted a gap")
	}
	good := Chain(es[9], Event{At: t0})
	if err := v.Next(good); err != first {
		t.Errorf("after an error Next = %v, want the first error %v", err, first)
	}
	if v.Count() != 10 {
		t.Errorf("Count after error = %d, want 10", v.Count())
	}
}

func TestChainErrorMessage(t *testing.T) {
	err := &ChainError{Seq: 42, Problem: BadSeq, Got: 43}
	want := "audit chain broken at seq 42: sequence gap or reordering (found seq 43)"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}
