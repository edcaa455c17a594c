package rdf

import (
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// XMLOptions configure ParseRDFXMLWith.
type XMLOptions struct {
	// Base is the document's base IRI.
	Base string
	// BlankPrefix is prepended to blank node labels.
	BlankPrefix string
	// Entities are XML entities the document may use besides the built-in
	// ones; a document's own DOCTYPE declarations are added to them.
	Entities map[string]string
	// MaxBytes bounds the document; 0 means 16 MiB.
	MaxBytes int64
}

// ParseRDFXML reads an RDF/XML document.
func ParseRDFXML(r io.Reader, base string) ([]Triple, error) {
	return ParseRDFXMLWith(r, XMLOptions{Base: base})
}

// xmlElem is a parsed XML element.
type xmlElem struct {
	name     xml.Name
	attrs    []xml.Attr
	children []*xmlElem
	text     strings.Builder
	inner    strings.Builder // raw inner XML, for parseType="Literal"
	base     string
	lang     string
	line     int
}

const xmlNS = "http://www.w3.org/XML/1998/namespace"

// ParseRDFXMLWith reads an RDF/XML document.
func ParseRDFXMLWith(r io.Reader, opts XMLOptions) ([]Triple, error) {
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = 16 << 20
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrParse, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: document larger than %d bytes", ErrParse, limit)
	}
	entities := map[string]string{}
	for k, v := range opts.Entities {
		entities[k] = v
	}
	for k, v := range doctypeEntities(string(data)) {
		entities[k] = v
	}
	dec := xml.NewDecoder(strings.NewReader(string(data)))
	dec.Entity = entities
	root, err := buildTree(dec, opts.Base)
	if err != nil {
		return nil, err
	}
	p := &xmlParser{bprefix: opts.BlankPrefix}
	if err := p.document(root); err != nil {
		return nil, err
	}
	return p.out, nil
}

// entityDecl matches an internal general entity declaration.
var entityDecl = regexp.MustCompile(`<!ENTITY\s+([A-Za-z_][\w.-]*)\s+(?:"([^"]*)"|'([^']*)')\s*>`)

// doctypeEntities extracts <!ENTITY name "value"> declarations from the
// document type declaration.
func doctypeEntities(doc string) map[string]string {
	out := map[string]string{}
	i := strings.Index(doc, "<!DOCTYPE")
	if i < 0 {
		return out
	}
	end := strings.Index(doc[i:], "]")
	if end < 0 {
		return out
	}
	for _, m := range entityDecl.FindAllStringSubmatch(doc[i:i+end], -1) {
		val := m[2] + m[3]
		for en, ev := range out {
			val = strings.ReplaceAll(val, "&"+en+";", ev)
		}
		out[m[1]] = val
	}
	return out
}

func buildTree(dec *xml.Decoder, base string) (*xmlElem, error) {
	var stack []*xmlElem
	var root *xmlElem
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, _ := dec.InputPos()
			return nil, &ParseError{Line: line, Column: 1, Msg: err.Error()}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			line, _ := dec.InputPos()
			e := &xmlElem{name: t.Name, attrs: t.Attr, line: line, base: base}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				e.base, e.lang = parent.base, parent.lang
				parent.children = append(parent.children, e)
				for _, anc := range stack {
					writeStart(&anc.inner, t)
				}
			}
			for _, a := range t.Attr {
				if a.Name.Space == xmlNS && a.Name.Local == "base" {
					e.base = ResolveIRI(e.base, a.Value)
					if k := strings.IndexByte(e.base, '#'); k >= 0 {
						e.base = e.base[:k]
					}
				}
				if a.Name.Space == xmlNS && a.Name.Local == "lang" {
					e.lang = a.Value
				}
			}
			if len(stack) > 200 {
				return nil, &ParseError{Line: line, Column: 1, Msg: "document nested too deeply"}
			}
			stack = append(stack, e)
		case xml.EndElement:
			if len(stack) == 0 {
				continue
			}
			e := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, anc := range stack {
				anc.inner.WriteString("</" + qname(t.Name) + ">")
			}
			if len(stack) == 0 {
				root = e
			}
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
				for _, anc := range stack {
					xml.EscapeText(&anc.inner, t)
				}
			}
		}
	}
	if root == nil {
		return nil, &ParseError{Line: 1, Column: 1, Msg: "empty XML document"}
	}
	return root, nil
}

