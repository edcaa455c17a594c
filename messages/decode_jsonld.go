package messages

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/piprate/json-gold/ld"
)

const rdfJSON = rdf.RDFNS + "JSON"

// decodeExpanded reads any JSON-LD document: json-gold expands it (with the
// codec's offline loader) and our own conversion turns the expanded form
// into quads, following the JSON-LD 1.1 "Deserialize JSON-LD to RDF"
// algorithm, except that IRIs are kept even when they are relative.
func (c *Codec) decodeExpanded(data []byte) (*dataset, error) {
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, jsonSyntaxError(err)
	}
	switch doc.(type) {
	case map[string]any, []any:
	default:
		// A bare string would be taken as a document URL to load.
		return nil, &JSONLDError{Code: string(ld.InvalidInput), Err: errors.New("a message must be a JSON object or array")}
	}
	if hasEmptyKey(doc) {
		// json-gold uses "" internally as "no @type key" and misreads (or
		// panics on) an object with an empty key, so none reaches it.
		return nil, &JSONLDError{Code: string(ld.InvalidInput), Err: errors.New("empty JSON object keys are not supported")}
	}
	opts := &ld.JsonLdOptions{
		ProcessingMode: ld.JsonLd_1_1,
		DocumentLoader: c.loader,
	}
	expanded, err := ld.NewJsonLdProcessor().Expand(doc, opts)
	if err != nil {
		var ce *ContextError
		if errors.As(err, &ce) {
			return nil, ce
		}
		code := string(ld.UnknownError)
		var je *ld.JsonLdError
		if errors.As(err, &je) {
			code = string(je.Code)
		}
		return nil, &JSONLDError{Code: code, Err: err}
	}
	conv := expandedConverter{}
	for _, item := range expanded {
		if obj, ok := item.(map[string]any); ok && !isValueOrList(obj) {
			conv.node(obj, rdf.Term{})
		}
	}
	conv.d.dedupe()
	return &conv.d, nil
}

// hasEmptyKey reports whether any object in v has the key "". The depth of v
// is bounded by Config.MaxDepth, checked before parsing.
func hasEmptyKey(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if k == "" || hasEmptyKey(val) {
				return true
			}
		}
	case []any:
		for _, val := range x {
			if hasEmptyKey(val) {
				return true
			}
		}
	}
	return false
}

func isValueOrList(obj map[string]any) bool {
	if _, ok := obj["@value"]; ok {
		return true
	}
	_, ok := obj["@list"]
	return ok
}

// expandedConverter turns expanded JSON-LD into quads. Blank nodes are
// relabelled b0, b1, … in order of first appearance, which also gives nodes
// without @id fresh labels that cannot collide with the document's own.
type expandedConverter struct {
	d      dataset
	blanks map[string]rdf.Term
	next   int
}

func (c *expandedConverter) fresh() rdf.Term {
	t := rdf.Blank(blankLabel(c.next))
	c.next++
	return t
}

// idTerm maps an expanded @id (or @type entry) to a term.
func (c *expandedConverter) idTerm(id string) rdf.Term {
	if !strings.HasPrefix(id, "_:") {
		return rdf.IRI(id)
	}
	if t, ok := c.blanks[id]; ok {
		return t
	}
	if c.blanks == nil {
		c.blanks = make(map[string]rdf.Term)
	}
	t := c.fresh()
	c.blanks[id] = t
	return t
}

// node emits the triples of a node object into graph g and returns its
// subject.
func (c *expandedConverter) node(obj map[string]any, g rdf.Term) rdf.Term {
	var s rdf.Term
	if id, ok := obj["@id"].(string); ok {
		s = c.idTerm(id)
	} else {
		s = c.fresh()
	}
	typ := rdf.IRI(rdf.RDFType)
	if types, ok := obj["@type"].([]any); ok {
		for _, t := range types {
			if ts, ok := t.(string); ok {
				c.d.add(s, typ, c.idTerm(ts), g)
			}
		}
	}
	for _, key := range sortedKeys(obj) {
		val := obj[key]
		switch key {
		case "@graph":
			items, _ := val.([]any)
			for _, item := range items {
				if o, ok := item.(map[string]any); ok && !isValueOrList(o) {
					c.node(o, s)
				}
			}
			continue
		case "@reverse":
			rev, _ := val.(map[string]any)
			for _, prop := range sortedKeys(rev) {
				vals := rev[prop]
				if strings.HasPrefix(prop, "_:") {
					continue
				}
				items, _ := vals.([]any)
				for _, item := range items {
					if o, ok := item.(map[string]any); ok && !isValueOrList(o) {
						c.d.add(c.node(o, g), rdf.IRI(prop), s, g)
					}
				}
			}
			continue
		case "@included":
			items, _ := val.([]any)
			for _, item := range items {
				if o, ok := item.(map[string]any); ok && !isValueOrList(o) {
					c.node(o, g)
				}
			}
			continue
		}
		if strings.HasPrefix(key, "@") || strings.HasPrefix(key, "_:") {
			// Other keywords carry no triples; a blank node as a predicate
			// is generalized RDF, which messages do not use.
			continue
		}
		p := rdf.IRI(key)
		items, _ := val.([]any)
		for _, item := range items {
			if o, ok := c.object(item, g); ok {
				c.d.add(s, p, o, g)
			}
		}
	}
	return s
}

