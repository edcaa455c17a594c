package rdf

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// TurtleOptions configure ParseTurtleWith.
type TurtleOptions struct {
	// Base is the document's base IRI for relative IRIs.
	Base string
	// Prefixes are predeclared prefixes (name without ':' → namespace IRI).
	Prefixes map[string]string
	// BlankPrefix is prepended to every blank node label, so that labels from
	// two documents stay apart. Fresh labels are "<BlankPrefix>genN".
	BlankPrefix string
	// MaxBytes bounds the document size; 0 means 64 MiB.
	MaxBytes int64
}

// ParseTurtle reads a Turtle 1.1 document with base IRI base.
func ParseTurtle(r io.Reader, base string) ([]Triple, error) {
	return ParseTurtleWith(r, TurtleOptions{Base: base})
}

// ParseTurtleWith reads a Turtle 1.1 document.
func ParseTurtleWith(r io.Reader, opts TurtleOptions) ([]Triple, error) {
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = 64 << 20
	}
	data, err := io.ReadAll(io.LimitReader(bufio.NewReader(r), limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrParse, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: document larger than %d bytes", ErrParse, limit)
	}
	p := &turtleParser{
		src:      string(data),
		line:     1,
		base:     opts.Base,
		prefixes: map[string]string{},
		bprefix:  opts.BlankPrefix,
		blanks:   map[string]string{},
	}
	for k, v := range opts.Prefixes {
		p.prefixes[k] = v
	}
	if err := p.document(); err != nil {
		return nil, err
	}
	return p.out, nil
}

// Prefixes of the last ParseTurtle are not exposed; TurtlePrefixes parses
// only the directives and returns the declared prefixes.
func TurtlePrefixes(r io.Reader) (map[string]string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	p := &turtleParser{src: string(data), line: 1, prefixes: map[string]string{}, blanks: map[string]string{}}
	if err := p.document(); err != nil {
		return nil, err
	}
	return p.prefixes, nil
}

type turtleParser struct {
	src      string
	pos      int
	line     int
	lineAt   int // offset where the current line starts
	base     string
	prefixes map[string]string
	bprefix  string
	blanks   map[string]string
	fresh    int
	out      []Triple
}

func (p *turtleParser) errf(format string, args ...any) error {
	return &ParseError{Line: p.line, Column: utf8.RuneCountInString(p.src[p.lineAt:min(p.pos, len(p.src))]) + 1, Msg: fmt.Sprintf(format, args...)}
}

func (p *turtleParser) ws() {
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch c {
		case '\n':
			p.pos++
			p.line++
			p.lineAt = p.pos
		case ' ', '\t', '\r':
			p.pos++
		case '#':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		default:
			return
		}
	}
}

func (p *turtleParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *turtleParser) expect(c byte) error {
	p.ws()
	if p.peek() != c {
		return p.errf("expected %q", c)
	}
	p.pos++
	return nil
}

// keyword matches a case-insensitive keyword followed by a non-name char.
func (p *turtleParser) keyword(kw string) bool {
	if len(p.src)-p.pos < len(kw) || !strings.EqualFold(p.src[p.pos:p.pos+len(kw)], kw) {
		return false
	}
	if e := p.pos + len(kw); e < len(p.src) {
		r, _ := utf8.DecodeRuneInString(p.src[e:])
		if isPNChars(r) || r == ':' {
			return false
		}
	}
	return true
}

func (p *turtleParser) document() error {
	for {
		p.ws()
		if p.pos >= len(p.src) {
			return nil
		}
		if err := p.statement(); err != nil {
			return err
		}
	}
}

func (p *turtleParser) statement() error {
	switch {
	case strings.HasPrefix(p.src[p.pos:], "@prefix"):
		p.pos += len("@prefix")
		if err := p.prefixDecl(); err != nil {
			return err
		}
		return p.expect('.')
	case strings.HasPrefix(p.src[p.pos:], "@base"):
		p.pos += len("@base")
		if err := p.baseDecl(); err != nil {
			return err
		}
		return p.expect('.')
	case p.keyword("PREFIX"):
		p.pos += len("PREFIX")
		return p.prefixDecl()
	case p.keyword("BASE"):
		p.pos += len("BASE")
		return p.baseDecl()
	}
	if err := p.triples(); err != nil {
		return err
	}
	return p.expect('.')
}

