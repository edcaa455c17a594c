package alignment

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/intermw/intermw/ontology"
	"github.com/intermw/intermw/ontology/rdf"
)

// Options bound and tune parsing. The zero value is usable.
type Options struct {
	// MaxBytes bounds the document; 0 means 4 MiB.
	MaxBytes int
	// MaxCells bounds the number of cells; 0 means 2000.
	MaxCells int
	// MaxPatterns bounds the triple patterns of one entity; 0 means 2000.
	MaxPatterns int
	// Strict turns the warnings IPSM tolerates (an entity2 variable nothing
	// binds, a typing or filter of an unknown variable, a cell no step
	// applies) into errors.
	Strict bool
	// Executor chooses how Load's result runs its cells; the zero value
	// is the native executor (with the engine for what it cannot run).
	Executor Executor
}

// Validate reports every problem with the options.
func (o Options) Validate() error {
	var errs []error
	if o.MaxBytes < 0 {
		errs = append(errs, errors.New("alignment: MaxBytes must not be negative"))
	}
	if o.MaxCells < 0 {
		errs = append(errs, errors.New("alignment: MaxCells must not be negative"))
	}
	if o.MaxPatterns < 0 {
		errs = append(errs, errors.New("alignment: MaxPatterns must not be negative"))
	}
	if o.Executor > ExecutorEngine {
		errs = append(errs, fmt.Errorf("alignment: unknown Executor %d", o.Executor))
	}
	return errors.Join(errs...)
}

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = 4 << 20
	}
	if o.MaxCells <= 0 {
		o.MaxCells = 2000
	}
	if o.MaxPatterns <= 0 {
		o.MaxPatterns = 2000
	}
	return o
}

// Parse reads and validates an IPSM-AF document. On failure the error is
// a *ValidationError naming every problem (with the cell and line) and
// errors.Is(err, ErrInvalid) holds. Warnings are in Alignment.Warnings.
func Parse(data []byte, opts Options) (*Alignment, error) {
	opts = opts.withDefaults()
	ps := &problems{}
	if len(data) > opts.MaxBytes {
		ps.tooLarge = true
		ps.errf("", 0, "document is %d bytes, more than the limit of %d", len(data), opts.MaxBytes)
		return nil, ps.err()
	}
	root, err := parseXML(data)
	if err != nil {
		ps.errf("", lineOf(err), "malformed XML: %v", err)
		return nil, ps.err()
	}
	a := &Alignment{Prefixes: map[string]string{}}
	for k, v := range root.ns {
		if k != "xml" && k != "xmlns" {
			a.Prefixes[k] = v
		}
	}
	al := root
	if is(root, ontology.RDF, "RDF") {
		al = nil
		for _, c := range root.children {
			if is(c, ontology.Align, "Alignment") {
				if al != nil {
					ps.errf("", c.line, "more than one align:Alignment")
					break
				}
				al = c
			}
		}
	}
	if al == nil || !is(al, ontology.Align, "Alignment") {
		ps.errf("", root.line, "no align:Alignment element")
		return nil, ps.err()
	}
	parseHeader(a, al, ps)
	cells := al.all(ontology.Align, "map")
	if n := len(cells); n > opts.MaxCells {
		ps.tooLarge = true
		ps.errf("", 0, "%d cells, more than the limit of %d", n, opts.MaxCells)
		return nil, ps.err()
	}
	for _, m := range cells {
		cs := m.all(ontology.Align, "Cell")
		if len(cs) != 1 {
			ps.errf("", m.line, "align:map must hold one align:Cell (shape: sh:class align:Cell), found %d", len(cs))
		}
		for _, ce := range cs {
			if c := parseCell(a, ce, opts, ps); c != nil {
				a.Cells = append(a.Cells, c)
			}
		}
	}
	validate(a, opts, ps)
	errs, warns := ps.split()
	a.Warnings = warns
	if len(errs) > 0 {
		return nil, ps.err()
	}
	return a, nil
}

// lineOf extracts the line of an XML syntax error.
func lineOf(err error) int {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return se.Line
	}
	return 0
}

// elem is an XML element of the document.
type elem struct {
	name     xml.Name
	attrs    []xml.Attr
	children []*elem
	text     strings.Builder
	line     int
	ns       map[string]string // namespace declarations in scope (prefix → IRI)
}

func is(e *elem, space, local string) bool { return e.name.Space == space && e.name.Local == local }

