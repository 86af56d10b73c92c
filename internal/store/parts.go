package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"sync"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/store/internal/docparts"
)

// SharedPart is a byte sequence many stored documents repeat (a font
// program, a colour profile). Issuance.Parts names them; the store keeps
// each once and Document gives the document back byte for byte
// (internal/store/internal/docparts).
type SharedPart = docparts.Part

// NewSharedPart returns body as a SharedPart.
func NewSharedPart(body []byte) SharedPart { return docparts.NewPart(body) }

// PartStore is the stores' bookkeeping of shared parts: which the
// database holds (parts are never deleted, so once seen stays true) and
// their bodies, so that a part goes over the wire once per process.
type PartStore struct {
	bodies sync.Map // [32]byte -> []byte
}

// Split splits iss's document on its parts; missing are the used parts
// this process has not yet seen in the database, to insert (ignoring
// duplicates) in the same transaction.
func (ps *PartStore) Split(iss Issuance) (stored []byte, used, missing []SharedPart) {
	stored, used = docparts.Split(iss.PDF, iss.Parts, iss.PartsAt)
	for _, p := range used {
		if _, ok := ps.bodies.Load(p.Sum); !ok {
			missing = append(missing, p)
		}
	}
	return stored, used, missing
}

// Committed records that used are in the database.
func (ps *PartStore) Committed(used []SharedPart) {
	for _, p := range used {
		ps.bodies.LoadOrStore(p.Sum, p.Body)
	}
}

// Join returns the document stored holds, loading parts not seen yet with
// load (errs.NotFound when the database lacks one), and checks it against
// the SHA-256 its certificate records: a document that does not match is
// errs.Internal, never served.
func (ps *PartStore) Join(stored, digest []byte, load func(sum [32]byte) ([]byte, error)) ([]byte, error) {
	doc, err := docparts.Join(stored, func(sum [32]byte) ([]byte, error) {
		if b, ok := ps.bodies.Load(sum); ok {
			return b.([]byte), nil
		}
		b, err := load(sum)
		if err != nil {
			return nil, err
		}
		ps.bodies.LoadOrStore(sum, b)
		return b, nil
	})
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "storage error", err)
	}
	if sum := sha256.Sum256(doc); !bytes.Equal(sum[:], digest) {
		return nil, errs.Wrap(errs.Internal, "storage error", errors.New("stored document does not match its certificate's digest"))
	}
	return doc, nil
}