func (p *turtleParser) prefixDecl() error {
	p.ws()
	start := p.pos
	for p.pos < len(p.src) && p.src[p.pos] != ':' {
		r, size := utf8.DecodeRuneInString(p.src[p.pos:])
		if !isPNChars(r) && r != '.' {
			return p.errf("bad prefix name")
		}
		p.pos += size
	}
	if p.pos >= len(p.src) {
		return p.errf("expected ':' in prefix declaration")
	}
	name := p.src[start:p.pos]
	if strings.HasSuffix(name, ".") {
		return p.errf("prefix name may not end with '.'")
	}
	p.pos++
	p.ws()
	iri, err := p.iriRef()
	if err != nil {
		return err
	}
	p.prefixes[name] = iri
	return nil
}

func (p *turtleParser) baseDecl() error {
	p.ws()
	iri, err := p.iriRef()
	if err != nil {
		return err
	}
	p.base = iri
	return nil
}

func (p *turtleParser) triples() error {
	p.ws()
	var subj Term
	var err error
	if p.peek() == '[' {
		subj, err = p.blankNodePropertyList()
		if err != nil {
			return err
		}
		p.ws()
		if p.peek() == '.' {
			return nil
		}
	} else {
		subj, err = p.subject()
		if err != nil {
			return err
		}
	}
	return p.predicateObjectList(subj)
}

func (p *turtleParser) subject() (Term, error) {
	p.ws()
	switch p.peek() {
	case '(':
		return p.collection()
	case '_':
		return p.blankLabel()
	case '<':
		iri, err := p.iriRef()
		return IRI(iri), err
	}
	return p.prefixedName()
}

func (p *turtleParser) predicateObjectList(subj Term) error {
	for {
		p.ws()
		pred, err := p.verb()
		if err != nil {
			return err
		}
		if err := p.objectList(subj, pred); err != nil {
			return err
		}
		p.ws()
		if p.peek() != ';' {
			return nil
		}
		for p.peek() == ';' {
			p.pos++
			p.ws()
		}
		if c := p.peek(); c == '.' || c == ']' || c == 0 {
			return nil
		}
	}
}

func (p *turtleParser) verb() (Term, error) {
	if p.peek() == 'a' && p.pos+1 < len(p.src) {
		r, _ := utf8.DecodeRuneInString(p.src[p.pos+1:])
		if !isPNChars(r) && r != ':' && r != '.' {
			p.pos++
			return IRI(RDFType), nil
		}
	}
	if p.peek() == '<' {
		iri, err := p.iriRef()
		return IRI(iri), err
	}
	return p.prefixedName()
}

func (p *turtleParser) objectList(subj, pred Term) error {
	for {
		obj, err := p.object()
		if err != nil {
			return err
		}
		p.out = append(p.out, Triple{S: subj, P: pred, O: obj})
		p.ws()
		if p.peek() != ',' {
			return nil
		}
		p.pos++
	}
}

func (p *turtleParser) object() (Term, error) {
	p.ws()
	switch c := p.peek(); {
	case c == '<':
		iri, err := p.iriRef()
		return IRI(iri), err
	case c == '_':
		return p.blankLabel()
	case c == '[':
		return p.blankNodePropertyList()
	case c == '(':
		return p.collection()
	case c == '"' || c == '\'':
		return p.literal()
	case c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9'):
		return p.numeric()
	}
	if p.keyword("true") {
		p.pos += 4
		return Literal("true", XSDBoolean), nil
	}
	if p.keyword("false") {
		p.pos += 5
		return Literal("false", XSDBoolean), nil
	}
	return p.prefixedName()
}

func (p *turtleParser) freshBlank() Term {
	p.fresh++
	return Blank(p.bprefix + "gen" + strconv.Itoa(p.fresh))
}

func (p *turtleParser) blankNodePropertyList() (Term, error) {
	p.pos++ // '['
	node := p.freshBlank()
	p.ws()
	if p.peek() == ']' {
		p.pos++
		return node, nil
	}
	if err := p.predicateObjectList(node); err != nil {
		return Term{}, err
	}
	if err := p.expect(']'); err != nil {
		return Term{}, err
	}
	return node, nil
}

