package triplestore

import (
	"context"
	"errors"

	"github.com/intermw/intermw/ontology/rdf"
)

// Store is a SPARQL 1.1 store: the embedded engine or a remote endpoint.
type Store interface {
	// Query runs a SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE).
	// A SELECT result streams: the caller must Close its Rows.
	Query(ctx context.Context, query string) (*Result, error)
	// Update runs a SPARQL update request atomically: all of it or none.
	Update(ctx context.Context, update string) error
	// Close releases the store. It is idempotent.
	Close() error
}

// Form is the form of a query and so of its result.
type Form uint8

// The query forms.
const (
	FormSelect Form = iota + 1
	FormAsk
	FormConstruct
	FormDescribe
)

func (f Form) String() string {
	switch f {
	case FormSelect:
		return "SELECT"
	case FormAsk:
		return "ASK"
	case FormConstruct:
		return "CONSTRUCT"
	case FormDescribe:
		return "DESCRIBE"
	}
	return "unknown"
}

// Result is the typed result of a query. Exactly one of Rows (SELECT),
// Boolean (ASK) or Graph (CONSTRUCT, DESCRIBE) is meaningful, as Form says.
type Result struct {
	Form    Form
	Vars    []string // SELECT: the projected variables, in order, without '?'
	Rows    Rows     // SELECT: the solutions, streamed
	Boolean bool     // ASK
	Graph   []rdf.Triple
}

// Close releases the result's rows, if any. It is safe on any result.
func (r *Result) Close() error {
	if r == nil || r.Rows == nil {
		return nil
	}
	return r.Rows.Close()
}

// Binding maps variable names (without '?') to terms. An unbound variable
// is absent from the map.
type Binding map[string]rdf.Term

// Rows iterates over SELECT solutions.
//
//	for rows.Next() { b := rows.Binding(); ... }
//	if err := rows.Err(); err != nil { ... }
type Rows interface {
	Next() bool
	Binding() Binding
	Err() error
	Close() error
}

// Sentinel errors callers branch on. Implementations wrap them with %w; the
// REST edge maps them to status codes (400, 400, 501, 503, 413, 507).
var (
	ErrSyntax        = errors.New("sparql syntax error")
	ErrUnknownPrefix = errors.New("unknown prefix")
	ErrUnsupported   = errors.New("unsupported sparql feature")
	ErrTimeout       = errors.New("query timed out")
	ErrResultTooBig  = errors.New("result size limit exceeded")
	ErrMemoryLimit   = errors.New("query memory limit exceeded")
	ErrReadOnly      = errors.New("update not allowed on a read-only request")
	ErrClosed        = errors.New("store closed")
)

// SyntaxError is a SPARQL syntax error with its position (1-based).
// errors.Is(err, ErrSyntax) holds for it.
type SyntaxError struct {
	Line, Column int
	Msg          string
}

func (e *SyntaxError) Error() string {
	return "sparql syntax error at line " + itoa(e.Line) + ", column " + itoa(e.Column) + ": " + e.Msg
}

// Is makes errors.Is(err, ErrSyntax) true.
func (e *SyntaxError) Is(target error) bool { return target == ErrSyntax }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}
