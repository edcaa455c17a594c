package function

import (
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/intermw/intermw/ontology/rdf"
)

// maxCachedPatterns bounds a Context's regular expression cache; when full
// it is emptied and refilled (queries rarely use more than a few patterns,
// but a pattern built from data could otherwise grow it without bound).
const maxCachedPatterns = 1024

type regexKey struct{ pattern, flags string }

type regexEntry struct {
	key regexKey
	re  *regexp.Regexp
	err error
}

// regexCache caches compiled patterns keyed by pattern and flags. Lookups
// of the most recently used pattern are a single atomic load; others take a
// read lock. It is safe for concurrent use.
type regexCache struct {
	last atomic.Pointer[regexEntry]
	mu   sync.RWMutex
	m    map[regexKey]*regexEntry
}

func (c *regexCache) get(pattern, flags string) (*regexp.Regexp, error) {
	if e := c.last.Load(); e != nil && e.key.pattern == pattern && e.key.flags == flags {
		return e.re, e.err
	}
	k := regexKey{pattern, flags}
	c.mu.RLock()
	e := c.m[k]
	c.mu.RUnlock()
	if e == nil {
		re, err := CompileRegex(pattern, flags)
		e = &regexEntry{key: k, re: re, err: err}
		c.mu.Lock()
		if c.m == nil || len(c.m) >= maxCachedPatterns {
			c.m = make(map[regexKey]*regexEntry)
		}
		c.m[k] = e
		c.mu.Unlock()
	}
	c.last.Store(e)
	return e.re, e.err
}

// CompileRegex translates an XPath regular expression (the pattern
// language of fn:matches, used by REGEX and REPLACE) with its flags into
// a Go regexp. Flags: i (case-insensitive), s (dot matches newlines), m
// (multi-line ^ and $), x (whitespace outside character classes is
// removed), q (the pattern is a literal string; only i still applies).
// XPath constructs RE2 cannot express (back-references, character class
// subtraction, Unicode block escapes \p{IsX}) are reported as type errors.
func CompileRegex(pattern, flags string) (*regexp.Regexp, error) {
	var prefix strings.Builder
	var fi, fs, fm, fx, fq bool
	for i := 0; i < len(flags); i++ {
		switch flags[i] {
		case 'i':
			fi = true
		case 's':
			fs = true
		case 'm':
			fm = true
		case 'x':
			fx = true
		case 'q':
			fq = true
		default:
			return nil, errBadFlags
		}
	}
	if fi || fs || fm {
		prefix.WriteString("(?")
		if fi {
			prefix.WriteByte('i')
		}
		if fs && !fq {
			prefix.WriteByte('s')
		}
		if fm && !fq {
			prefix.WriteByte('m')
		}
		prefix.WriteByte(')')
		if prefix.Len() == 3 {
			prefix.Reset()
		}
	}
	var body string
	if fq {
		body = regexp.QuoteMeta(pattern)
	} else {
		var ok bool
		body, ok = translateXPathRegex(pattern, fx)
		if !ok {
			return nil, errBadPattern
		}
	}
	re, err := regexp.Compile(prefix.String() + body)
	if err != nil {
		return nil, errBadPattern
	}
	return re, nil
}