// all returns the children named space:local.
func (e *elem) all(space, local string) []*elem {
	var out []*elem
	for _, c := range e.children {
		if is(c, space, local) {
			out = append(out, c)
		}
	}
	return out
}

// first returns the first child named space:local, or nil.
func (e *elem) first(space, local string) *elem {
	for _, c := range e.children {
		if is(c, space, local) {
			return c
		}
	}
	return nil
}

// attr returns an attribute by local name, in the given namespace or
// unqualified (IPSM documents write both).
func (e *elem) attr(space, local string) (string, bool) {
	for _, a := range e.attrs {
		if a.Name.Local == local && (a.Name.Space == space || a.Name.Space == "") {
			return a.Value, true
		}
	}
	return "", false
}

// entityDecl matches an internal general entity declaration.
var entityDecl = regexp.MustCompile(`<!ENTITY\s+([A-Za-z_][\w.-]*)\s+(?:"([^"]*)"|'([^']*)')\s*>`)

// maxEntityBytes bounds one expanded entity value (entities may use
// earlier ones, which could otherwise grow exponentially).
const maxEntityBytes = 64 << 10

func parseXML(data []byte) (*elem, error) {
	entities := map[string]string{}
	if i := bytes.Index(data, []byte("<!DOCTYPE")); i >= 0 {
		if end := bytes.IndexByte(data[i:], ']'); end > 0 {
			for _, m := range entityDecl.FindAllSubmatch(data[i:i+end], -1) {
				val := string(m[2]) + string(m[3])
				for en, ev := range entities {
					val = strings.ReplaceAll(val, "&"+en+";", ev)
					if len(val) > maxEntityBytes {
						return nil, fmt.Errorf("entity %s expands past %d bytes", m[1], maxEntityBytes)
					}
				}
				entities[string(m[1])] = val
			}
		}
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.Entity = entities
	var stack []*elem
	var root *elem
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			line, _ := dec.InputPos()
			e := &elem{name: t.Name, attrs: t.Attr, line: line}
			parentNS := map[string]string{}
			if len(stack) > 0 {
				parentNS = stack[len(stack)-1].ns
			}
			e.ns = parentNS
			copied := false
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					if !copied {
						copied = true
						e.ns = make(map[string]string, len(parentNS)+4)
						for k, v := range parentNS {
							e.ns[k] = v
						}
					}
					prefix := a.Name.Local
					if a.Name.Space == "" {
						prefix = ""
					}
					e.ns[prefix] = a.Value
				}
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, e)
			}
			if len(stack) > 256 {
				return nil, &xml.SyntaxError{Msg: "elements nested too deeply", Line: line}
			}
			stack = append(stack, e)
		case xml.EndElement:
			if len(stack) == 0 {
				continue
			}
			e := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if len(stack) == 0 && root == nil {
				root = e
			}
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		}
	}
	if root == nil {
		return nil, &xml.SyntaxError{Msg: "no root element", Line: 1}
	}
	return root, nil
}

// text returns an element's trimmed text content.
func text(e *elem) string {
	if e == nil {
		return ""
	}
	return strings.TrimSpace(e.text.String())
}

// resourceOf returns the IRI an element names: rdf:resource, or rdf:about
// of its only child node element, or its text.
func resourceOf(e *elem) string {
	if v, ok := e.attr(ontology.RDF, "resource"); ok {
		return v
	}
	for _, c := range e.children {
		if v, ok := c.attr(ontology.RDF, "about"); ok {
			return v
		}
	}
	return text(e)
}

