package sparql

import (
	"strings"
	"unicode/utf8"
)

// tokKind is the kind of a lexical token (the terminals of spec section
// 19.8, with keywords and punctuation folded into two kinds).
type tokKind uint8

const (
	tEOF     tokKind = iota
	tIRI             // IRIREF: val is the IRI between < and >
	tPNameNS         // PNAME_NS: val is the prefix (without ':')
	tPNameLN         // PNAME_LN: val is the prefix, local the decoded local part
	tBlank           // BLANK_NODE_LABEL: val is the label (without "_:")
	tVar             // VAR1/VAR2: val is the name
	tLangTag         // LANGTAG: val is the tag without '@'
	tInteger         // INTEGER, INTEGER_POSITIVE, INTEGER_NEGATIVE: val as written
	tDecimal         // DECIMAL*: val as written
	tDouble          // DOUBLE*: val as written
	tString          // any string literal: val is the decoded value
	tWord            // a bare word: keyword, 'a', true/false, built-in name
	tPunct           // punctuation and operators: val is the symbol
)

func (k tokKind) String() string {
	switch k {
	case tEOF:
		return "end of input"
	case tIRI:
		return "IRI"
	case tPNameNS, tPNameLN:
		return "prefixed name"
	case tBlank:
		return "blank node"
	case tVar:
		return "variable"
	case tLangTag:
		return "language tag"
	case tInteger, tDecimal, tDouble:
		return "number"
	case tString:
		return "string"
	case tWord:
		return "keyword"
	case tPunct:
		return "punctuation"
	}
	return "token"
}

// token is one lexical token. pos is the byte offset of its first
// character in the (escape-processed) text.
type token struct {
	kind  tokKind
	val   string
	local string // tPNameLN only
	pos   int
	// signed is set for numeric tokens written with a leading sign.
	signed bool
}

// describe renders a token for error messages ("found ...").
func (t token) describe(src string) string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tWord, tPunct:
		return "'" + t.val + "'"
	case tString:
		return "string literal"
	}
	end := t.pos + 40
	if end > len(src) {
		end = len(src)
	}
	s := src[t.pos:end]
	if i := strings.IndexAny(s, " \t\r\n"); i > 0 {
		s = s[:i]
	}
	return t.kind.String() + " '" + s + "'"
}

// lexer turns the text into tokens.
type lexer struct {
	src  string
	pos  int
	toks []token
}

// lexError is a lexical error at a byte offset.
type lexError struct {
	pos int
	msg string
}

// tokenize lexes the whole text. The text must already have had its
// \u and \U escapes processed (see unescapeCodepoints).
func tokenize(src string) ([]token, *lexError) {
	lx := lexer{src: src, toks: make([]token, 0, len(src)/5+4)}
	for {
		if err := lx.skipSpace(); err != nil {
			return nil, err
		}
		if lx.pos >= len(lx.src) {
			lx.toks = append(lx.toks, token{kind: tEOF, pos: lx.pos})
			return lx.toks, nil
		}
		if err := lx.next(); err != nil {
			return nil, err
		}
	}
}

func (lx *lexer) skipSpace() *lexError {
	for lx.pos < len(lx.src) {
		switch c := lx.src[lx.pos]; c {
		case ' ', '\t', '\r', '\n':
			lx.pos++
		case '#':
			for lx.pos < len(lx.src) && lx.src[lx.pos] != '\n' && lx.src[lx.pos] != '\r' {
				lx.pos++
			}
		default:
			return nil
		}
	}
	return nil
}

func (lx *lexer) emit(kind tokKind, val string, start int) {
	lx.toks = append(lx.toks, token{kind: kind, val: val, pos: start})
}

func (lx *lexer) errAt(pos int, msg string) *lexError { return &lexError{pos: pos, msg: msg} }

func (lx *lexer) peekByte(off int) byte {
	if lx.pos+off < len(lx.src) {
		return lx.src[lx.pos+off]
	}
	return 0
}

