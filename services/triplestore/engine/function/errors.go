package function

import "errors"

// ErrType is the SPARQL "type error": an expression could not be evaluated
// for the given arguments (wrong kind of term, incompatible operands,
// ill-formed literal, division by zero, ...). Per the SPARQL algebra an
// expression that raises it leaves its variable unbound in BIND/SELECT
// and makes a FILTER reject the solution. Every evaluation error returned
// by this package satisfies errors.Is(err, ErrType).
var ErrType = errors.New("sparql type error")

// ErrUnknownFunction reports a call to a function name or IRI this package
// does not implement. It also satisfies errors.Is(err, ErrType), since
// SPARQL treats an unsupported extension function as an evaluation error.
var ErrUnknownFunction = &typeError{msg: "unknown function"}

// ErrUnordered is returned by Compare when the operands are of comparable
// types but have no order: a NaN, or two date/times of which only one has
// a timezone and whose order depends on it. It satisfies
// errors.Is(err, ErrType). Relational handles these cases exactly (NaN < x
// is false, NaN != x is true).
var ErrUnordered = &typeError{msg: "values are not ordered"}

// typeError is a static, allocation-free error carrying a short reason; it
// unwraps to ErrType.
type typeError struct{ msg string }

func (e *typeError) Error() string { return "sparql type error: " + e.msg }
func (e *typeError) Unwrap() error { return ErrType }

func typeErr(msg string) error { return &typeError{msg: msg} }

// Preallocated errors for the common failure paths (FILTERs raise these for
// many rows, so they must not allocate).
var (
	errUnbound        = typeErr("unbound argument")
	errNotLiteral     = typeErr("argument is not a literal")
	errNotString      = typeErr("argument is not a string literal")
	errNotSimple      = typeErr("argument is not a simple literal or xsd:string")
	errIncompatible   = typeErr("string arguments are not compatible")
	errNotNumeric     = typeErr("argument is not numeric")
	errNotDateTime    = typeErr("argument is not an xsd:dateTime")
	errNotIRI         = typeErr("argument is not an IRI")
	errNotComparable  = typeErr("operands are not comparable")
	errLiteralsDiffer = typeErr("literals of unknown or ill-formed datatypes differ")
	errDivByZero      = typeErr("division by zero")
	errArity          = typeErr("wrong number of arguments")
	errNoEBV          = typeErr("term has no effective boolean value")
	errBadCast        = typeErr("value cannot be cast to the target datatype")
	errNoTimezone     = typeErr("dateTime has no timezone")
	errBadFlags       = typeErr("invalid regular expression flags")
	errBadPattern     = typeErr("invalid regular expression")
	errBadReplace     = typeErr("invalid replacement string")
	errEmptyMatch     = typeErr("pattern matches the empty string")
	errBadLang        = typeErr("invalid language tag")
	errNotBlankLabel  = typeErr("BNODE needs a simple literal or xsd:string")
)