func parseHeader(a *Alignment, al *elem, ps *problems) {
	one := func(space, local, label string, min int) *elem {
		es := al.all(space, local)
		if len(es) > 1 {
			ps.errf("", es[1].line, "%s appears %d times (shape: sh:maxCount 1)", label, len(es))
		}
		if len(es) < min {
			ps.errf("", al.line, "%s is missing (shape: sh:minCount 1)", label)
		}
		if len(es) == 0 {
			return nil
		}
		return es[0]
	}
	a.Name = text(one(ontology.DCElements, "title", "dc:title", 1))
	a.Creator = text(one(ontology.DCElements, "creator", "dc:creator", 1))
	a.Description = text(one(ontology.DCElements, "description", "dc:description", 1))
	a.Version = text(one(ontology.Exmo, "version", "exmo:version", 1))
	if e := one(ontology.Align, "onto1", "align:onto1", 1); e != nil {
		a.Onto1 = ontologyOf(e, "align:onto1", ps)
	}
	if e := one(ontology.Align, "onto2", "align:onto2", 1); e != nil {
		a.Onto2 = ontologyOf(e, "align:onto2", ps)
	}
	if e := one(ontology.Sripas, "cellFormat", "sripas:cellFormat", 0); e != nil {
		if len(e.children) > 0 && !is(e.children[0], ontology.GOIoTP, "DataFormat") {
			ps.errf("", e.line, "sripas:cellFormat must be an iiot:DataFormat (shape: sh:class iiot:DataFormat)")
		}
		f := resourceOf(e)
		local := f[strings.LastIndexAny(f, "#/")+1:]
		switch strings.ToLower(local) {
		case "turtle":
			a.CellFormat = FormatTurtle
		case "rdfxml", "rdf/xml", "xml":
			a.CellFormat = FormatRDFXML
		default:
			ps.errf("", e.line, "unknown cell format %q (want sripas#turtle or sripas#rdfxml)", f)
		}
	}
	if e := one(ontology.Sripas, "steps", "sripas:steps", 1); e != nil {
		for _, s := range e.children {
			if !is(s, ontology.Sripas, "step") {
				ps.errf("", s.line, "sripas:steps holds %s%s, not sripas:step", s.name.Space, s.name.Local)
				continue
			}
			cell, ok := s.attr(ontology.Sripas, "cell")
			if !ok || strings.TrimSpace(cell) == "" {
				ps.errf("", s.line, "sripas:step without sripas:cell")
				continue
			}
			order, _ := s.attr(ontology.Sripas, "order")
			a.Steps = append(a.Steps, Step{Order: order, Cell: strings.TrimSpace(cell), Line: s.line})
		}
	}
	if len(al.all(ontology.Align, "map")) == 0 {
		ps.errf("", al.line, "no align:map cells (shape: sh:minCount 1)")
	}
}

func ontologyOf(e *elem, label string, ps *problems) string {
	if _, ok := e.attr(ontology.RDF, "resource"); ok {
		return resourceOf(e)
	}
	o := e.first(ontology.Align, "Ontology")
	if o == nil {
		ps.errf("", e.line, "%s must be an align:Ontology (shape: sh:class align:Ontology)", label)
		return ""
	}
	v, _ := o.attr(ontology.RDF, "about")
	return v
}

func parseCell(a *Alignment, ce *elem, opts Options, ps *problems) *Cell {
	id, ok := ce.attr(ontology.RDF, "about")
	if !ok || id == "" {
		ps.errf("", ce.line, "align:Cell without rdf:about")
		return nil
	}
	c := &Cell{ID: id, Line: ce.line}
	name := c.Name()
	count := func(space, local, label string, min int) []*elem {
		es := ce.all(space, local)
		if len(es) > 1 {
			ps.errf(name, es[1].line, "%s appears %d times (shape: sh:maxCount 1)", label, len(es))
		}
		if len(es) < min {
			ps.errf(name, ce.line, "%s is missing (shape: sh:minCount 1)", label)
		}
		return es
	}
	e1 := count(ontology.Align, "entity1", "align:entity1", 1)
	e2 := count(ontology.Align, "entity2", "align:entity2", 1)
	tr := count(ontology.Sripas, "transformation", "sripas:transformation", 0)
	tr = append(tr, count(ontology.Sripas, "transformations", "sripas:transformations", 0)...)
	fi := count(ontology.Sripas, "filters", "sripas:filters", 0)
	ty := count(ontology.Sripas, "typings", "sripas:typings", 0)
	c.Relation = text(ce.first(ontology.Align, "relation"))
	if c.Relation == "" {
		c.Relation = text(ce.first(ontology.Sripas, "relation"))
	}
	if len(e1) > 0 {
		c.Entity1Text, c.Entity1 = parseEntity(a, c, e1[0], 1, opts, ps)
	}
	if len(e2) > 0 {
		c.Entity2Text, c.Entity2 = parseEntity(a, c, e2[0], 2, opts, ps)
	}
	for _, t := range tr {
		for _, f := range t.children {
			if f.name.Local != "function" {
				continue
			}
			c.Functions = append(c.Functions, parseFunction(name, f, ps))
		}
	}
	for _, t := range fi {
		for _, f := range t.children {
			if f.name.Local != "filter" {
				continue
			}
			about, _ := f.attr(ontology.Sripas, "about")
			dt, _ := f.attr(ontology.Sripas, "datatype")
			if dt == "" {
				ps.errf(name, f.line, "filter of %q has no datatype", about)
			}
			v, _ := varName(about)
			c.Filters = append(c.Filters, Filter{About: about, Var: v, Datatype: dt})
		}
	}
	for _, t := range ty {
		for _, f := range t.children {
			if f.name.Local != "typing" {
				continue
			}
			about, _ := f.attr(ontology.Sripas, "about")
			dt, _ := f.attr(ontology.Sripas, "datatype")
			if dt == "" {
				ps.errf(name, f.line, "typing of %q has no datatype", about)
			}
			v, _ := varName(about)
			c.Typings = append(c.Typings, Typing{About: about, Var: v, Datatype: dt})
		}
	}
	return c
}