func (lx *lexer) next() *lexError {
	start := lx.pos
	c := lx.src[lx.pos]
	switch c {
	case '<':
		if end, ok := lx.scanIRIRef(); ok {
			lx.emit(tIRI, lx.src[start+1:end-1], start)
			lx.pos = end
			return nil
		}
		if lx.peekByte(1) == '=' {
			lx.pos += 2
			lx.emit(tPunct, "<=", start)
			return nil
		}
		lx.pos++
		lx.emit(tPunct, "<", start)
		return nil
	case '>':
		if lx.peekByte(1) == '=' {
			lx.pos += 2
			lx.emit(tPunct, ">=", start)
			return nil
		}
		lx.pos++
		lx.emit(tPunct, ">", start)
		return nil
	case '!':
		if lx.peekByte(1) == '=' {
			lx.pos += 2
			lx.emit(tPunct, "!=", start)
			return nil
		}
		lx.pos++
		lx.emit(tPunct, "!", start)
		return nil
	case '&':
		if lx.peekByte(1) == '&' {
			lx.pos += 2
			lx.emit(tPunct, "&&", start)
			return nil
		}
		return lx.errAt(start, "unexpected character '&' (did you mean '&&'?)")
	case '|':
		if lx.peekByte(1) == '|' {
			lx.pos += 2
			lx.emit(tPunct, "||", start)
			return nil
		}
		lx.pos++
		lx.emit(tPunct, "|", start)
		return nil
	case '^':
		if lx.peekByte(1) == '^' {
			lx.pos += 2
			lx.emit(tPunct, "^^", start)
			return nil
		}
		lx.pos++
		lx.emit(tPunct, "^", start)
		return nil
	case '{', '}', '(', ')', '[', ']', ';', ',', '=', '*', '/':
		lx.pos++
		lx.emit(tPunct, lx.src[start:lx.pos], start)
		return nil
	case '.':
		if isDigit(lx.peekByte(1)) {
			return lx.number(start)
		}
		lx.pos++
		lx.emit(tPunct, ".", start)
		return nil
	case '+', '-':
		n := lx.peekByte(1)
		if isDigit(n) || (n == '.' && isDigit(lx.peekByte(2))) {
			return lx.number(start)
		}
		lx.pos++
		lx.emit(tPunct, lx.src[start:lx.pos], start)
		return nil
	case '?', '$':
		lx.pos++
		end := lx.scanVarName(lx.pos)
		if end == lx.pos {
			if c == '?' {
				lx.emit(tPunct, "?", start)
				return nil
			}
			return lx.errAt(start, "expected a variable name after '$'")
		}
		lx.emit(tVar, lx.src[lx.pos:end], start)
		lx.pos = end
		return nil
	case '"', '\'':
		return lx.str(start)
	case '@':
		lx.pos++
		p := lx.pos
		for p < len(lx.src) && isAlpha(lx.src[p]) {
			p++
		}
		if p == lx.pos {
			return lx.errAt(start, "expected a language tag after '@'")
		}
		for p < len(lx.src) && lx.src[p] == '-' {
			q := p + 1
			for q < len(lx.src) && (isAlpha(lx.src[q]) || isDigit(lx.src[q])) {
				q++
			}
			if q == p+1 {
				return lx.errAt(p, "malformed language tag")
			}
			p = q
		}
		lx.emit(tLangTag, lx.src[lx.pos:p], start)
		lx.pos = p
		return nil
	case '_':
		if lx.peekByte(1) == ':' {
			return lx.blankLabel(start)
		}
	case ':':
		return lx.pname(start, start)
	}
	if isDigit(c) {
		return lx.number(start)
	}
	// A prefixed name or a bare word.
	r, _ := lx.runeAt(lx.pos)
	if isPNCharsBase(r) {
		end := lx.scanPrefix(lx.pos)
		if end < len(lx.src) && lx.src[end] == ':' {
			return lx.pname(start, end)
		}
		// A bare word: letters, digits and '_' only.
		p := lx.pos
		for p < len(lx.src) && (isAlpha(lx.src[p]) || isDigit(lx.src[p]) || lx.src[p] == '_') {
			p++
		}
		if p == lx.pos {
			return lx.errAt(start, "unexpected character "+quoteRune(r))
		}
		lx.emit(tWord, lx.src[lx.pos:p], start)
		lx.pos = p
		return nil
	}
	return lx.errAt(start, "unexpected character "+quoteRune(r))
}