// translateXPathRegex rewrites the XPath-only parts of a pattern into RE2
// syntax: \i \I \c \C name-character escapes, and x-flag whitespace
// removal. It rejects back-references and class subtraction.
func translateXPathRegex(p string, stripSpace bool) (string, bool) {
	simple := !stripSpace
	for i := 0; i < len(p) && simple; i++ {
		if p[i] == '\\' || p[i] == '[' {
			simple = false
		}
	}
	if simple {
		return p, true
	}
	var b strings.Builder
	b.Grow(len(p) + 8)
	inClass := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			n := p[i+1]
			i++
			switch n {
			case 'i':
				b.WriteString(classOrBare(inClass > 0, `\p{L}_:`))
			case 'I':
				if inClass > 0 {
					return "", false
				}
				b.WriteString(`[^\p{L}_:]`)
			case 'c':
				b.WriteString(classOrBare(inClass > 0, `\p{L}\p{Nd}\p{Mn}\p{Mc}._:\-\x{B7}`))
			case 'C':
				if inClass > 0 {
					return "", false
				}
				b.WriteString(`[^\p{L}\p{Nd}\p{Mn}\p{Mc}._:\-\x{B7}]`)
			case '1', '2', '3', '4', '5', '6', '7', '8', '9':
				if inClass == 0 {
					return "", false // back-references are not supported by RE2
				}
				b.WriteByte('\\')
				b.WriteByte(n)
			default:
				b.WriteByte('\\')
				b.WriteByte(n)
			}
		case c == '[':
			if inClass > 0 {
				return "", false // nested class: XPath class subtraction
			}
			inClass++
			b.WriteByte(c)
			// A leading ] or ^] is literal.
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
		case c == ']' && inClass > 0:
			inClass--
			b.WriteByte(c)
		case c == '-' && inClass > 0 && i+1 < len(p) && p[i+1] == '[':
			return "", false // class subtraction
		case stripSpace && inClass == 0 && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			// removed by the x flag
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

func classOrBare(inClass bool, set string) string {
	if inClass {
		return set
	}
	return "[" + set + "]"
}

// regex implements REGEX(text, pattern[, flags]).
func regex(args []rdf.Term, ctx *Context) (rdf.Term, error) {
	text := args[0]
	if err := stringArg(text); err != nil {
		return rdf.Term{}, err
	}
	if err := simpleArg(args[1]); err != nil {
		return rdf.Term{}, err
	}
	flags := ""
	if len(args) == 3 {
		if err := simpleArg(args[2]); err != nil {
			return rdf.Term{}, err
		}
		flags = args[2].Value
	}
	re, err := ctx.Regex(args[1].Value, flags)
	if err != nil {
		return rdf.Term{}, err
	}
	return Bool(re.MatchString(text.Value)), nil
}

// replace implements REPLACE(arg, pattern, replacement[, flags]) with
// fn:replace semantics: $N group references, \$ and \\ escapes, an error
// when the pattern matches the empty string. The result keeps the first
// argument's language tag.
func replace(args []rdf.Term, ctx *Context) (rdf.Term, error) {
	arg := args[0]
	if err := stringArg(arg); err != nil {
		return rdf.Term{}, err
	}
	for _, a := range args[1:] {
		if err := simpleArg(a); err != nil {
			return rdf.Term{}, err
		}
	}
	flags := ""
	if len(args) == 4 {
		flags = args[3].Value
	}
	re, err := ctx.Regex(args[1].Value, flags)
	if err != nil {
		return rdf.Term{}, err
	}
	if re.MatchString("") {
		return rdf.Term{}, errEmptyMatch
	}
	if strings.IndexByte(flags, 'q') >= 0 {
		return withLexical(arg, re.ReplaceAllLiteralString(arg.Value, args[2].Value)), nil
	}
	tmpl, ok := translateReplacement(args[2].Value, re.NumSubexp())
	if !ok {
		return rdf.Term{}, errBadReplace
	}
	return withLexical(arg, re.ReplaceAllString(arg.Value, tmpl)), nil
}

// translateReplacement turns an XPath replacement string into a Go
// regexp template. "$12" refers to group 12 when the pattern has that many
// groups and to group 1 followed by "2" otherwise.
func translateReplacement(r string, groups int) (string, bool) {
	if strings.IndexByte(r, '$') < 0 && strings.IndexByte(r, '\\') < 0 {
		return r, true
	}
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch c {
		case '\\':
			if i+1 >= len(r) || (r[i+1] != '\\' && r[i+1] != '$') {
				return "", false
			}
			i++
			if r[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte('\\')
			}
		case '$':
			if i+1 >= len(r) || r[i+1] < '0' || r[i+1] > '9' {
				return "", false
			}
			i++
			n := int(r[i] - '0')
			for i+1 < len(r) && r[i+1] >= '0' && r[i+1] <= '9' && n*10+int(r[i+1]-'0') <= groups {
				i++
				n = n*10 + int(r[i]-'0')
			}
			b.WriteString("${")
			b.WriteString(itoa(n))
			b.WriteByte('}')
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