func parseFunction(cell string, f *elem, ps *problems) Function {
	fn := Function{Line: f.line}
	fn.Name, _ = f.attr(ontology.Sripas, "about")
	fn.Name = strings.TrimSpace(fn.Name)
	if fn.Name == "" {
		ps.errf(cell, f.line, "function without a name (sripas:about)")
	}
	seen := map[int]bool{}
	for _, p := range f.children {
		switch p.name.Local {
		case "param":
			var prm Param
			o, _ := p.attr(ontology.Sripas, "order")
			n, err := strconv.Atoi(strings.TrimSpace(o))
			if err != nil || n < 1 {
				ps.errf(cell, p.line, "function %s: parameter order %q is not a positive integer", fn.Name, o)
			}
			if seen[n] {
				ps.warnf(cell, p.line, "function %s: two parameters with order %d; they keep document order", fn.Name, n)
			}
			seen[n] = true
			prm.Order = n
			if about, ok := p.attr(ontology.Sripas, "about"); ok {
				v, isVar := varName(about)
				if !isVar {
					ps.errf(cell, p.line, "function %s: parameter %d names %q, not a sripas: variable", fn.Name, n, about)
				}
				prm.Var = v
			} else if val, ok := p.attr(ontology.Sripas, "val"); ok {
				prm.Value = unescapeSPARQL(val)
				prm.Datatype, _ = p.attr(ontology.Sripas, "datatype")
			} else {
				ps.errf(cell, p.line, "function %s: parameter %d has neither about nor val", fn.Name, n)
			}
			fn.Params = append(fn.Params, prm)
		case "return":
			about, _ := p.attr(ontology.Sripas, "about")
			v, isVar := varName(about)
			if !isVar {
				ps.errf(cell, p.line, "function %s: return %q is not a sripas: variable", fn.Name, about)
			}
			if fn.Return != "" {
				ps.errf(cell, p.line, "function %s: more than one return", fn.Name)
			}
			fn.Return = v
		}
	}
	if fn.Return == "" && fn.Name != "" {
		ps.errf(cell, f.line, "function %s: no return variable", fn.Name)
	}
	sort.SliceStable(fn.Params, func(i, j int) bool { return fn.Params[i].Order < fn.Params[j].Order })
	return fn
}

// parseEntity reads one entity in the document's cell format.
func parseEntity(a *Alignment, c *Cell, e *elem, which int, opts Options, ps *problems) (string, []Pattern) {
	name := c.Name()
	pt, _ := e.attr(ontology.RDF, "parseType")
	var triples []rdf.Triple
	var src string
	switch {
	case pt == "Literal" || (a.CellFormat == FormatRDFXML && len(e.children) > 0):
		src = rdfxmlInner(e)
		if strings.TrimSpace(src) == "" {
			return "", nil
		}
		doc := `<rdf:RDF xmlns:rdf="` + ontology.RDF + `">` + src + `</rdf:RDF>`
		ts, err := rdf.ParseRDFXMLWith(strings.NewReader(doc), rdf.XMLOptions{Base: ontology.Sripas, BlankPrefix: fmt.Sprintf("e%d", which)})
		if err != nil {
			ps.errf(name, e.line, "entity%d: RDF/XML: %v", which, err)
			return src, nil
		}
		triples = rdfxmlVariables(ts)
	default:
		src = e.text.String()
		if strings.TrimSpace(src) == "" {
			return src, nil
		}
		ts, err := parseTurtleCell(src, a.Prefixes, which)
		if err != nil {
			ts2, err2 := parseTurtleCell(src+"\n.", a.Prefixes, which)
			if err2 != nil || strings.HasSuffix(strings.TrimSpace(src), ".") {
				line := e.line
				var pe *rdf.ParseError
				if errors.As(err, &pe) {
					line += pe.Line - 1
					err = fmt.Errorf("column %d: %s", pe.Column, pe.Msg)
				}
				ps.errf(name, line, "entity%d: Turtle syntax error: %v", which, err)
				return src, nil
			}
			ps.warnf(name, e.line, "entity%d: the final '.' is missing (accepted, as IPSM does)", which)
			ts = ts2
		}
		triples = ts
	}
	if len(triples) > opts.MaxPatterns {
		ps.tooLarge = true
		ps.errf(name, e.line, "entity%d has %d triple patterns, more than the limit of %d", which, len(triples), opts.MaxPatterns)
		return src, nil
	}
	pats := make([]Pattern, 0, len(triples))
	for _, t := range triples {
		pats = append(pats, Pattern{S: nodeOf(t.S, which), P: nodeOf(t.P, which), O: nodeOf(t.O, which)})
	}
	return src, pats
}