func quoteRune(r rune) string {
	if r == utf8.RuneError {
		return "(invalid UTF-8)"
	}
	return "'" + string(r) + "'"
}

func (lx *lexer) runeAt(p int) (rune, int) {
	if p >= len(lx.src) {
		return -1, 0
	}
	c := lx.src[p]
	if c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(lx.src[p:])
}

// scanIRIRef returns the offset just past the closing '>' of an IRIREF at
// lx.pos, or false if the text there is not an IRIREF.
func (lx *lexer) scanIRIRef() (int, bool) {
	for p := lx.pos + 1; p < len(lx.src); p++ {
		switch c := lx.src[p]; c {
		case '>':
			return p + 1, true
		case '<', '"', '{', '}', '|', '^', '`', '\\':
			return 0, false
		default:
			if c <= 0x20 {
				return 0, false
			}
		}
	}
	return 0, false
}

// scanVarName returns the end of a VARNAME starting at p (p if none).
func (lx *lexer) scanVarName(p int) int {
	first := true
	for p < len(lx.src) {
		if c := lx.src[p]; c < utf8.RuneSelf {
			if asciiClass[c]&clsVar == 0 {
				break
			}
			first = false
			p++
			continue
		}
		r, n := lx.runeAt(p)
		ok := isPNCharsU(r) || (r >= '0' && r <= '9')
		if !first {
			ok = ok || r == 0xB7 || (r >= 0x300 && r <= 0x36F) || (r >= 0x203F && r <= 0x2040)
		}
		if !ok {
			break
		}
		first = false
		p += n
	}
	return p
}

// scanPrefix returns the end of a PN_PREFIX starting at p (whose first
// rune is PN_CHARS_BASE): PN_CHARS and '.', but not ending in '.'.
func (lx *lexer) scanPrefix(p int) int {
	_, n := lx.runeAt(p)
	p += n
	lastGood := p
	for p < len(lx.src) {
		if c := lx.src[p]; c < utf8.RuneSelf {
			if c == '.' {
				p++
				continue
			}
			if asciiClass[c]&clsChars == 0 {
				break
			}
			p++
			lastGood = p
			continue
		}
		r, n := lx.runeAt(p)
		if !isPNChars(r) {
			break
		}
		p += n
		lastGood = p
	}
	return lastGood
}

// pname lexes a PNAME_NS or PNAME_LN; colon is the offset of the ':'.
// PN_LOCAL may hold '.' but not at its end, ':', percent-encodings (kept
// as written) and backslash escapes (decoded).
func (lx *lexer) pname(start, colon int) *lexError {
	prefix := lx.src[start:colon]
	p := colon + 1
	lastGood := p
	escaped := false
	first := true
	for p < len(lx.src) {
		c := lx.src[p]
		switch {
		case c == '%':
			if p+2 < len(lx.src) && isHex(lx.src[p+1]) && isHex(lx.src[p+2]) {
				p += 3
				lastGood, first = p, false
				continue
			}
			return lx.errAt(p, "malformed percent-encoding in prefixed name")
		case c == '\\':
			if p+1 < len(lx.src) && strings.IndexByte(localEscapes, lx.src[p+1]) >= 0 {
				escaped = true
				p += 2
				lastGood, first = p, false
				continue
			}
			return lx.errAt(p, "invalid escape in prefixed name")
		case c == '.':
			if first {
				break
			}
			p++
			continue
		case c == ':':
			p++
			lastGood, first = p, false
			continue
		}
		if c == '.' {
			break
		}
		if c < utf8.RuneSelf {
			if asciiClass[c]&clsChars == 0 || (first && c == '-') {
				break
			}
			p++
			lastGood, first = p, false
			continue
		}
		r, n := lx.runeAt(p)
		ok := isPNCharsU(r) || (r >= '0' && r <= '9')
		if !first {
			ok = ok || isPNChars(r)
		}
		if !ok {
			break
		}
		p += n
		lastGood, first = p, false
	}
	lx.pos = lastGood
	if lastGood == colon+1 {
		lx.toks = append(lx.toks, token{kind: tPNameNS, val: prefix, pos: start})
		return nil
	}
	local := lx.src[colon+1 : lastGood]
	if escaped {
		var b strings.Builder
		for i := 0; i < len(local); i++ {
			if local[i] == '\\' {
				i++
			}
			b.WriteByte(local[i])
		}
		local = b.String()
	}
	lx.toks = append(lx.toks, token{kind: tPNameLN, val: prefix, local: local, pos: start})
	return nil
}

