package messages

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"github.com/intermw/intermw/ontology/rdf"
)

// decodeFast reads the canonical form that AppendEncode writes, without a
// JSON-LD processor. It accepts only documents it can read exactly as a
// JSON-LD processor would:
//
//   - a top-level object with "@context" then "@graph" and nothing else,
//     where the context holds only entries of CanonicalContext, verbatim;
//   - top-level node objects whose first key is "@id", whose other keys
//     ascend strictly in byte order, and which may hold "@graph" (a named
//     graph of node objects of the same shape, without "@graph");
//   - @id values that are compact IRIs with a canonical prefix, absolute
//     IRIs or blank node identifiers;
//   - property values that are strings, {"@id"}, {"@value","@type"} or
//     {"@value","@language"}, alone or in a flat array.
//
// Anything else, including malformed JSON, returns ok == false and the
// caller falls back to full JSON-LD expansion, which then reports errors.
func decodeFast(data []byte) (d *dataset, ok bool) {
	// Quick reject before any allocation: the canonical form is an object
	// that starts with its context.
	i := 0
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	if i == len(data) || data[i] != '{' || !bytes.Contains(data[i:min(len(data), i+64)], []byte(`"@context"`)) {
		return nil, false
	}
	// One string holds the whole document; plain strings are slices of it,
	// so reading them allocates nothing.
	p := fastParser{data: data, src: string(data)}
	// About one triple per 60 bytes of canonical JSON-LD; capped, since the
	// document may still turn out not to be canonical.
	p.d.payload = make([]rdf.Triple, 0, min(len(data)/60+4, 4096))
	if !p.document() {
		return nil, false
	}
	return &p.d, true
}

type fastParser struct {
	data   []byte
	src    string // data as a string
	pos    int
	d      dataset
	blanks map[string]rdf.Term
	next   int
	iris   map[string]string // compact IRI → expansion, so each is built once
	mask   prefixMask        // the prefixes the document's @context defines

	// The graph triples currently go to, looked up once per graph.
	curGraph rdf.Term
	curDst   *[]rdf.Triple
}

// emit adds one quad, resolving the destination slice once per graph.
func (p *fastParser) emit(s, pred, o, g rdf.Term) {
	if g != p.curGraph || p.curDst == nil && !g.IsZero() {
		p.curGraph, p.curDst = g, p.d.graph(g)
	}
	if p.curDst != nil {
		*p.curDst = append(*p.curDst, rdf.Triple{S: s, P: pred, O: o})
		return
	}
	p.d.other = append(p.d.other, rdf.Quad{S: s, P: pred, O: o, G: g})
}

