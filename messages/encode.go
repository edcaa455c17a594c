package messages

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/intermw/intermw/ontology/rdf"
)

// prefix is one entry of the canonical context.
type prefix struct {
	name string // term, e.g. "iiot"
	head string // name + ":", what a compact IRI starts with
	ns   string // namespace IRI
}

// canonicalPrefixes are the terms of the canonical context. Every namespace
// ends in '/' or '#', so JSON-LD 1.1 processors use them as prefixes.
var canonicalPrefixes = []prefix{
	{"InterIoTMsg", "InterIoTMsg:", NS},
	{"InterIoT", "InterIoT:", "http://inter-iot.eu/"},
	{"iiot", "iiot:", "http://inter-iot.eu/GOIoTP#"},
	{"iiotex", "iiotex:", "http://inter-iot.eu/GOIoTPex#"},
	{"mw", "mw:", "http://inter-iot.eu/INTERMW#"},
	{"sosa", "sosa:", "http://www.w3.org/ns/sosa/"},
	{"ssn", "ssn:", "http://www.w3.org/ns/ssn/"},
	{"geosparql", "geosparql:", "http://www.opengis.net/ont/geosparql#"},
	{"rdf", "rdf:", rdf.RDFNS},
	{"rdfs", "rdfs:", "http://www.w3.org/2000/01/rdf-schema#"},
	{"owl", "owl:", "http://www.w3.org/2002/07/owl#"},
	{"xsd", "xsd:", rdf.XSD},
}

// prefixMask selects canonical prefixes by index (bit i = canonicalPrefixes[i]).
type prefixMask uint16

var allPrefixes = prefixMask(1)<<len(canonicalPrefixes) - 1