func qname(n xml.Name) string { return n.Local }

func writeStart(b *strings.Builder, t xml.StartElement) {
	b.WriteString("<" + qname(t.Name))
	if t.Name.Space != "" {
		b.WriteString(` xmlns="` + t.Name.Space + `"`)
	}
	for _, a := range t.Attr {
		if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
			continue
		}
		b.WriteString(" " + a.Name.Local + `="`)
		xml.EscapeText(b, []byte(a.Value))
		b.WriteString(`"`)
	}
	b.WriteString(">")
}

type xmlParser struct {
	bprefix string
	fresh   int
	out     []Triple
}

func (p *xmlParser) errf(e *xmlElem, format string, args ...any) error {
	return &ParseError{Line: e.line, Column: 1, Msg: fmt.Sprintf(format, args...)}
}

func (p *xmlParser) blank() Term {
	p.fresh++
	return Blank(p.bprefix + "x" + strconv.Itoa(p.fresh))
}

func iriOf(n xml.Name) string { return n.Space + n.Local }

func isRDF(n xml.Name, local string) bool { return n.Space == RDFNS && n.Local == local }

func (p *xmlParser) document(root *xmlElem) error {
	if isRDF(root.name, "RDF") {
		for _, c := range root.children {
			if _, err := p.nodeElement(c); err != nil {
				return err
			}
		}
		return nil
	}
	_, err := p.nodeElement(root)
	return err
}

