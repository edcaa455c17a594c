package function

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/intermw/intermw/ontology/rdf"
)

// stringArg checks that t is a string literal (simple, xsd:string or
// language-tagged).
func stringArg(t rdf.Term) error {
	if isStringLiteral(t) {
		return nil
	}
	if t.Kind == rdf.KindNone {
		return errUnbound
	}
	return errNotString
}

// simpleArg checks that t is a simple literal or xsd:string.
func simpleArg(t rdf.Term) error {
	if isSimpleString(t) {
		return nil
	}
	if t.Kind == rdf.KindNone {
		return errUnbound
	}
	return errNotSimple
}

// compatible implements argument compatibility (SPARQL 17.4.3.1.2): both
// simple/xsd:string, both language-tagged with the same tag, or a tagged
// first argument with a simple/xsd:string second.
func compatible(a, b rdf.Term) error {
	if err := stringArg(a); err != nil {
		return err
	}
	if err := stringArg(b); err != nil {
		return err
	}
	if b.Datatype == rdf.XSDString || (a.Datatype == rdf.RDFLangString && a.Lang == b.Lang) {
		return nil
	}
	return errIncompatible
}

// withLexical returns a literal with the same datatype and language as
// like but another lexical form.
func withLexical(like rdf.Term, s string) rdf.Term {
	return rdf.Term{Kind: rdf.KindLiteral, Value: s, Datatype: like.Datatype, Lang: like.Lang}
}

// Str implements STR: the lexical form of a literal or the IRI string.
func Str(t rdf.Term) (rdf.Term, error) {
	switch t.Kind {
	case rdf.KindLiteral:
		if t.Datatype == rdf.XSDString {
			return t, nil
		}
		return rdf.String(t.Value), nil
	case rdf.KindIRI:
		return rdf.String(t.Value), nil
	case rdf.KindNone:
		return rdf.Term{}, errUnbound
	}
	return rdf.Term{}, errNotLiteral
}

func strLen(a rdf.Term) (rdf.Term, error) {
	if err := stringArg(a); err != nil {
		return rdf.Term{}, err
	}
	return intTerm(int64(utf8.RuneCountInString(a.Value))), nil
}

// substr implements SUBSTR with fn:substring semantics: 1-based code point
// positions p with round(start) <= p < round(start)+round(length).
func substr(args []rdf.Term) (rdf.Term, error) {
	src := args[0]
	if err := stringArg(src); err != nil {
		return rdf.Term{}, err
	}
	sn, ok := parseNumeric(args[1])
	if !ok {
		return rdf.Term{}, errNotNumeric
	}
	start := roundHalfUp(sn.float())
	end := math.Inf(1)
	if len(args) == 3 {
		ln, ok := parseNumeric(args[2])
		if !ok {
			return rdf.Term{}, errNotNumeric
		}
		end = start + roundHalfUp(ln.float())
	}
	s := src.Value
	// Fast path: ASCII with integral bounds.
	from, to := -1, len(s)
	pos := 1.0
	for i := range s {
		p := pos
		pos++
		if from < 0 {
			if p >= start && p < end {
				from = i
			}
			continue
		}
		if !(p < end) {
			to = i
			break
		}
	}
	if from < 0 {
		return withLexical(src, ""), nil
	}
	return withLexical(src, s[from:to]), nil
}

func ucase(a rdf.Term) (rdf.Term, error) {
	if err := stringArg(a); err != nil {
		return rdf.Term{}, err
	}
	return withLexical(a, strings.ToUpper(a.Value)), nil
}

func lcase(a rdf.Term) (rdf.Term, error) {
	if err := stringArg(a); err != nil {
		return rdf.Term{}, err
	}
	return withLexical(a, strings.ToLower(a.Value)), nil
}

func strStarts(a, b rdf.Term) (rdf.Term, error) {
	if err := compatible(a, b); err != nil {
		return rdf.Term{}, err
	}
	return Bool(strings.HasPrefix(a.Value, b.Value)), nil
}

func strEnds(a, b rdf.Term) (rdf.Term, error) {
	if err := compatible(a, b); err != nil {
		return rdf.Term{}, err
	}
	return Bool(strings.HasSuffix(a.Value, b.Value)), nil
}

func contains(a, b rdf.Term) (rdf.Term, error) {
	if err := compatible(a, b); err != nil {
		return rdf.Term{}, err
	}
	return Bool(strings.Contains(a.Value, b.Value)), nil
}

var emptyString = rdf.String("")

// strBefore implements STRBEFORE: a match keeps the first argument's
// language/datatype, no match gives the empty simple literal.
func strBefore(a, b rdf.Term) (rdf.Term, error) {
	if err := compatible(a, b); err != nil {
		return rdf.Term{}, err
	}
	i := strings.Index(a.Value, b.Value)
	if i < 0 {
		return emptyString, nil
	}
	return withLexical(a, a.Value[:i]), nil
}