func (p *turtleParser) collection() (Term, error) {
	p.pos++ // '('
	var items []Term
	for {
		p.ws()
		if p.peek() == ')' {
			p.pos++
			break
		}
		if p.pos >= len(p.src) {
			return Term{}, p.errf("unterminated collection")
		}
		o, err := p.object()
		if err != nil {
			return Term{}, err
		}
		items = append(items, o)
	}
	if len(items) == 0 {
		return IRI(RDFNS + "nil"), nil
	}
	head := p.freshBlank()
	cur := head
	for i, it := range items {
		p.out = append(p.out, Triple{S: cur, P: IRI(RDFNS + "first"), O: it})
		next := IRI(RDFNS + "nil")
		if i < len(items)-1 {
			next = p.freshBlank()
		}
		p.out = append(p.out, Triple{S: cur, P: IRI(RDFNS + "rest"), O: next})
		cur = next
	}
	return head, nil
}

func (p *turtleParser) blankLabel() (Term, error) {
	if !strings.HasPrefix(p.src[p.pos:], "_:") {
		return Term{}, p.errf("expected '_:'")
	}
	p.pos += 2
	start := p.pos
	for p.pos < len(p.src) {
		r, size := utf8.DecodeRuneInString(p.src[p.pos:])
		if isPNChars(r) || (r == '.' && p.pos > start) {
			p.pos += size
			continue
		}
		break
	}
	for p.pos > start && p.src[p.pos-1] == '.' {
		p.pos--
	}
	if p.pos == start {
		return Term{}, p.errf("empty blank node label")
	}
	label := p.src[start:p.pos]
	mapped, ok := p.blanks[label]
	if !ok {
		mapped = p.bprefix + label
		p.blanks[label] = mapped
	}
	return Blank(mapped), nil
}

func (p *turtleParser) iriRef() (string, error) {
	if p.peek() != '<' {
		return "", p.errf("expected IRI")
	}
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '>':
			p.pos++
			return ResolveIRI(p.base, b.String()), nil
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
			p.pos++
		}
	}
	return "", p.errf("unterminated IRI")
}

func (p *turtleParser) uchar() (rune, error) {
	lp := lineParser{s: p.src, i: p.pos, line: p.line}
	r, err := lp.uchar()
	p.pos = lp.i
	return r, err
}

func (p *turtleParser) prefixedName() (Term, error) {
	start := p.pos
	for p.pos < len(p.src) && p.src[p.pos] != ':' {
		r, size := utf8.DecodeRuneInString(p.src[p.pos:])
		if !isPNChars(r) && r != '.' {
			break
		}
		p.pos += size
	}
	if p.peek() != ':' {
		p.pos = start
		return Term{}, p.errf("expected an IRI, prefixed name, blank node or literal")
	}
	prefix := p.src[start:p.pos]
	ns, ok := p.prefixes[prefix]
	if !ok {
		p.pos = start
		return Term{}, p.errf("undeclared prefix %q", prefix)
	}
	p.pos++
	local, err := p.localName()
	if err != nil {
		return Term{}, err
	}
	return IRI(ns + local), nil
}

func (p *turtleParser) localName() (string, error) {
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '\\':
			if p.pos+1 >= len(p.src) || !strings.ContainsRune("_~.-!$&'()*+,;=/?#@%", rune(p.src[p.pos+1])) {
				return "", p.errf("bad escape in local name")
			}
			b.WriteByte(p.src[p.pos+1])
			p.pos += 2
			continue
		case c == '%':
			if p.pos+2 >= len(p.src) || !isHex(p.src[p.pos+1]) || !isHex(p.src[p.pos+2]) {
				return "", p.errf("bad percent escape in local name")
			}
			b.WriteString(p.src[p.pos : p.pos+3])
			p.pos += 3
			continue
		case c == ':':
			b.WriteByte(c)
			p.pos++
			continue
		case c == '.':
			// A dot belongs to the name only if a name character follows.
			if p.pos+1 < len(p.src) {
				r, _ := utf8.DecodeRuneInString(p.src[p.pos+1:])
				if isPNChars(r) || r == ':' || r == '%' || r == '\\' || r == '.' {
					j := p.pos
					for j < len(p.src) && p.src[j] == '.' {
						j++
					}
					if j < len(p.src) {
						r2, _ := utf8.DecodeRuneInString(p.src[j:])
						if isPNChars(r2) || r2 == ':' || r2 == '%' || r2 == '\\' {
							b.WriteByte('.')
							p.pos++
							continue
						}
					}
				}
			}
			return b.String(), nil
		}
		r, size := utf8.DecodeRuneInString(p.src[p.pos:])
		if !isPNChars(r) {
			break
		}
		if b.Len() == 0 && r == '-' {
			break
		}
		b.WriteRune(r)
		p.pos += size
	}
	return b.String(), nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// isPNChars is PN_CHARS of the Turtle grammar (PN_CHARS_U plus '-', digits