const localEscapes = "_~.-!$&'()*+,;=/?#@%"

func (lx *lexer) blankLabel(start int) *lexError {
	p := start + 2
	r, n := lx.runeAt(p)
	if !(isPNCharsU(r) || (r >= '0' && r <= '9')) {
		return lx.errAt(start, "expected a blank node label after '_:'")
	}
	p += n
	lastGood := p
	for p < len(lx.src) {
		r, n := lx.runeAt(p)
		if r == '.' {
			p += n
			continue
		}
		if !isPNChars(r) {
			break
		}
		p += n
		lastGood = p
	}
	lx.emit(tBlank, lx.src[start+2:lastGood], start)
	lx.pos = lastGood
	return nil
}

func (lx *lexer) number(start int) *lexError {
	p := start
	signed := false
	if c := lx.src[p]; c == '+' || c == '-' {
		p++
		signed = true
	}
	intStart := p
	for p < len(lx.src) && isDigit(lx.src[p]) {
		p++
	}
	hasInt := p > intStart
	kind := tInteger
	if p < len(lx.src) && lx.src[p] == '.' {
		q := p + 1
		for q < len(lx.src) && isDigit(lx.src[q]) {
			q++
		}
		fracDigits := q - p - 1
		if fracDigits > 0 {
			kind = tDecimal
			p = q
		} else if hasInt && lx.hasExponent(q) {
			// "1.e5"
			kind = tDecimal
			p = q
		}
	}
	if lx.hasExponent(p) {
		p++
		if lx.src[p] == '+' || lx.src[p] == '-' {
			p++
		}
		for p < len(lx.src) && isDigit(lx.src[p]) {
			p++
		}
		kind = tDouble
	}
	lx.toks = append(lx.toks, token{kind: kind, val: lx.src[start:p], pos: start, signed: signed})
	lx.pos = p
	return nil
}

// hasExponent reports whether an EXPONENT starts at p.
func (lx *lexer) hasExponent(p int) bool {
	if p >= len(lx.src) || (lx.src[p] != 'e' && lx.src[p] != 'E') {
		return false
	}
	p++
	if p < len(lx.src) && (lx.src[p] == '+' || lx.src[p] == '-') {
		p++
	}
	return p < len(lx.src) && isDigit(lx.src[p])
}

func (lx *lexer) str(start int) *lexError {
	q := lx.src[start]
	long := start+2 < len(lx.src) && lx.src[start+1] == q && lx.src[start+2] == q
	p := start + 1
	if long {
		p = start + 3
	}
	var b strings.Builder
	plain := p // start of the current run without escapes
	for {
		if p >= len(lx.src) {
			return lx.errAt(start, "unterminated string literal")
		}
		c := lx.src[p]
		switch {
		case c == q:
			if !long {
				b.WriteString(lx.src[plain:p])
				lx.finishString(start, p+1, &b)
				return nil
			}
			if p+2 < len(lx.src) && lx.src[p+1] == q && lx.src[p+2] == q {
				// The first three quotes in a row close a long string:
				// its content may hold one or two quotes only before
				// another character.
				b.WriteString(lx.src[plain:p])
				lx.finishString(start, p+3, &b)
				return nil
			}
			p++
		case c == '\\':
			b.WriteString(lx.src[plain:p])
			if p+1 >= len(lx.src) {
				return lx.errAt(p, "unterminated string literal")
			}
			switch lx.src[p+1] {
			case 't':
				b.WriteByte('\t')
			case 'b':
				b.WriteByte('\b')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 'f':
				b.WriteByte('\f')
			case '\\':
				b.WriteByte('\\')
			case '"':
				b.WriteByte('"')
			case '\'':
				b.WriteByte('\'')
			default:
				return lx.errAt(p, "invalid escape sequence in string literal")
			}
			p += 2
			plain = p
		case (c == '\n' || c == '\r') && !long:
			return lx.errAt(p, "line break in a short string literal")
		default:
			p++
		}
	}
}

