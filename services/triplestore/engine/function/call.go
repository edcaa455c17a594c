package function

import (
	crand "crypto/rand"
	"encoding/hex"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/intermw/intermw/ontology/rdf"
)

// Context carries the per-query state built-in functions need. Build one
// per query with NewContext. A Context is used by one goroutine at a time;
// for parallel evaluation give each worker a Fork, which shares NOW, the
// base IRI, the blank node counter and the regular expression cache.
type Context struct {
	// Now is the value of NOW(); fixed for the whole query.
	Now time.Time
	// BaseIRI resolves relative IRIs in IRI()/URI(); empty leaves them as given.
	BaseIRI string
	// Rand, when set, replaces the random source of RAND() (for tests).
	Rand func() float64
	// NewBlankLabel, when set, replaces the generator of fresh blank node
	// labels for BNODE(); it must return a label not used anywhere else.
	NewBlankLabel func() string

	bnodes map[string]rdf.Term // BNODE(str) labels for the current solution
	shared *sharedState
}

type sharedState struct {
	regex       regexCache
	blankPrefix string
	blankSeq    atomic.Uint64
}

// NewContext returns a Context for one query.
func NewContext(baseIRI string, now time.Time) *Context {
	var b [4]byte
	_, _ = crand.Read(b[:])
	return &Context{Now: now, BaseIRI: baseIRI, shared: &sharedState{blankPrefix: "f" + hex.EncodeToString(b[:]) + "x"}}
}

// Fork returns a Context for another goroutine evaluating the same query.
func (c *Context) Fork() *Context {
	f := *c
	f.bnodes = nil
	return &f
}

// NextSolution must be called by the evaluator before it evaluates the
// expressions of each new solution (each row of a BIND, SELECT expression,
// GROUP key or FILTER): BNODE(str) returns the same blank node for the same
// string within one solution and a different one in the next (SPARQL
// 17.4.2.9). Calling it is cheap when BNODE(str) was not used.
func (c *Context) NextSolution() {
	if len(c.bnodes) > 0 {
		clear(c.bnodes)
	}
}

// Regex returns the compiled form of an XPath pattern with flags, compiling
// it at most once per query (see CompileRegex).
func (c *Context) Regex(pattern, flags string) (*regexp.Regexp, error) {
	if c == nil || c.shared == nil {
		return CompileRegex(pattern, flags)
	}
	return c.shared.regex.get(pattern, flags)
}

// freshBlank returns a new blank node unique within the query.
func (c *Context) freshBlank() rdf.Term {
	if c.NewBlankLabel != nil {
		return rdf.Blank(c.NewBlankLabel())
	}
	if c.shared == nil {
		c.shared = &sharedState{blankPrefix: "f" + strconv.FormatInt(time.Now().UnixNano(), 36) + "x"}
	}
	n := c.shared.blankSeq.Add(1)
	return rdf.Blank(c.shared.blankPrefix + strconv.FormatUint(n, 10))
}

func (c *Context) random() float64 {
	if c.Rand != nil {
		return c.Rand()
	}
	return rand.Float64()
}

// Call evaluates the built-in function name (the upper-case SPARQL keyword
// such as "STRLEN" or "SAMETERM"; other cases are accepted) or the cast
// named by a full XSD datatype IRI, on already-evaluated arguments. An
// unbound argument is the zero Term. Errors satisfy errors.Is(err,
// ErrType); unknown names return ErrUnknownFunction.
//
// BOUND, IF, COALESCE, IN/NOT IN and EXISTS are not here: they need
// unevaluated arguments, so the evaluator implements them (with EBV and
// Equal). A nil ctx is allowed for tests; NOW() then reads the clock.
func Call(name string, args []rdf.Term, ctx *Context) (rdf.Term, error) {
	if ctx == nil {
		ctx = &Context{Now: time.Now()}
	}
	if strings.IndexByte(name, ':') >= 0 {
		if !IsCast(name) {
			return rdf.Term{}, ErrUnknownFunction
		}
		if len(args) != 1 {
			return rdf.Term{}, errArity
		}
		return Cast(name, args[0])
	}
	t, err, found := call(name, args, ctx)
	if !found {
		if up := strings.ToUpper(name); up != name {
			t, err, found = call(up, args, ctx)
		}
		if !found {
			return rdf.Term{}, ErrUnknownFunction
		}
	}
	return t, err
}

// arity lists the accepted argument counts of each built-in.
func arityOK(name string, n int) (ok, found bool) {
	switch name {
	case "RAND", "NOW", "UUID", "STRUUID":
		return n == 0, true
	case "BNODE":
		return n <= 1, true
	case "CONCAT":
		return true, true
	case "SUBSTR", "REGEX":
		return n == 2 || n == 3, true
	case "REPLACE":
		return n == 3 || n == 4, true
	case "LANGMATCHES", "CONTAINS", "STRSTARTS", "STRENDS", "STRBEFORE", "STRAFTER",
		"STRLANG", "STRDT", "SAMETERM":
		return n == 2, true
	case "STR", "LANG", "DATATYPE", "IRI", "URI", "ABS", "CEIL", "FLOOR", "ROUND",
		"STRLEN", "UCASE", "LCASE", "ENCODE_FOR_URI", "YEAR", "MONTH", "DAY", "HOURS",
		"MINUTES", "SECONDS", "TIMEZONE", "TZ", "MD5", "SHA1", "SHA256", "SHA384", "SHA512",
		"ISIRI", "ISURI", "ISBLANK", "ISLITERAL", "ISNUMERIC":
		return n == 1, true
	}
	return false, false
}