// object converts one expanded value (value object, list object or node
// object) into a term, emitting any triples it needs.
func (c *expandedConverter) object(item any, g rdf.Term) (rdf.Term, bool) {
	obj, ok := item.(map[string]any)
	if !ok {
		return rdf.Term{}, false
	}
	if v, ok := obj["@value"]; ok {
		return literal(v, obj)
	}
	if l, ok := obj["@list"]; ok {
		items, _ := l.([]any)
		return c.list(items, g), true
	}
	return c.node(obj, g), true
}

// list emits an RDF collection for items and returns its head.
func (c *expandedConverter) list(items []any, g rdf.Term) rdf.Term {
	if len(items) == 0 {
		return rdf.IRI(rdf.RDFNS + "nil")
	}
	first, rest := rdf.IRI(rdf.RDFNS+"first"), rdf.IRI(rdf.RDFNS+"rest")
	head := c.fresh()
	cur := head
	for i, item := range items {
		if o, ok := c.object(item, g); ok {
			c.d.add(cur, first, o, g)
		}
		var next rdf.Term
		if i == len(items)-1 {
			next = rdf.IRI(rdf.RDFNS + "nil")
		} else {
			next = c.fresh()
		}
		c.d.add(cur, rest, next, g)
		cur = next
	}
	return head
}

// literal converts an expanded value object into a literal, applying the
// JSON-LD rules for native JSON numbers and booleans.
func literal(v any, obj map[string]any) (rdf.Term, bool) {
	dt, _ := obj["@type"].(string)
	lang, _ := obj["@language"].(string)
	if dt == "@json" {
		b, err := json.Marshal(v)
		if err != nil {
			return rdf.Term{}, false
		}
		return rdf.Literal(string(b), rdfJSON), true
	}
	switch x := v.(type) {
	case string:
		if lang != "" && dt == "" {
			return rdf.LangLiteral(x, lang), true
		}
		return rdf.Literal(x, dt), true
	case bool:
		if dt == "" {
			dt = rdf.XSDBoolean
		}
		return rdf.Literal(strconv.FormatBool(x), dt), true
	case float64:
		return numberLiteral(x, dt), true
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return rdf.Term{}, false
		}
		return numberLiteral(f, dt), true
	}
	return rdf.Term{}, false
}

// numberLiteral renders a JSON number: an integer (no fraction, below 1e21)
// as xsd:integer unless told xsd:double, anything else as an xsd:double in
// canonical form (1.1E0, 1.0E21).
func numberLiteral(f float64, dt string) rdf.Term {
	if f == math.Trunc(f) && math.Abs(f) < 1e21 && dt != rdf.XSDDouble {
		if dt == "" {
			dt = rdf.XSDInteger
		}
		if f == 0 {
			return rdf.Literal("0", dt)
		}
		return rdf.Literal(strconv.FormatFloat(f, 'f', -1, 64), dt)
	}
	if dt == "" {
		dt = rdf.XSDDouble
	}
	return rdf.Literal(canonicalDouble(f), dt)
}

// canonicalDouble renders f as JSON-LD's canonical xsd:double: at most 16
// significant digits, a mantissa with at least one fractional digit and no
// trailing zeros, "E", and the exponent without padding (1.1E0, 1.0E21).
func canonicalDouble(f float64) string {
	s := strconv.FormatFloat(f, 'E', 15, 64) // e.g. 1.100000000000000E+00
	mant, exp, _ := strings.Cut(s, "E")
	mant = strings.TrimRight(mant, "0")
	if strings.HasSuffix(mant, ".") {
		mant += "0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// sortedKeys returns obj's keys in order, so that conversion (and so blank
// node numbering) does not depend on map iteration order.
func sortedKeys(obj map[string]any) []string {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// blankLabels are the first relabelled blank node labels, built once.
var blankLabels = func() (l [256]string) {
	for i := range l {
		l[i] = "b" + strconv.Itoa(i)
	}
	return l
}()

// blankLabel returns the label of the n-th blank node of a document.
func blankLabel(n int) string {
	if n < len(blankLabels) {
		return blankLabels[n]
	}
	return "b" + strconv.Itoa(n)
}