// and the combining ranges).
func isPNChars(r rune) bool {
	switch {
	case r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z':
		return true
	case r == 0xB7 || r >= 0x0300 && r <= 0x036F || r >= 0x203F && r <= 0x2040:
		return true
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x2FF,
		r >= 0x370 && r <= 0x37D, r >= 0x37F && r <= 0x1FFF, r >= 0x200C && r <= 0x200D,
		r >= 0x2070 && r <= 0x218F, r >= 0x2C00 && r <= 0x2FEF, r >= 0x3001 && r <= 0xD7FF,
		r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD, r >= 0x10000 && r <= 0xEFFFF:
		return true
	}
	return false
}

func (p *turtleParser) literal() (Term, error) {
	lex, err := p.stringLiteral()
	if err != nil {
		return Term{}, err
	}
	switch p.peek() {
	case '@':
		p.pos++
		start := p.pos
		for p.pos < len(p.src) && (isAlnum(p.src[p.pos]) || p.src[p.pos] == '-') {
			p.pos++
		}
		if p.pos == start {
			return Term{}, p.errf("empty language tag")
		}
		return LangLiteral(lex, p.src[start:p.pos]), nil
	case '^':
		if !strings.HasPrefix(p.src[p.pos:], "^^") {
			return Term{}, p.errf("expected '^^'")
		}
		p.pos += 2
		var dt string
		if p.peek() == '<' {
			dt, err = p.iriRef()
		} else {
			var t Term
			t, err = p.prefixedName()
			dt = t.Value
		}
		if err != nil {
			return Term{}, err
		}
		return Literal(lex, dt), nil
	}
	return String(lex), nil
}

func (p *turtleParser) stringLiteral() (string, error) {
	q := p.src[p.pos]
	long := strings.HasPrefix(p.src[p.pos:], strings.Repeat(string(q), 3))
	if long {
		p.pos += 3
	} else {
		p.pos++
	}
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == q && !long:
			p.pos++
			return b.String(), nil
		case c == q && long && strings.HasPrefix(p.src[p.pos:], strings.Repeat(string(q), 3)):
			// Allow up to two quotes immediately before the closing triple.
			for strings.HasPrefix(p.src[p.pos+1:], strings.Repeat(string(q), 3)) {
				b.WriteByte(q)
				p.pos++
			}
			p.pos += 3
			return b.String(), nil
		case c == '\\':
			if p.pos+1 >= len(p.src) {
				return "", p.errf("bad escape")
			}
			if e, ok := echar(p.src[p.pos+1]); ok {
				b.WriteByte(e)
				p.pos += 2
				continue
			}
			r, err := p.uchar()
			if err != nil {
				return "", err
			}
			b.WriteRune(r)
		case (c == '\n' || c == '\r') && !long:
			return "", p.errf("newline in a short string")
		default:
			if c == '\n' {
				p.line++
				p.lineAt = p.pos + 1
			}
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", p.errf("unterminated string")
}

func (p *turtleParser) numeric() (Term, error) {
	start := p.pos
	if c := p.peek(); c == '+' || c == '-' {
		p.pos++
	}
	digits := func() int {
		s := p.pos
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
		}
		return p.pos - s
	}
	intDigits := digits()
	dt := XSDInteger
	if p.peek() == '.' && p.pos+1 < len(p.src) && p.src[p.pos+1] >= '0' && p.src[p.pos+1] <= '9' {
		p.pos++
		digits()
		dt = XSDDecimal
	} else if p.peek() == '.' && intDigits > 0 && p.pos+1 < len(p.src) && (p.src[p.pos+1] == 'e' || p.src[p.pos+1] == 'E') {
		p.pos++
		dt = XSDDecimal
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		p.pos++
		if c := p.peek(); c == '+' || c == '-' {
			p.pos++
		}
		if digits() == 0 {
			return Term{}, p.errf("bad exponent")
		}
		dt = XSDDouble
	}
	lex := p.src[start:p.pos]
	if lex == "" || lex == "+" || lex == "-" || (intDigits == 0 && dt == XSDInteger) {
		return Term{}, p.errf("bad number")
	}
	return Literal(lex, dt), nil
}