func parseTurtleCell(src string, prefixes map[string]string, which int) ([]rdf.Triple, error) {
	return rdf.ParseTurtleWith(strings.NewReader(src), rdf.TurtleOptions{
		Base:        ontology.Sripas,
		Prefixes:    prefixes,
		BlankPrefix: fmt.Sprintf("e%d", which),
	})
}

// nodeOf turns a parsed term into a pattern node: sripas: IRIs are
// variables; in entity1 blank nodes are variables too.
func nodeOf(t rdf.Term, which int) Node {
	if t.IsIRI() {
		if v, ok := varName(t.Value); ok {
			return Node{Var: v}
		}
	}
	if t.IsBlank() && which == 1 {
		return Node{Var: "_:" + t.Value}
	}
	return Node{Term: t}
}

// rdfxmlVariables applies the RDF/XML cell convention: an anonymous node
// typed by a sripas: variable is that variable. The typing triples go.
func rdfxmlVariables(ts []rdf.Triple) []rdf.Triple {
	vars := map[rdf.Term]rdf.Term{}
	for _, t := range ts {
		if t.S.IsBlank() && t.P.Value == rdf.RDFType && t.O.IsIRI() {
			if _, ok := varName(t.O.Value); ok {
				vars[t.S] = t.O
			}
		}
	}
	out := make([]rdf.Triple, 0, len(ts))
	for _, t := range ts {
		if _, ok := vars[t.S]; ok && t.P.Value == rdf.RDFType && t.O == vars[t.S] {
			continue
		}
		if v, ok := vars[t.S]; ok {
			t.S = v
		}
		if v, ok := vars[t.O]; ok {
			t.O = v
		}
		out = append(out, t)
	}
	return out
}

// rdfxmlInner writes an element's children back as XML with their
// namespaces explicit, so they can be read as RDF/XML on their own.
func rdfxmlInner(e *elem) string {
	var b strings.Builder
	for _, c := range e.children {
		writeElem(&b, c)
	}
	return b.String()
}

func writeElem(b *strings.Builder, e *elem) {
	b.WriteString("<n:" + e.name.Local + ` xmlns:n="`)
	xml.EscapeText(b, []byte(e.name.Space))
	b.WriteString(`"`)
	for i, a := range e.attrs {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			continue
		}
		if a.Name.Space == "" {
			b.WriteString(" " + a.Name.Local + `="`)
		} else {
			fmt.Fprintf(b, ` xmlns:a%d="`, i)
			xml.EscapeText(b, []byte(a.Name.Space))
			fmt.Fprintf(b, `" a%d:%s="`, i, a.Name.Local)
		}
		xml.EscapeText(b, []byte(a.Value))
		b.WriteString(`"`)
	}
	b.WriteString(">")
	if len(e.children) == 0 {
		xml.EscapeText(b, []byte(e.text.String()))
	}
	for _, c := range e.children {
		writeElem(b, c)
	}
	b.WriteString("</n:" + e.name.Local + ">")
}

// unescapeSPARQL reads a val parameter as IPSM does: as the body of a
// SPARQL string literal, so \\ is one backslash and \" a quote.
func unescapeSPARQL(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case '"', '\'', '\\':
			b.WriteByte(s[i])
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