func attr(e *xmlElem, space, local string) (string, bool) {
	for _, a := range e.attrs {
		if a.Name.Space == space && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// isSyntaxAttr reports attributes that are not property attributes.
func isSyntaxAttr(a xml.Attr) bool {
	if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") || a.Name.Space == xmlNS {
		return true
	}
	if a.Name.Space == "" {
		return true // unqualified attributes carry no RDF meaning
	}
	if a.Name.Space == RDFNS {
		switch a.Name.Local {
		case "about", "ID", "nodeID", "resource", "parseType", "datatype", "bagID", "aboutEach", "aboutEachPrefix":
			return true
		}
	}
	return false
}

func (p *xmlParser) subjectOf(e *xmlElem) Term {
	if v, ok := attr(e, RDFNS, "about"); ok {
		return IRI(ResolveIRI(e.base, v))
	}
	if v, ok := attr(e, RDFNS, "ID"); ok {
		return IRI(ResolveIRI(e.base, "#"+v))
	}
	if v, ok := attr(e, RDFNS, "nodeID"); ok {
		return Blank(p.bprefix + v)
	}
	return p.blank()
}

func (p *xmlParser) nodeElement(e *xmlElem) (Term, error) {
	subj := p.subjectOf(e)
	if !isRDF(e.name, "Description") {
		p.out = append(p.out, Triple{S: subj, P: IRI(RDFType), O: IRI(iriOf(e.name))})
	}
	for _, a := range e.attrs {
		if isSyntaxAttr(a) {
			continue
		}
		pred := a.Name.Space + a.Name.Local
		if pred == RDFType {
			p.out = append(p.out, Triple{S: subj, P: IRI(RDFType), O: IRI(ResolveIRI(e.base, a.Value))})
			continue
		}
		p.out = append(p.out, Triple{S: subj, P: IRI(pred), O: p.plain(a.Value, e.lang)})
	}
	li := 0
	for _, c := range e.children {
		if err := p.propertyElement(subj, c, &li); err != nil {
			return Term{}, err
		}
	}
	return subj, nil
}

func (p *xmlParser) plain(s, lang string) Term {
	if lang != "" {
		return LangLiteral(s, lang)
	}
	return String(s)
}

func (p *xmlParser) propertyElement(subj Term, e *xmlElem, li *int) error {
	pred := iriOf(e.name)
	if isRDF(e.name, "li") {
		*li++
		pred = RDFNS + "_" + strconv.Itoa(*li)
	}
	emit := func(o Term) {
		p.out = append(p.out, Triple{S: subj, P: IRI(pred), O: o})
		if id, ok := attr(e, RDFNS, "ID"); ok {
			st := IRI(ResolveIRI(e.base, "#"+id))
			p.out = append(p.out,
				Triple{S: st, P: IRI(RDFType), O: IRI(RDFNS + "Statement")},
				Triple{S: st, P: IRI(RDFNS + "subject"), O: subj},
				Triple{S: st, P: IRI(RDFNS + "predicate"), O: IRI(pred)},
				Triple{S: st, P: IRI(RDFNS + "object"), O: o})
		}
	}
	if pt, ok := attr(e, RDFNS, "parseType"); ok {
		switch pt {
		case "Resource":
			node := p.blank()
			emit(node)
			inner := 0
			for _, c := range e.children {
				if err := p.propertyElement(node, c, &inner); err != nil {
					return err
				}
			}
			return nil
		case "Collection":
			var items []Term
			for _, c := range e.children {
				t, err := p.nodeElement(c)
				if err != nil {
					return err
				}
				items = append(items, t)
			}
			if len(items) == 0 {
				emit(IRI(RDFNS + "nil"))
				return nil
			}
			head := p.blank()
			emit(head)
			cur := head
			for i, it := range items {
				p.out = append(p.out, Triple{S: cur, P: IRI(RDFNS + "first"), O: it})
				next := IRI(RDFNS + "nil")
				if i < len(items)-1 {
					next = p.blank()
				}
				p.out = append(p.out, Triple{S: cur, P: IRI(RDFNS + "rest"), O: next})
				cur = next
			}
			return nil
		default: // "Literal" and unknown parse types
			emit(Literal(e.inner.String(), RDFNS+"XMLLiteral"))
			return nil
		}
	}
	if len(e.children) == 1 {
		o, err := p.nodeElement(e.children[0])
		if err != nil {
			return err
		}
		emit(o)
		return nil
	}
	if len(e.children) > 1 {
		return p.errf(e, "property element %s holds more than one node element", pred)
	}
	// An empty property element, or a literal.
	var propAttrs []xml.Attr
	for _, a := range e.attrs {
		if !isSyntaxAttr(a) {
			propAttrs = append(propAttrs, a)
		}
	}
	res, hasRes := attr(e, RDFNS, "resource")
	nodeID, hasNode := attr(e, RDFNS, "nodeID")
	if !hasRes && !hasNode && len(propAttrs) == 0 {
		if dt, ok := attr(e, RDFNS, "datatype"); ok {
			emit(Literal(e.text.String(), ResolveIRI(e.base, dt)))
			return nil
		}
		emit(p.plain(e.text.String(), e.lang))
		return nil
	}
	var obj Term
	switch {
	case hasRes:
		obj = IRI(ResolveIRI(e.base, res))
	case hasNode:
		obj = Blank(p.bprefix + nodeID)
	default:
		obj = p.blank()
	}
	emit(obj)
	for _, a := range propAttrs {
		ap := a.Name.Space + a.Name.Local
		if ap == RDFType {
			p.out = append(p.out, Triple{S: obj, P: IRI(RDFType), O: IRI(ResolveIRI(e.base, a.Value))})
			continue
		}
		p.out = append(p.out, Triple{S: obj, P: IRI(ap), O: p.plain(a.Value, e.lang)})
	}
	return nil
}
