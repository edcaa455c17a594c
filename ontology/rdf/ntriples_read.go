package rdf

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrParse is wrapped by every N-Triples, N-Quads and Turtle parse error.
var ErrParse = errors.New("rdf parse error")

// ParseError is a parse error with its 1-based position.
type ParseError struct {
	Line, Column int
	Msg          string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("rdf parse error at line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// Is makes errors.Is(err, ErrParse) hold.
func (e *ParseError) Is(target error) bool { return target == ErrParse }

// maxLineBytes bounds one N-Quads line.
const maxLineBytes = 16 << 20

// ParseNQuads reads an N-Quads document.
func ParseNQuads(r io.Reader) ([]Quad, error) {
	var out []Quad
	err := scanLines(r, func(lineNo int, line string) error {
		q, ok, err := parseNQuadsLine(line, lineNo, true)
		if err != nil {
			return err
		}
		if ok {
			out = append(out, q)
		}
		return nil
	})
	return out, err
}

// ParseNTriples reads an N-Triples document.
func ParseNTriples(r io.Reader) ([]Triple, error) {
	var out []Triple
	err := scanLines(r, func(lineNo int, line string) error {
		q, ok, err := parseNQuadsLine(line, lineNo, false)
		if err != nil {
			return err
		}
		if ok {
			out = append(out, q.Triple())
		}
		return nil
	})
	return out, err
}

func scanLines(r io.Reader, fn func(int, string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLineBytes)
	n := 0
	for sc.Scan() {
		n++
		if err := fn(n, sc.Text()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%w: line %d: %v", ErrParse, n+1, err)
	}
	return nil
}

type lineParser struct {
	s    string
	i    int
	line int
}

func (p *lineParser) errf(format string, args ...any) error {
	return &ParseError{Line: p.line, Column: p.i + 1, Msg: fmt.Sprintf(format, args...)}
}

func (p *lineParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\r') {
		p.i++
	}
}

func parseNQuadsLine(line string, lineNo int, quads bool) (Quad, bool, error) {
	p := &lineParser{s: line, line: lineNo}
	p.skipSpace()
	if p.i == len(p.s) || p.s[p.i] == '#' {
		return Quad{}, false, nil
	}
	var q Quad
	var err error
	if q.S, err = p.term(); err != nil {
		return q, false, err
	}
	if q.S.IsLiteral() {
		return q, false, p.errf("a literal cannot be a subject")
	}
	p.skipSpace()
	if q.P, err = p.term(); err != nil {
		return q, false, err
	}
	if !q.P.IsIRI() {
		return q, false, p.errf("a predicate must be an IRI")
	}
	p.skipSpace()
	if q.O, err = p.term(); err != nil {
		return q, false, err
	}
	p.skipSpace()
	if quads && p.i < len(p.s) && p.s[p.i] != '.' {
		if q.G, err = p.term(); err != nil {
			return q, false, err
		}
		if q.G.IsLiteral() {
			return q, false, p.errf("a literal cannot name a graph")
		}
		p.skipSpace()
	}
	if p.i >= len(p.s) || p.s[p.i] != '.' {
		return q, false, p.errf("expected '.'")
	}
	p.i++
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] != '#' {
		return q, false, p.errf("unexpected text after '.'")
	}
	return q, true, nil
}

func (p *lineParser) term() (Term, error) {
	if p.i >= len(p.s) {
		return Term{}, p.errf("unexpected end of line")
	}
	switch p.s[p.i] {
	case '<':
		iri, err := p.iriRef()
		return IRI(iri), err
	case '_':
		if !strings.HasPrefix(p.s[p.i:], "_:") {
			return Term{}, p.errf("expected '_:'")
		}
		p.i += 2
		start := p.i
		for p.i < len(p.s) {
			r, size := utf8.DecodeRuneInString(p.s[p.i:])
			if r == ' ' || r == '\t' || r == '<' || r == '"' || r == '\r' {
				break
			}
			if r == '.' && (p.i+1 == len(p.s) || p.s[p.i+1] == ' ' || p.s[p.i+1] == '\t' || p.s[p.i+1] == '<' || p.s[p.i+1] == '#') {
				break
			}
			p.i += size
		}
		if p.i == start {
			return Term{}, p.errf("empty blank node label")
		}
		return Blank(p.s[start:p.i]), nil
	case '"':
		lex, err := p.quoted()
		if err != nil {
			return Term{}, err
		}
		if strings.HasPrefix(p.s[p.i:], "^^") {
			p.i += 2
			if p.i >= len(p.s) || p.s[p.i] != '<' {
				return Term{}, p.errf("expected datatype IRI")
			}
			dt, err := p.iriRef()
			if err != nil {
				return Term{}, err
			}
			return Literal(lex, dt), nil
		}
		if p.i < len(p.s) && p.s[p.i] == '@' {
			p.i++
			start := p.i
			for p.i < len(p.s) && (isAlnum(p.s[p.i]) || p.s[p.i] == '-') {
				p.i++
			}
			if p.i == start {
				return Term{}, p.errf("empty language tag")
			}
			return LangLiteral(lex, p.s[start:p.i]), nil
		}
		return String(lex), nil
	}
	return Term{}, p.errf("unexpected character %q", p.s[p.i])
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (p *lineParser) iriRef() (string, error) {
	p.i++ // '<'
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '>':
			p.i++
			return b.String(), nil
		case c == '\\':
			r, err := p.uchar()
			if err != nil {
				return "", err
			}
			b.WriteRune(r)
		case c <= ' ' || c == '<' || c == '"' || c == '{' || c == '}' || c == '|' || c == '^' || c == '`':
			return "", p.errf("character %q not allowed in an IRI", c)
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", p.errf("unterminated IRI")
}

// uchar reads \uXXXX or \UXXXXXXXX at p.i.
func (p *lineParser) uchar() (rune, error) {
	if p.i+1 >= len(p.s) {
		return 0, p.errf("bad escape")
	}
	n := 0
	switch p.s[p.i+1] {
	case 'u':
		n = 4
	case 'U':
		n = 8
	default:
		return 0, p.errf("bad escape \\%c", p.s[p.i+1])
	}
	if p.i+2+n > len(p.s) {
		return 0, p.errf("short unicode escape")
	}
	v, err := strconv.ParseUint(p.s[p.i+2:p.i+2+n], 16, 32)
	if err != nil || v > utf8.MaxRune || (v >= 0xD800 && v <= 0xDFFF) {
		return 0, p.errf("bad unicode escape")
	}
	p.i += 2 + n
	return rune(v), nil
}

func (p *lineParser) quoted() (string, error) {
	p.i++ // '"'
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch c {
		case '"':
			p.i++
			return b.String(), nil
		case '\\':
			if p.i+1 >= len(p.s) {
				return "", p.errf("bad escape")
			}
			if e, ok := echar(p.s[p.i+1]); ok {
				b.WriteByte(e)
				p.i += 2
				continue
			}
			r, err := p.uchar()
			if err != nil {
				return "", err
			}
			b.WriteRune(r)
		case '\n', '\r':
			return "", p.errf("newline in string")
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", p.errf("unterminated string")
}

// echar maps the character after a backslash in an ECHAR escape.
func echar(c byte) (byte, bool) {
	switch c {
	case 't':
		return '\t', true
	case 'b':
		return '\b', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 'f':
		return '\f', true
	case '"':
		return '"', true
	case '\'':
		return '\'', true
	case '\\':
		return '\\', true
	}
	return 0, false
}