func (p *fastParser) ws() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// byte consumes c after optional whitespace.
func (p *fastParser) byte(c byte) bool {
	p.ws()
	if p.pos < len(p.data) && p.data[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

// peek returns the next non-space byte, or 0 at the end.
func (p *fastParser) peek() byte {
	p.ws()
	if p.pos < len(p.data) {
		return p.data[p.pos]
	}
	return 0
}

// rawString finds the next string and returns the offsets of its contents
// and whether they need unescaping (escapes or non-ASCII).
func (p *fastParser) rawString() (start, end int, complex bool, ok bool) {
	if !p.byte('"') {
		return 0, 0, false, false
	}
	start = p.pos
	data := p.data
	for i := p.pos; i < len(data); {
		c := data[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return start, i, complex, true
		case c == '\\':
			complex = true
			i += 2
		case c < 0x20:
			return 0, 0, false, false
		case c >= utf8.RuneSelf:
			complex = true
			i++
		default:
			i++
		}
	}
	return 0, 0, false, false
}

// str reads the next string value.
func (p *fastParser) str() (string, bool) {
	start, end, complex, ok := p.rawString()
	if !ok {
		return "", false
	}
	raw := p.data[start:end]
	if !complex || !hasEscape(raw) && utf8.Valid(raw) {
		return p.src[start:end], true
	}
	// Let encoding/json decide escapes and invalid UTF-8 exactly as the
	// slow path would.
	var s string
	if err := json.Unmarshal(p.data[start-1:end+1], &s); err != nil {
		return "", false
	}
	return s, true
}

func hasEscape(raw []byte) bool {
	for _, c := range raw {
		if c == '\\' {
			return true
		}
	}
	return false
}

// key reads an object key and the colon after it.
func (p *fastParser) key() (string, bool) {
	k, ok := p.str()
	if !ok || !p.byte(':') {
		return "", false
	}
	return k, true
}

// document parses the top-level object.
func (p *fastParser) document() bool {
	if !p.byte('{') {
		return false
	}
	sawContext, sawGraph := false, false
	for first := true; ; first = false {
		if p.byte('}') {
			break
		}
		if !first && !p.byte(',') {
			return false
		}
		k, ok := p.key()
		if !ok {
			return false
		}
		switch {
		case k == "@context" && !sawContext && !sawGraph:
			sawContext = true
			if !p.context() {
				return false
			}
		case k == "@graph" && sawContext && !sawGraph:
			sawGraph = true
			if !p.nodeArray(rdf.Term{}, true) {
				return false
			}
		default:
			return false
		}
	}
	p.ws()
	return sawContext && sawGraph && p.pos == len(p.data)
}

// nodeArray parses an array of node objects in graph g.
func (p *fastParser) nodeArray(g rdf.Term, top bool) bool {
	if !p.byte('[') {
		return false
	}
	if p.byte(']') {
		return true
	}
	for {
		if !p.nodeObject(g, top) {
			return false
		}
		if p.byte(']') {
			return true
		}
		if !p.byte(',') {
			return false
		}
	}
}

// nodeObject parses one node object in graph g; top allows "@graph".
func (p *fastParser) nodeObject(g rdf.Term, top bool) bool {
	if !p.byte('{') {
		return false
	}
	k, ok := p.key()
	if !ok || k != "@id" {
		return false
	}
	id, ok := p.str()
	if !ok {
		return false
	}
	s, ok := p.idTerm(id)
	if !ok {
		return false
	}
	prevKey := ""
	for {
		if p.byte('}') {
			return true
		}
		if !p.byte(',') {
			return false
		}
		k, ok := p.key()
		if !ok || k <= prevKey && prevKey != "" || k == "@id" {
			return false
		}
		prevKey = k
		switch k {
		case "@graph":
			if !top || !p.nodeArray(s, false) {
				return false
			}
		case "@type":
			if !p.types(s, g) {
				return false
			}
		default:
			pred, ok := p.expandKey(k)
			if !ok || !p.values(s, pred, g) {
				return false
			}
		}
	}
}

// types parses a @type value: one string or an array of strings.
func (p *fastParser) types(s, g rdf.Term) bool {
	typ := rdf.IRI(rdf.RDFType)
	one := func() bool {
		v, ok := p.str()
		if !ok {
			return false
		}
		t, ok := p.idTerm(v)
		if !ok {
			return false
		}
		p.emit(s, typ, t, g)
		return true
	}
	if p.peek() != '[' {
		return one()
	}
	p.pos++
	if p.byte(']') {
		return true
	}
	for {
		if !one() {
			return false
		}
		if p.byte(']') {
			return true
		}
		if !p.byte(',') {
			return false
		}
	}
}

// values parses a property value: one value or a flat array of them.
func (p *fastParser) values(s, pred, g rdf.Term) bool {
	if p.peek() != '[' {
		return p.value(s, pred, g)
	}
	p.pos++
	if p.byte(']') {
		return true
	}
	for {
		if !p.value(s, pred, g) {
			return false
		}
		if p.byte(']') {
			return true
		}
		if !p.byte(',') {
			return false
		}
	}
}

// value parses one property value and emits its triple.
func (p *fastParser) value(s, pred, g rdf.Term) bool {
	switch p.peek() {
	case '"':
		v, ok := p.str()
		if !ok {
			return false
		}
		p.emit(s, pred, rdf.String(v), g)
		return true
	case '{':
		p.pos++
	default:
		return false
	}
	k, ok := p.key()
	if !ok {
		return false
	}
	switch k {
	case "@id":
		id, ok := p.str()
		if !ok || !p.byte('}') {
			return false
		}
		o, ok := p.idTerm(id)
		if !ok {
			return false
		}
		p.emit(s, pred, o, g)
		return true
	case "@value":
		lex, ok := p.str()
		if !ok {
			return false
		}
		if p.byte('}') {
			p.emit(s, pred, rdf.String(lex), g)
			return true
		}
		if !p.byte(',') {
			return false
		}
		k2, ok := p.key()
		if !ok {
			return false
		}
		v2, ok := p.str()
		if !ok || !p.byte('}') {
			return false
		}
		switch k2 {
		case "@type":
			dt, ok := p.expandIRI(v2)
			if !ok {
				return false
			}
			p.emit(s, pred, rdf.Literal(lex, dt), g)
		case "@language":
			if !isLangTag(v2) {
				return false
			}
			p.emit(s, pred, rdf.LangLiteral(lex, v2), g)
		default:
			return false
		}
		return true
	}
	return false
}

// idTerm maps an @id or @type string to a term; blank nodes are relabelled
// in order of first appearance, as the slow path does.
func (p *fastParser) idTerm(v string) (rdf.Term, bool) {
	if len(v) > 2 && v[0] == '_' && v[1] == ':' {
		if t, ok := p.blanks[v]; ok {
			return t, true
		}
		if p.blanks == nil {
			p.blanks = make(map[string]rdf.Term)
		}
		t := rdf.Blank(blankLabel(p.next))
		p.next++
		p.blanks[v] = t
		return t, true
	}
	iri, ok := p.expandIRI(v)
	if !ok {
		return rdf.Term{}, false
	}
	return rdf.IRI(iri), true
}

// expandKey expands a property key; blank node properties are refused.
func (p *fastParser) expandKey(k string) (rdf.Term, bool) {
	if len(k) >= 2 && k[0] == '_' && k[1] == ':' {
		return rdf.Term{}, false
	}
	iri, ok := p.expandIRI(k)
	if !ok {
		return rdf.Term{}, false
	}
	return rdf.IRI(iri), true
}

// expandIRI expands a compact IRI with a canonical prefix, or returns an
// absolute IRI unchanged. Terms, relative IRIs, keywords and anything whose
// scheme is not well formed are refused (the slow path handles them).
func (p *fastParser) expandIRI(v string) (string, bool) {
	colon := -1
	for i := 0; i < len(v); i++ {
		if v[i] == ':' {
			colon = i
			break
		}
	}
	if colon <= 0 || !isScheme(v[:colon]) {
		return "", false
	}
	rest := v[colon+1:]
	if len(rest) >= 2 && rest[0] == '/' && rest[1] == '/' {
		return v, true
	}
	for i := range canonicalPrefixes {
		pr := &canonicalPrefixes[i]
		if p.mask&(1<<i) != 0 && len(pr.head) == colon+1 && v[:colon+1] == pr.head {
			if iri, ok := p.iris[v]; ok {
				return iri, true
			}
			if p.iris == nil {
				p.iris = make(map[string]string, 32)
			}
			iri := pr.ns + rest
			p.iris[v] = iri
			return iri, true
		}
	}
	return v, true
}

// isScheme reports whether s has the syntax of an IRI scheme.
func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return len(s) > 0
}

// isLangTag accepts the BCP 47 shape letters/digits/hyphens, starting with a
// letter.
func isLangTag(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// context parses the @context object: entries of CanonicalContext only, each
// at most once, values exactly as there. It sets p.mask.
func (p *fastParser) context() bool {
	if !p.byte('{') {
		return false
	}
	if p.byte('}') {
		return true
	}
	for {
		ns0, ns1, complexName, ok := p.rawString()
		if !ok || complexName || !p.byte(':') {
			return false
		}
		name := p.src[ns0:ns1]
		v0, v1, complexNS, ok := p.rawString()
		if !ok || complexNS {
			return false
		}
		ns := p.src[v0:v1]
		found := false
		for i := range canonicalPrefixes {
			pr := &canonicalPrefixes[i]
			if pr.name == name {
				if p.mask&(1<<i) != 0 || pr.ns != ns {
					return false
				}
				p.mask |= 1 << i
				found = true
				break
			}
		}
		if !found {
			return false
		}
		if p.byte('}') {
			return true
		}
		if !p.byte(',') {
			return false
		}
	}
}
