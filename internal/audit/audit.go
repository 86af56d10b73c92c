// Package audit is the pure logic of certa's append-only, hash-chained audit
// trail: the event, its hash, how events are chained, and how a chain is
// verified. It does no I/O; the store packages persist events and feed them
// back through a Verifier.
//
// # Events
//
// An Event says who (Actor: an API client id, or "cli") did what (Action,
// e.g. "certificate.issue") to which object (Object: a certificate's
// verification code) with which Outcome ("ok"). Events must not carry
// personal data: never put a codice fiscale or a name in any field.
//
// # Chain
//
// Events are numbered from 1 without gaps. Each event carries the hash of
// the one before it in Prev; the first event (the genesis, Seq 1) has Prev
// all zeros. Chain(prev, next) fills in Seq, Prev and Hash; chaining onto
// the zero Event yields the genesis.
//
// # Hash encoding (version 1)
//
// Hash is SHA-256 over the concatenation of, in this order:
//
//	"certa.audit.v1"      the 14 ASCII bytes, no length, no terminator
//	Seq                   8 bytes, big-endian two's complement
//	At                    8 bytes, big-endian two's complement, the
//	                      instant as nanoseconds since the Unix epoch (UTC)
//	Actor                 len || bytes
//	Action                len || bytes
//	Object                len || bytes
//	Outcome               len || bytes
//	Prev                  32 bytes
//
// where len is the string's length in bytes as an 8-byte big-endian
// unsigned integer and bytes is its UTF-8 encoding, unnormalised. The Hash
// field itself is not hashed. The time zone and any monotonic clock reading
// of At do not enter the hash; only the instant does, to the nanosecond, so
// At must lie between the years 1678 and 2262.
//
// # Caveats
//
// The chain proves that no event in it was altered, inserted, removed or
// reordered, relative to its last event. It cannot by itself detect that
// events were cut off the end, nor that the whole chain was rewritten by
// someone able to recompute every hash: for that, record the head (Seq and
// Hash) somewhere the store's writer cannot change, and compare.
package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"
)

// Actions and outcomes certa records.
const (
	ActionCertificateIssue = "certificate.issue"
	OutcomeOK              = "ok"
)

// domain separates audit hashes from any other SHA-256 use, and versions
// the encoding.
const domain = "certa.audit.v1"

// Event is one entry of the audit trail.
type Event struct {
	Seq     int64
	At      time.Time
	Actor   string
	Action  string
	Object  string
	Outcome string
	// Prev is the Hash of the event with Seq-1, all zeros for Seq 1.
	Prev [32]byte
	// Hash is ComputeHash() once the event is chained.
	Hash [32]byte
}

// ComputeHash returns the SHA-256 of e's canonical encoding (see the
// package documentation). It ignores e.Hash.
func (e Event) ComputeHash() [32]byte {
	h := sha256.New()
	var buf [8]byte
	put := func(v uint64) {
		binary.BigEndian.PutUint64(buf[:], v)
		h.Write(buf[:])
	}
	str := func(s string) {
		put(uint64(len(s)))
		h.Write([]byte(s))
	}
	h.Write([]byte(domain))
	put(uint64(e.Seq))
	put(uint64(e.At.UnixNano()))
	str(e.Actor)
	str(e.Action)
	str(e.Object)
	str(e.Outcome)
	h.Write(e.Prev[:])
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// Chain returns next as the event that follows prev: Seq is prev.Seq+1,
// Prev is prev.Hash, At is normalised to UTC without a monotonic reading,
// and Hash is computed. With the zero Event as prev it returns the genesis
// event (Seq 1, Prev all zeros).
func Chain(prev, next Event) Event {
	next.Seq = prev.Seq + 1
	next.Prev = prev.Hash
	next.At = next.At.Round(0).UTC()
	next.Hash = next.ComputeHash()
	return next
}

// Problem says how a chain is broken.
type Problem int

const (
	// BadSeq: the event does not have the next sequence number (an event
	// is missing, duplicated or out of order).
	BadSeq Problem = iota + 1
	// BadPrev: Prev is not the Hash of the preceding event.
	BadPrev
	// BadHash: Hash does not match the event's content.
	BadHash
)

func (p Problem) String() string {
	switch p {
	case BadSeq:
		return "sequence gap or reordering"
	case BadPrev:
		return "link to previous event does not match"
	case BadHash:
		return "hash does not match content"
	}
	return fmt.Sprintf("problem(%d)", int(p))
}

// ChainError reports the first broken link of a chain.
type ChainError struct {
	// Seq is the sequence number expected at the point where the chain
	// breaks: the missing or displaced event for BadSeq, otherwise the
	// event whose Prev or Hash is wrong.
	Seq     int64
	Problem Problem
	// Got is the sequence number found instead of Seq (BadSeq only).
	Got int64
}

func (e *ChainError) Error() string {
	if e.Problem == BadSeq {
		return fmt.Sprintf("audit chain broken at seq %d: %s (found seq %d)", e.Seq, e.Problem, e.Got)
	}
	return fmt.Sprintf("audit chain broken at seq %d: %s", e.Seq, e.Problem)
}

// Verifier checks a chain one event at a time, in Seq order from the
// genesis, keeping only the last event: it suits streaming millions of
// rows. The zero Verifier is ready to use. It is not safe for concurrent
// use.
type Verifier struct {
	last Event
	n    int64
	err  error
}

// Next checks e against the events seen so far. Once it has returned an
// error it returns the same error for every later call.
func (v *Verifier) Next(e Event) error {
	if v.err != nil {
		return v.err
	}
	want := v.last.Seq + 1
	switch {
	case e.Seq != want:
		v.err = &ChainError{Seq: want, Problem: BadSeq, Got: e.Seq}
	case e.Prev != v.last.Hash:
		v.err = &ChainError{Seq: want, Problem: BadPrev}
	case e.ComputeHash() != e.Hash:
		v.err = &ChainError{Seq: want, Problem: BadHash}
	default:
		v.last = e
		v.n++
	}
	return v.err
}

// Count returns the number of events verified so far.
func (v *Verifier) Count() int64 { return v.n }

// Head returns the last event verified, or the zero Event.
func (v *Verifier) Head() Event { return v.last }

// VerifyChain verifies events, which must start at the genesis, and returns
// a *ChainError for the first broken link. An empty chain is valid.
func VerifyChain(events []Event) error {
	var v Verifier
	for _, e := range events {
		if err := v.Next(e); err != nil {
			return err
		}
	}
	return nil
}