func strAfter(a, b rdf.Term) (rdf.Term, error) {
	if err := compatible(a, b); err != nil {
		return rdf.Term{}, err
	}
	i := strings.Index(a.Value, b.Value)
	if i < 0 {
		return emptyString, nil
	}
	return withLexical(a, a.Value[i+len(b.Value):]), nil
}

// concat implements CONCAT: the result carries a language tag only when
// every argument has that same tag; otherwise it is a simple literal.
func concat(args []rdf.Term) (rdf.Term, error) {
	if len(args) == 0 {
		return emptyString, nil
	}
	n := 0
	for _, a := range args {
		if err := stringArg(a); err != nil {
			return rdf.Term{}, err
		}
		n += len(a.Value)
	}
	lang := args[0].Lang
	sameLang := args[0].Datatype == rdf.RDFLangString
	for _, a := range args[1:] {
		if a.Datatype != rdf.RDFLangString || a.Lang != lang {
			sameLang = false
		}
	}
	var s string
	if len(args) == 1 {
		s = args[0].Value
	} else {
		var b strings.Builder
		b.Grow(n)
		for _, a := range args {
			b.WriteString(a.Value)
		}
		s = b.String()
	}
	if sameLang {
		return rdf.Term{Kind: rdf.KindLiteral, Value: s, Datatype: rdf.RDFLangString, Lang: lang}, nil
	}
	return rdf.String(s), nil
}

// encodeForURI implements ENCODE_FOR_URI: every byte of the UTF-8 form
// except the RFC 3986 unreserved characters is percent-encoded (upper-case
// hex).
func encodeForURI(a rdf.Term) (rdf.Term, error) {
	if err := stringArg(a); err != nil {
		return rdf.Term{}, err
	}
	s := a.Value
	clean := true
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			clean = false
			break
		}
	}
	if clean {
		return rdf.String(s), nil
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)*3)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return rdf.String(string(b)), nil
}

func unreserved(c byte) bool {
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// LangMatches implements LANGMATCHES with RFC 4647 basic filtering: "*"
// matches any non-empty tag, otherwise the range must equal the tag or be
// a prefix of it ending at a "-", case-insensitively.
func LangMatches(tag, rng string) bool {
	if rng == "*" {
		return tag != ""
	}
	if rng == "" {
		return tag == ""
	}
	if len(tag) < len(rng) || !strings.EqualFold(tag[:len(rng)], rng) {
		return false
	}
	return len(tag) == len(rng) || tag[len(rng)] == '-'
}

func langMatches(a, b rdf.Term) (rdf.Term, error) {
	if err := simpleArg(a); err != nil {
		return rdf.Term{}, err
	}
	if err := simpleArg(b); err != nil {
		return rdf.Term{}, err
	}
	return Bool(LangMatches(a.Value, b.Value)), nil
}

func lang(a rdf.Term) (rdf.Term, error) {
	if a.Kind != rdf.KindLiteral {
		if a.Kind == rdf.KindNone {
			return rdf.Term{}, errUnbound
		}
		return rdf.Term{}, errNotLiteral
	}
	return rdf.String(a.Lang), nil
}

func datatype(a rdf.Term) (rdf.Term, error) {
	if a.Kind != rdf.KindLiteral {
		if a.Kind == rdf.KindNone {
			return rdf.Term{}, errUnbound
		}
		return rdf.Term{}, errNotLiteral
	}
	if a.Datatype == "" {
		return rdf.IRI(rdf.XSDString), nil
	}
	return rdf.IRI(a.Datatype), nil
}

// strDT implements STRDT(simple literal, IRI).
func strDT(a, dt rdf.Term) (rdf.Term, error) {
	if err := simpleArg(a); err != nil {
		return rdf.Term{}, err
	}
	if dt.Kind != rdf.KindIRI {
		return rdf.Term{}, errNotIRI
	}
	if dt.Value == rdf.RDFLangString {
		return rdf.Term{}, typeErr("STRDT cannot build rdf:langString")
	}
	return rdf.Literal(a.Value, dt.Value), nil
}

// strLang implements STRLANG(simple literal, language tag).
func strLang(a, tag rdf.Term) (rdf.Term, error) {
	if err := simpleArg(a); err != nil {
		return rdf.Term{}, err
	}
	if err := simpleArg(tag); err != nil {
		return rdf.Term{}, err
	}
	if !validLangTag(tag.Value) {
		return rdf.Term{}, errBadLang
	}
	return rdf.LangLiteral(a.Value, tag.Value), nil
}

// validLangTag checks the BCP 47 shape [a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*.
func validLangTag(s string) bool {
	if s == "" {
		return false
	}
	n, first := 0, true
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '-' {
			if n == 0 || n > 8 {
				return false
			}
			n, first = 0, false
			continue
		}
		c := s[i]
		alpha := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !alpha && (first || c < '0' || c > '9') {
			return false
		}
		n++
	}
	return true
}
