package quadstore

import (
	"errors"
	"fmt"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
)

// Sentinel errors. Check them with errors.Is.
var (
	// ErrClosed is returned after Close; it is triplestore.ErrClosed.
	ErrClosed = triplestore.ErrClosed
	// ErrCorruptSnapshot: the snapshot file is damaged. Open refuses to
	// start rather than lose data; see CorruptSnapshotError.
	ErrCorruptSnapshot = errors.New("quadstore: corrupt snapshot file")
	// ErrCorruptWAL: the write-ahead log is damaged somewhere other than its
	// tail (a torn tail is truncated with a warning instead).
	ErrCorruptWAL = errors.New("quadstore: corrupt write-ahead log")
	// ErrLocked: another process (or Store) has the data directory open.
	ErrLocked = errors.New("quadstore: data directory in use")
	// ErrInvalidQuad: a quad that is not valid RDF (see InvalidQuadError).
	ErrInvalidQuad = errors.New("quadstore: invalid quad")
	// ErrTxnDone: the transaction was already committed or rolled back.
	ErrTxnDone = errors.New("quadstore: transaction already finished")
	// ErrTooLarge: the dictionary or a single transaction outgrew its limits.
	ErrTooLarge = errors.New("quadstore: too large")
)

// CorruptSnapshotError says which snapshot file is damaged and how.
// errors.Is(err, ErrCorruptSnapshot) holds for it.
type CorruptSnapshotError struct {
	Path   string
	Reason string
}

func (e *CorruptSnapshotError) Error() string {
	return fmt.Sprintf("quadstore: corrupt snapshot file %s: %s", e.Path, e.Reason)
}

// Is makes errors.Is(err, ErrCorruptSnapshot) true.
func (e *CorruptSnapshotError) Is(target error) bool { return target == ErrCorruptSnapshot }

// CorruptWALError says where the log is damaged.
// errors.Is(err, ErrCorruptWAL) holds for it.
type CorruptWALError struct {
	Path   string
	Offset int64
	Reason string
}

func (e *CorruptWALError) Error() string {
	return fmt.Sprintf("quadstore: corrupt write-ahead log %s at offset %d: %s", e.Path, e.Offset, e.Reason)
}

// Is makes errors.Is(err, ErrCorruptWAL) true.
func (e *CorruptWALError) Is(target error) bool { return target == ErrCorruptWAL }

// InvalidQuadError says why a quad was refused.
// errors.Is(err, ErrInvalidQuad) holds for it.
type InvalidQuadError struct {
	Quad   rdf.Quad
	Reason string
}

func (e *InvalidQuadError) Error() string {
	return fmt.Sprintf("quadstore: invalid quad %s: %s", e.Quad, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidQuad) true.
func (e *InvalidQuadError) Is(target error) bool { return target == ErrInvalidQuad }

// ValidateQuad reports whether the store accepts q (see checkQuad); the
// error is an *InvalidQuadError.
func ValidateQuad(q rdf.Quad) error { return checkQuad(q) }

// checkQuad reports whether q is valid RDF: subject an IRI or blank node,
// predicate an IRI, object any term, graph absent (default), IRI or blank.
func checkQuad(q rdf.Quad) error {
	var reason string
	switch {
	case q.S.Kind != rdf.KindIRI && q.S.Kind != rdf.KindBlank:
		reason = "subject must be an IRI or blank node"
	case q.P.Kind != rdf.KindIRI:
		reason = "predicate must be an IRI"
	case q.O.Kind != rdf.KindIRI && q.O.Kind != rdf.KindBlank && q.O.Kind != rdf.KindLiteral:
		reason = "object must be a term"
	case q.G.Kind != rdf.KindNone && q.G.Kind != rdf.KindIRI && q.G.Kind != rdf.KindBlank:
		reason = "graph must be an IRI or blank node"
	default:
		return nil
	}
	return &InvalidQuadError{Quad: q, Reason: reason}
}
