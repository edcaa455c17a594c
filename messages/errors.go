package messages

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the codec returns wraps exactly one of them, so
// callers branch with errors.Is; the typed errors below carry the details.
var (
	// ErrInvalidJSON: the input is not one well-formed JSON value.
	ErrInvalidJSON = errors.New("messages: invalid JSON")
	// ErrTooLarge: the input is longer than Config.MaxBytes.
	ErrTooLarge = errors.New("messages: document too large")
	// ErrTooDeep: the input nests objects and arrays deeper than Config.MaxDepth.
	ErrTooDeep = errors.New("messages: document nested too deeply")
	// ErrContextRefused: the document names a context (URL or file) that was
	// not preloaded; nothing was fetched or opened.
	ErrContextRefused = errors.New("messages: context not preloaded")
	// ErrInvalidJSONLD: the JSON is not valid JSON-LD (expansion failed).
	ErrInvalidJSONLD = errors.New("messages: invalid JSON-LD")
	// ErrNoMetadata: the dataset has no triple in the metadata graph.
	ErrNoMetadata = errors.New("messages: no metadata graph")
	// ErrMetaNode: the metadata graph does not have exactly one msg:meta node.
	ErrMetaNode = errors.New("messages: metadata graph needs exactly one msg:meta node")
	// ErrInvalidMessage: Validate found a message that breaks an INTER-MW rule.
	ErrInvalidMessage = errors.New("messages: invalid message")
	// ErrUnencodable: a term cannot be written in the canonical form and read
	// back unchanged (for instance a relative IRI used as a property).
	ErrUnencodable = errors.New("messages: term cannot be encoded")
	// ErrInvalidNQuads: N-Quads input could not be parsed.
	ErrInvalidNQuads = errors.New("messages: invalid N-Quads")
	// ErrInvalidConfig: a Config failed validation.
	ErrInvalidConfig = errors.New("messages: invalid config")
)

// SyntaxError reports malformed JSON and where it was found.
type SyntaxError struct {
	Offset int64 // byte offset of the error, when known (else -1)
	Err    error // the underlying parser error
}

func (e *SyntaxError) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("messages: invalid JSON at byte %d: %v", e.Offset, e.Err)
	}
	return fmt.Sprintf("messages: invalid JSON: %v", e.Err)
}

// Is makes errors.Is(err, ErrInvalidJSON) hold.
func (e *SyntaxError) Is(target error) bool { return target == ErrInvalidJSON }

// Unwrap returns the parser error.
func (e *SyntaxError) Unwrap() error { return e.Err }

// LimitError reports an input that exceeds a configured limit. It matches
// ErrTooLarge or ErrTooDeep depending on Limit.
type LimitError struct {
	What  string // "bytes" or "depth"
	Limit int64  // the configured limit
	Found int64  // the size or depth found (at least Limit+1)
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("messages: document exceeds the %s limit (%d > %d)", e.What, e.Found, e.Limit)
}

// Is makes errors.Is match ErrTooLarge for a byte limit and ErrTooDeep for a
// depth limit.
func (e *LimitError) Is(target error) bool {
	switch e.What {
	case "bytes":
		return target == ErrTooLarge
	case "depth":
		return target == ErrTooDeep
	}
	return false
}

// ContextError reports a context reference the loader refused.
type ContextError struct {
	URL string // the context reference as resolved by the JSON-LD processor
}

func (e *ContextError) Error() string {
	return fmt.Sprintf("messages: context %q is not preloaded (remote and file contexts are never loaded)", e.URL)
}

// Is makes errors.Is(err, ErrContextRefused) hold.
func (e *ContextError) Is(target error) bool { return target == ErrContextRefused }

// JSONLDError reports a JSON-LD processing failure.
type JSONLDError struct {
	Code string // the JSON-LD error code, e.g. "invalid @id value"
	Err  error  // the processor's error
}

func (e *JSONLDError) Error() string {
	return fmt.Sprintf("messages: invalid JSON-LD (%s): %v", e.Code, e.Err)
}

// Is makes errors.Is(err, ErrInvalidJSONLD) hold.
func (e *JSONLDError) Is(target error) bool { return target == ErrInvalidJSONLD }

// Unwrap returns the processor's error.
func (e *JSONLDError) Unwrap() error { return e.Err }

// MetaNodeError reports how many msg:meta nodes the metadata graph held.
type MetaNodeError struct {
	Count int
}

func (e *MetaNodeError) Error() string {
	return fmt.Sprintf("messages: metadata graph has %d msg:meta nodes, want exactly 1", e.Count)
}

// Is makes errors.Is(err, ErrMetaNode) hold.
func (e *MetaNodeError) Is(target error) bool { return target == ErrMetaNode }

// FieldError reports one metadata field that breaks a rule.
type FieldError struct {
	Field  string // the metadata property's local name, e.g. "conversationID"
	Reason string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("messages: %s: %s", e.Field, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidMessage) hold.
func (e *FieldError) Is(target error) bool { return target == ErrInvalidMessage }

// EncodeError reports a term the canonical form cannot carry faithfully.
type EncodeError struct {
	Term   string // the term in N-Triples syntax
	Reason string
}

func (e *EncodeError) Error() string {
	return fmt.Sprintf("messages: cannot encode %s: %s", e.Term, e.Reason)
}

// Is makes errors.Is(err, ErrUnencodable) hold.
func (e *EncodeError) Is(target error) bool { return target == ErrUnencodable }

// TypeError reports a message type name or IRI outside the vocabulary.
type TypeError struct {
	Value string
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("messages: unknown message type %q", e.Value)
}

// Is makes errors.Is(err, ErrInvalidMessage) hold.
func (e *TypeError) Is(target error) bool { return target == ErrInvalidMessage }