// ResolveIRI resolves ref against base per RFC 3986 section 5.2. An absolute
// ref, or an empty base, returns ref unchanged.
func ResolveIRI(base, ref string) string {
	if base == "" || hasScheme(ref) {
		return ref
	}
	bScheme, bAuth, bPath, bQuery, _ := splitIRI(base)
	_ = bQuery
	rScheme, rAuth, rPath, rQuery, rFrag := splitIRI(ref)
	_ = rScheme
	var tAuth, tPath, tQuery string
	hasRAuth := strings.HasPrefix(ref, "//")
	hasRQuery := strings.Contains(strings.SplitN(ref, "#", 2)[0], "?")
	switch {
	case hasRAuth:
		tAuth, tPath, tQuery = rAuth, removeDots(rPath), rQuery
	case rPath == "":
		tPath = bPath
		if hasRQuery {
			tQuery = rQuery
		} else {
			tQuery = bQuery
		}
		tAuth = bAuth
	default:
		if strings.HasPrefix(rPath, "/") {
			tPath = removeDots(rPath)
		} else {
			tPath = removeDots(mergePaths(bAuth, bPath, rPath))
		}
		tQuery = rQuery
		tAuth = bAuth
	}
	var b strings.Builder
	b.WriteString(bScheme)
	b.WriteByte(':')
	if hasRAuth || strings.HasPrefix(base[len(bScheme)+1:], "//") {
		b.WriteString("//")
		b.WriteString(tAuth)
	}
	b.WriteString(tPath)
	if hasRQuery || (rPath == "" && !hasRAuth && strings.Contains(strings.SplitN(base, "#", 2)[0], "?")) {
		b.WriteByte('?')
		b.WriteString(tQuery)
	}
	if strings.Contains(ref, "#") {
		b.WriteByte('#')
		b.WriteString(rFrag)
	}
	return b.String()
}

func hasScheme(s string) bool {
	for i, r := range s {
		switch {
		case r == ':':
			return i > 0
		case unicode.IsLetter(r) && r < 128:
		case i > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return false
}

// splitIRI splits an IRI into scheme, authority, path, query and fragment.
func splitIRI(s string) (scheme, auth, path, query, frag string) {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s, frag = s[:i], s[i+1:]
	}
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s, query = s[:i], s[i+1:]
	}
	if hasScheme(s) {
		i := strings.IndexByte(s, ':')
		scheme, s = s[:i], s[i+1:]
	}
	if strings.HasPrefix(s, "//") {
		s = s[2:]
		i := strings.IndexByte(s, '/')
		if i < 0 {
			return scheme, s, "", query, frag
		}
		auth, s = s[:i], s[i:]
	}
	return scheme, auth, s, query, frag
}

func mergePaths(baseAuth, basePath, ref string) string {
	if baseAuth != "" && basePath == "" {
		return "/" + ref
	}
	i := strings.LastIndexByte(basePath, '/')
	return basePath[:i+1] + ref
}

// removeDots implements RFC 3986 section 5.2.4.
func removeDots(in string) string {
	var out []string
	for in != "" {
		switch {
		case strings.HasPrefix(in, "../"):
			in = in[3:]
		case strings.HasPrefix(in, "./"):
			in = in[2:]
		case strings.HasPrefix(in, "/./"):
			in = in[2:]
		case in == "/.":
			in = "/"
		case strings.HasPrefix(in, "/../"):
			in = in[3:]
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		case in == "/..":
			in = "/"
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		case in == "." || in == "..":
			in = ""
		default:
			start := 0
			if in[0] == '/' {
				start = 1
			}
			i := strings.IndexByte(in[start:], '/')
			if i < 0 {
				out = append(out, in)
				in = ""
			} else {
				out = append(out, in[:start+i])
				in = in[start+i:]
			}
		}
	}
	return strings.Join(out, "")
}