func (lx *lexer) finishString(start, end int, b *strings.Builder) {
	s := b.String()
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	lx.emit(tString, s, start)
	lx.pos = end
}

// ASCII character classes for the lexer's hot loops.
const (
	clsBase  = 1 << iota // PN_CHARS_BASE
	clsU                 // PN_CHARS_U
	clsChars             // PN_CHARS
	clsVar               // VARNAME characters after the first
)

var asciiClass = func() (t [128]uint8) {
	for c := 0; c < 128; c++ {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			t[c] = clsBase | clsU | clsChars | clsVar
		case c == '_':
			t[c] = clsU | clsChars | clsVar
		case c >= '0' && c <= '9':
			t[c] = clsChars | clsVar
		case c == '-':
			t[c] = clsChars
		}
	}
	return t
}()

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func isPNCharsBase(r rune) bool {
	switch {
	case r < 0x80:
		return (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z')
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x2FF,
		r >= 0x370 && r <= 0x37D, r >= 0x37F && r <= 0x1FFF, r >= 0x200C && r <= 0x200D,
		r >= 0x2070 && r <= 0x218F, r >= 0x2C00 && r <= 0x2FEF, r >= 0x3001 && r <= 0xD7FF,
		r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD, r >= 0x10000 && r <= 0xEFFFF:
		return r != utf8.RuneError
	}
	return false
}

func isPNCharsU(r rune) bool { return r == '_' || isPNCharsBase(r) }

func isPNChars(r rune) bool {
	return isPNCharsU(r) || r == '-' || (r >= '0' && r <= '9') || r == 0xB7 ||
		(r >= 0x300 && r <= 0x36F) || (r >= 0x203F && r <= 0x2040)
}

// unescapeCodepoints processes the \uXXXX and \UXXXXXXXX escapes of spec
// section 19.2 in one pass (the output is never rescanned). A backslash
// pair "\\" is copied unchanged so that string escapes survive. It returns
// the new text, the edits made (to map error positions back), and the
// offset of a bad escape (or -1) with a message.
func unescapeCodepoints(s string) (string, []escapeEdit, int, string) {
	i := strings.IndexByte(s, '\\')
	if i < 0 {
		return s, nil, -1, ""
	}
	var edits []escapeEdit
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for i < len(s) {
		if s[i] != '\\' {
			i++
			continue
		}
		if i+1 >= len(s) {
			break
		}
		switch s[i+1] {
		case '\\':
			i += 2
			continue
		case 'u', 'U':
			n := 4
			if s[i+1] == 'U' {
				n = 8
			}
			if i+2+n > len(s) {
				return "", nil, i, "truncated \\" + string(s[i+1]) + " escape"
			}
			var r rune
			for _, c := range []byte(s[i+2 : i+2+n]) {
				if !isHex(c) {
					return "", nil, i, "malformed \\" + string(s[i+1]) + " escape"
				}
				r = r<<4 | rune(hexVal(c))
			}
			if r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF) {
				return "", nil, i, "escape is not a valid Unicode code point"
			}
			b.WriteString(s[last:i])
			b.WriteRune(r)
			i += 2 + n
			last = i
			edits = append(edits, escapeEdit{out: b.Len(), in: i})
		default:
			i += 2
		}
	}
	if last == 0 {
		return s, nil, -1, ""
	}
	b.WriteString(s[last:])
	return b.String(), edits, -1, ""
}

// escapeEdit records that offset out of the unescaped text corresponds to
// offset in of the original text (just after a processed escape).
type escapeEdit struct{ out, in int }

// originalOffset maps an offset of the unescaped text back to the text
// as written.
func originalOffset(edits []escapeEdit, pos int) int {
	lo, hi := 0, len(edits) // find the last edit with out <= pos
	for lo < hi {
		m := (lo + hi) / 2
		if edits[m].out <= pos {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return pos
	}
	e := edits[lo-1]
	return pos - e.out + e.in
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