// appendContext appends the context object holding the prefixes in mask, in
// canonical order.
func appendContext(buf []byte, mask prefixMask) []byte {
	buf = append(buf, '{')
	first := true
	for i := range canonicalPrefixes {
		if mask&(1<<i) == 0 {
			continue
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		p := &canonicalPrefixes[i]
		buf = append(buf, '"')
		buf = append(buf, p.name...)
		buf = append(buf, `":"`...)
		buf = append(buf, p.ns...)
		buf = append(buf, '"')
	}
	return append(buf, '}')
}

// CanonicalContext is the @context of the canonical form. Encode writes it
// as is, except that it leaves out a prefix when the message holds an IRI
// that a JSON-LD processor would otherwise mistake for a compact IRI with
// that prefix (real messages contain IRIs such as "sosa:Sensor"). A
// document whose @context holds only entries of CanonicalContext, exactly,
// is read on the fast path.
var CanonicalContext = string(appendContext(nil, allPrefixes))

// iriPosition says where an IRI is written, which decides how a JSON-LD
// processor expands it back.
type iriPosition uint8

const (
	posID       iriPosition = iota // @id of a node or node reference (document-relative)
	posVocab                       // @type value (vocabulary-relative)
	posDatatype                    // literal datatype (must be absolute)
	posKey                         // property key (vocabulary-relative, dropped if not an IRI)
)

// compactIRI is an IRI as written: head + tail, where head is "" or a
// canonical prefix with its colon. It avoids building strings.
type compactIRI struct {
	head, tail string
}

// compact finds the shortest faithful form of iri for position pos, using
// the prefixes in mask.
func compact(iri string, pos iriPosition, mask prefixMask) (compactIRI, error) {
	best := -1
	for i := range canonicalPrefixes {
		p := &canonicalPrefixes[i]
		if mask&(1<<i) != 0 && len(iri) >= len(p.ns) && iri[:len(p.ns)] == p.ns && !strings.HasPrefix(iri[len(p.ns):], "//") {
			if best < 0 || len(p.ns) > len(canonicalPrefixes[best].ns) {
				best = i
			}
		}
	}
	if best >= 0 {
		p := &canonicalPrefixes[best]
		return compactIRI{head: p.head, tail: iri[len(p.ns):]}, nil
	}
	if err := checkFullIRI(iri, pos, mask); err != nil {
		return compactIRI{}, err
	}
	return compactIRI{tail: iri}, nil
}

// checkFullIRI reports whether a JSON-LD processor would read iri, written
// out in full at pos, back as the same IRI.
func checkFullIRI(iri string, pos iriPosition, mask prefixMask) error {
	bad := func(reason string) error { return &EncodeError{Term: rdf.IRI(iri).String(), Reason: reason} }
	switch {
	case iri == "":
		return bad("empty IRI")
	case strings.HasPrefix(iri, "_:"):
		return bad("an IRI that reads as a blank node identifier")
	case iri[0] == '@':
		return bad("an IRI that reads as a JSON-LD keyword")
	}
	scheme, rest, hasColon := strings.Cut(iri, ":")
	if !hasColon {
		if pos == posKey {
			return bad("a relative IRI cannot be a property")
		}
		if pos == posDatatype {
			return bad("a relative IRI cannot be a datatype")
		}
		if pos == posVocab && isTerm(iri, mask) {
			return bad("a relative IRI that reads as a context term")
		}
		return nil
	}
	if isTerm(scheme, mask) && !strings.HasPrefix(rest, "//") {
		return bad("an IRI whose scheme reads as a context prefix")
	}
	return nil
}

// isTerm reports whether s is one of the prefixes in mask.
func isTerm(s string, mask prefixMask) bool {
	for i := range canonicalPrefixes {
		if mask&(1<<i) != 0 && canonicalPrefixes[i].name == s {
			return true
		}
	}
	return false
}

// AppendEncode appends m in the canonical compact form to dst:
//
//	{"@context":{…CanonicalContext…},"@graph":[
//	  {"@id":"InterIoTMsg:metadata","@graph":[ …the msg:meta node… ]},
//	  {"@id":"InterIoTMsg:payload","@graph":[ …one node object per subject… ]}
//	  …further graphs and default-graph nodes, if any…
//	]}
//
// Each node object starts with "@id" and then has its keys in ascending
// byte order ("@graph", "@type", then properties), each property once with
// one value or an array; strings are plain JSON strings, other literals
// {"@value","@type"} or {"@value","@language"}, IRIs and blank nodes
// {"@id"}. It fails with ErrUnencodable for a term no JSON-LD processor
// would read back unchanged.
func AppendEncode(dst []byte, m *Message) ([]byte, error) {
	entries := topLevel(m)
	e := encoder{buf: dst, mask: usablePrefixes(entries)}
	e.buf = append(e.buf, `{"@context":`...)
	if e.mask == allPrefixes {
		e.buf = append(e.buf, CanonicalContext...)
	} else {
		e.buf = appendContext(e.buf, e.mask)
	}
	e.buf = append(e.buf, `,"@graph":[`...)
	for i := range entries {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.entry(&entries[i]); err != nil {
			return dst, err
		}
	}
	e.buf = append(e.buf, "]}"...)
	return e.buf, nil
}

// topEntry is one object of the top-level @graph: a named graph, a node of
// the default graph, or both when a graph's name also has default-graph
// triples.
type topEntry struct {
	id       rdf.Term
	hasGraph bool
	graph    []rdf.Triple // the named graph's triples
	props    []rdf.Triple // default-graph triples with subject id
}

func topLevel(m *Message) []topEntry {
	entries := []topEntry{
		{id: rdf.IRI(MetadataGraph), hasGraph: true, graph: m.metadataTriples()},
		// Clipped, so that merging Other quads into it copies instead of
		// writing into the caller's array.
		{id: rdf.IRI(PayloadGraph), hasGraph: true, graph: slices.Clip(m.Payload)},
	}
	if len(m.Other) == 0 {
		return entries
	}
	find := func(id rdf.Term) int {
		for i := range entries {
			if entries[i].id == id {
				return i
			}
		}
		entries = append(entries, topEntry{id: id})
		return len(entries) - 1
	}
	for _, q := range m.Other {
		t := q.Triple()
		if q.G.IsZero() {
			i := find(q.S)
			entries[i].props = append(entries[i].props, t)
			continue
		}
		i := find(q.G)
		entries[i].hasGraph = true
		entries[i].graph = append(entries[i].graph, t)
	}
	return entries
}

// usablePrefixes returns the canonical prefixes that no IRI of the message
// collides with: an IRI equal to a prefix name, or starting with the name
// and a colon (not followed by "//"), would be read back wrongly if that
// prefix were in the context.
func usablePrefixes(entries []topEntry) prefixMask {
	mask := allPrefixes
	check := func(t rdf.Term) {
		v := t.Value
		if t.Kind == rdf.KindLiteral {
			v = t.Datatype
		} else if t.Kind != rdf.KindIRI {
			return
		}
		if len(v) > 4 && v[:4] == "http" {
			return // the common case: no canonical prefix is named http…
		}
		scheme, rest, _ := strings.Cut(v, ":")
		if strings.HasPrefix(rest, "//") {
			return
		}
		for i := range canonicalPrefixes {
			if canonicalPrefixes[i].name == scheme {
				mask &^= 1 << i
			}
		}
	}
	for i := range entries {
		en := &entries[i]
		check(en.id)
		for _, ts := range [2][]rdf.Triple{en.graph, en.props} {
			for j := range ts {
				check(ts[j].S)
				check(ts[j].P)
				check(ts[j].O)
			}
		}
	}
	return mask
}

type encoder struct {
	blanks blankRenamer
	mask   prefixMask
	buf    []byte
	items  []keyedTriple // scratch for sorting one graph
}

// keyedTriple is a triple with its subject's rank in the graph and its key
// as written.
type keyedTriple struct {
	subj int
	key  compactIRI // {"", "@type"} for a node type
	t    *rdf.Triple
}

var typeKey = compactIRI{tail: "@type"}

func (e *encoder) entry(en *topEntry) error {
	var graph func() error
	if en.hasGraph {
		graph = func() error {
			e.buf = append(e.buf, `,"@graph":[`...)
			if err := e.nodes(en.graph); err != nil {
				return err
			}
			e.buf = append(e.buf, ']')
			return nil
		}
	}
	// Not e.items: writing the graph reuses that scratch slice.
	items, err := e.keyed(en.props, nil)
	if err != nil {
		return err
	}
	// The entry's own triples all share one subject (rank 0).
	slices.SortStableFunc(items, func(a, b keyedTriple) int { return cmpCompact(a.key, b.key) })
	return e.node(en.id, items, graph)
}

// keyed appends ts to items with subject ranks and keys.
func (e *encoder) keyed(ts []rdf.Triple, items []keyedTriple) ([]keyedTriple, error) {
	if items == nil {
		items = make([]keyedTriple, 0, len(ts))
	}
	var r subjectRanks
	prevP, prevKey := "", compactIRI{}
	for i := range ts {
		t := &ts[i]
		if t.P.Kind != rdf.KindIRI {
			return items, &EncodeError{Term: t.P.String(), Reason: "a predicate must be an IRI"}
		}
		var key compactIRI
		switch {
		case t.P.Value == rdf.RDFType && (t.O.Kind == rdf.KindIRI || t.O.Kind == rdf.KindBlank):
			key = typeKey
		case t.P.Value == prevP && prevP != "":
			key = prevKey
		default:
			k, err := compact(t.P.Value, posKey, e.mask)
			if err != nil {
				return items, err
			}
			key, prevP, prevKey = k, t.P.Value, k
		}
		items = append(items, keyedTriple{subj: r.rank(t.S), key: key, t: t})
	}
	return items, nil
}

// blankRenamer renames blank nodes b0, b1, … in the order they are written,
// the order in which a decoder meets them, so that encoding what was decoded
// from the canonical form reproduces it byte for byte.
type blankRenamer struct {
	list  []string
	index map[string]int
}

func (b *blankRenamer) label(old string) string {
	n := -1
	if b.index != nil {
		if i, ok := b.index[old]; ok {
			n = i
		}
	} else {
		for i, s := range b.list {
			if s == old {
				n = i
				break
			}
		}
	}
	if n < 0 {
		n = len(b.list)
		b.list = append(b.list, old)
		if b.index != nil {
			b.index[old] = n
		} else if len(b.list) > 32 {
			b.index = make(map[string]int, 2*len(b.list))
			for i, s := range b.list {
				b.index[s] = i
			}
		}
	}
	return blankLabel(n)
}

// subjectRanks numbers subjects in order of first appearance: a linear scan
// while there are few, a map beyond.
type subjectRanks struct {
	last     rdf.Term
	lastRank int
	list     []rdf.Term
	index    map[rdf.Term]int
}

func (r *subjectRanks) rank(s rdf.Term) int {
	if len(r.list) > 0 && s == r.last {
		return r.lastRank
	}
	n := -1
	if r.index != nil {
		if i, ok := r.index[s]; ok {
			n = i
		}
	} else {
		for i := range r.list {
			if r.list[i] == s {
				n = i
				break
			}
		}
	}
	if n < 0 {
		n = len(r.list)
		r.list = append(r.list, s)
		if r.index != nil {
			r.index[s] = n
		} else if len(r.list) > 32 {
			r.index = make(map[rdf.Term]int, 2*len(r.list))
			for i, t := range r.list {
				r.index[t] = i
			}
		}
	}
	r.last, r.lastRank = s, n
	return n
}

// nodes writes one node object per subject of ts, in order of first
// appearance.
func (e *encoder) nodes(ts []rdf.Triple) error {
	items, err := e.keyed(ts, e.items[:0])
	if err != nil {
		return err
	}
	cmp := func(a, b keyedTriple) int {
		if a.subj != b.subj {
			return a.subj - b.subj
		}
		return cmpCompact(a.key, b.key)
	}
	// A message read from the canonical form is already in order.
	if !slices.IsSortedFunc(items, cmp) {
		slices.SortStableFunc(items, cmp)
	}
	for start := 0; start < len(items); {
		end := start + 1
		for end < len(items) && items[end].subj == items[start].subj {
			end++
		}
		if start > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.node(items[start].t.S, items[start:end], nil); err != nil {
			return err
		}
		start = end
	}
	e.items = items[:0]
	return nil
}

// node writes one node object: @id, then graph (if any), then the sorted
// keyed triples of subject s.
func (e *encoder) node(s rdf.Term, items []keyedTriple, graph func() error) error {
	e.buf = append(e.buf, `{"@id":`...)
	if err := e.ref(s); err != nil {
		return err
	}
	if graph != nil {
		if err := graph(); err != nil {
			return err
		}
	}
	for start := 0; start < len(items); {
		end := start + 1
		for end < len(items) && items[end].key == items[start].key {
			end++
		}
		e.buf = append(e.buf, ',')
		e.buf = appendJSONString2(e.buf, items[start].key.head, items[start].key.tail)
		e.buf = append(e.buf, ':')
		multi := end-start > 1
		if multi {
			e.buf = append(e.buf, '[')
		}
		for i := start; i < end; i++ {
			if i > start {
				e.buf = append(e.buf, ',')
			}
			var err error
			if items[i].key == typeKey {
				err = e.typeValue(items[i].t.O)
			} else {
				err = e.value(items[i].t.O)
			}
			if err != nil {
				return err
			}
		}
		if multi {
			e.buf = append(e.buf, ']')
		}
		start = end
	}
	e.buf = append(e.buf, '}')
	return nil
}

// ref writes an IRI or blank node as a JSON string in @id position.
func (e *encoder) ref(t rdf.Term) error {
	switch t.Kind {
	case rdf.KindIRI:
		c, err := compact(t.Value, posID, e.mask)
		if err != nil {
			return err
		}
		e.buf = appendJSONString2(e.buf, c.head, c.tail)
	case rdf.KindBlank:
		if t.Value == "" {
			return &EncodeError{Term: "_:", Reason: "empty blank node label"}
		}
		e.buf = appendJSONString2(e.buf, "_:", e.blanks.label(t.Value))
	default:
		return &EncodeError{Term: t.String(), Reason: "a subject or graph name must be an IRI or blank node"}
	}
	return nil
}

// typeValue writes one @type entry.
func (e *encoder) typeValue(t rdf.Term) error {
	if t.Kind == rdf.KindBlank {
		return e.ref(t)
	}
	c, err := compact(t.Value, posVocab, e.mask)
	if err != nil {
		return err
	}
	e.buf = appendJSONString2(e.buf, c.head, c.tail)
	return nil
}

// value writes one property value.
func (e *encoder) value(t rdf.Term) error {
	switch t.Kind {
	case rdf.KindIRI, rdf.KindBlank:
		e.buf = append(e.buf, `{"@id":`...)
		if err := e.ref(t); err != nil {
			return err
		}
		e.buf = append(e.buf, '}')
	case rdf.KindLiteral:
		switch {
		case t.Lang != "":
			e.buf = append(e.buf, `{"@value":`...)
			e.buf = appendJSONString2(e.buf, "", t.Value)
			e.buf = append(e.buf, `,"@language":`...)
			e.buf = appendJSONString2(e.buf, "", t.Lang)
			e.buf = append(e.buf, '}')
		case t.Datatype == "" || t.Datatype == rdf.XSDString:
			e.buf = appendJSONString2(e.buf, "", t.Value)
		default:
			c, err := compact(t.Datatype, posDatatype, e.mask)
			if err != nil {
				return err
			}
			e.buf = append(e.buf, `{"@value":`...)
			e.buf = appendJSONString2(e.buf, "", t.Value)
			e.buf = append(e.buf, `,"@type":`...)
			e.buf = appendJSONString2(e.buf, c.head, c.tail)
			e.buf = append(e.buf, '}')
		}
	default:
		return &EncodeError{Term: "(no term)", Reason: "an object must be a term"}
	}
	return nil
}

// cmpCompact orders two written keys as the byte strings head+tail.
func cmpCompact(a, b compactIRI) int {
	if a.head == b.head {
		return strings.Compare(a.tail, b.tail)
	}
	// Compare head+tail without building the strings.
	la, lb := len(a.head)+len(a.tail), len(b.head)+len(b.tail)
	for i := 0; i < la && i < lb; i++ {
		ca, cb := byteAt(a, i), byteAt(b, i)
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	switch {
	case la < lb:
		return -1
	case la > lb:
		return 1
	}
	return 0
}

// byteAt is byte i of c.head+c.tail.
func byteAt(c compactIRI, i int) byte {
	if i < len(c.head) {
		return c.head[i]
	}
	return c.tail[i-len(c.head)]
}

// appendJSONString2 appends the JSON string of head+tail.
func appendJSONString2(buf []byte, head, tail string) []byte {
	buf = append(buf, '"')
	buf = appendJSONChars(buf, head)
	buf = appendJSONChars(buf, tail)
	return append(buf, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONChars appends s escaped for a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json does.
func appendJSONChars(buf []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	return append(buf, s[start:]...)
}