func call(name string, args []rdf.Term, ctx *Context) (t rdf.Term, err error, found bool) {
	ok, found := arityOK(name, len(args))
	if !found {
		return rdf.Term{}, nil, false
	}
	if !ok {
		return rdf.Term{}, errArity, true
	}
	t, err = dispatch(name, args, ctx)
	return t, err, true
}

func dispatch(name string, args []rdf.Term, ctx *Context) (rdf.Term, error) {
	switch name {
	case "STR":
		return Str(args[0])
	case "LANG":
		return lang(args[0])
	case "LANGMATCHES":
		return langMatches(args[0], args[1])
	case "DATATYPE":
		return datatype(args[0])
	case "IRI", "URI":
		return iriCall(args[0], ctx)
	case "BNODE":
		return bnodeCall(args, ctx)
	case "RAND":
		return numeric{kind: nkDouble, f: ctx.random()}.term(), nil
	case "ABS", "CEIL", "FLOOR", "ROUND":
		n, ok := parseNumeric(args[0])
		if !ok {
			return rdf.Term{}, operandErr(args[0])
		}
		switch name {
		case "ABS":
			n = numAbs(n)
		case "CEIL":
			n = numCeil(n)
		case "FLOOR":
			n = numFloor(n)
		default:
			n = numRound(n)
		}
		if n.kind == nkInteger && args[0].Datatype == rdf.XSDInteger && n.r == nil && n.lexical() == args[0].Value {
			return args[0], nil
		}
		return n.term(), nil
	case "CONCAT":
		return concat(args)
	case "SUBSTR":
		return substr(args)
	case "STRLEN":
		return strLen(args[0])
	case "REPLACE":
		return replace(args, ctx)
	case "UCASE":
		return ucase(args[0])
	case "LCASE":
		return lcase(args[0])
	case "ENCODE_FOR_URI":
		return encodeForURI(args[0])
	case "CONTAINS":
		return contains(args[0], args[1])
	case "STRSTARTS":
		return strStarts(args[0], args[1])
	case "STRENDS":
		return strEnds(args[0], args[1])
	case "STRBEFORE":
		return strBefore(args[0], args[1])
	case "STRAFTER":
		return strAfter(args[0], args[1])
	case "YEAR", "MONTH", "DAY", "HOURS", "MINUTES", "SECONDS", "TIMEZONE", "TZ":
		return dateTimeCall(name, args[0])
	case "NOW":
		return FormatDateTime(ctx.Now), nil
	case "UUID":
		return rdf.IRI("urn:uuid:" + newUUID()), nil
	case "STRUUID":
		return rdf.String(newUUID()), nil
	case "MD5", "SHA1", "SHA256", "SHA384", "SHA512":
		return hashCall(name, args[0])
	case "STRLANG":
		return strLang(args[0], args[1])
	case "STRDT":
		return strDT(args[0], args[1])
	case "SAMETERM":
		if args[0].Kind == rdf.KindNone || args[1].Kind == rdf.KindNone {
			return rdf.Term{}, errUnbound
		}
		return Bool(args[0] == args[1]), nil
	case "ISIRI", "ISURI":
		return kindTest(args[0], rdf.KindIRI)
	case "ISBLANK":
		return kindTest(args[0], rdf.KindBlank)
	case "ISLITERAL":
		return kindTest(args[0], rdf.KindLiteral)
	case "ISNUMERIC":
		if args[0].Kind == rdf.KindNone {
			return rdf.Term{}, errUnbound
		}
		return Bool(IsNumeric(args[0])), nil
	case "REGEX":
		return regex(args, ctx)
	}
	return rdf.Term{}, ErrUnknownFunction
}

func kindTest(t rdf.Term, k rdf.Kind) (rdf.Term, error) {
	if t.Kind == rdf.KindNone {
		return rdf.Term{}, errUnbound
	}
	return Bool(t.Kind == k), nil
}

func newUUID() string {
	u, err := uuid.NewRandom()
	if err != nil {
		// The system random source failed; fall back to a time-seeded one
		// rather than failing the query.
		var b [16]byte
		r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x9e3779b97f4a7c15))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		u = b
	}
	return u.String()
}

// iriCall implements IRI/URI: IRIs pass through, simple literals and
// xsd:strings are resolved against the base IRI.
func iriCall(a rdf.Term, ctx *Context) (rdf.Term, error) {
	switch {
	case a.Kind == rdf.KindIRI:
		return a, nil
	case isSimpleString(a):
		return rdf.IRI(rdf.ResolveIRI(ctx.BaseIRI, a.Value)), nil
	case a.Kind == rdf.KindNone:
		return rdf.Term{}, errUnbound
	}
	return rdf.Term{}, errNotSimple
}

// bnodeCall implements BNODE() (a fresh blank node per call) and
// BNODE(str) (the same blank node for the same string within a solution;
// see Context.NextSolution).
func bnodeCall(args []rdf.Term, ctx *Context) (rdf.Term, error) {
	if len(args) == 0 {
		return ctx.freshBlank(), nil
	}
	a := args[0]
	if !isSimpleString(a) {
		if a.Kind == rdf.KindNone {
			return rdf.Term{}, errUnbound
		}
		return rdf.Term{}, errNotBlankLabel
	}
	if b, ok := ctx.bnodes[a.Value]; ok {
		return b, nil
	}
	if ctx.bnodes == nil {
		ctx.bnodes = make(map[string]rdf.Term)
	}
	b := ctx.freshBlank()
	ctx.bnodes[a.Value] = b
	return b, nil
}
