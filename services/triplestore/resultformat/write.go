package resultformat

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"sort"
	"strings"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
)

// Format is a serialisation of query results.
type Format int

// The formats. The first four serialise SELECT and ASK results; the rest
// serialise graphs (CONSTRUCT, DESCRIBE).
const (
	JSON Format = iota + 1
	XML
	CSV
	TSV
	NTriples
	NQuads
	Turtle
	JSONLD
)

var contentTypes = map[Format]string{
	JSON:     "application/sparql-results+json",
	XML:      "application/sparql-results+xml",
	CSV:      "text/csv",
	TSV:      "text/tab-separated-values",
	NTriples: "application/n-triples",
	NQuads:   "application/n-quads",
	Turtle:   "text/turtle",
	JSONLD:   "application/ld+json",
}

// ContentType is the media type of f.
func (f Format) ContentType() string { return contentTypes[f] }

// IsGraph reports whether f serialises graphs.
func (f Format) IsGraph() bool { return f >= NTriples }

var byMediaType = map[string]Format{
	"application/sparql-results+json": JSON,
	"application/json":                JSON,
	"application/sparql-results+xml":  XML,
	"application/xml":                 XML,
	"text/xml":                        XML,
	"text/csv":                        CSV,
	"text/tab-separated-values":       TSV,
	"application/n-triples":           NTriples,
	"text/plain":                      NTriples,
	"application/n-quads":             NQuads,
	"text/turtle":                     Turtle,
	"application/x-turtle":            Turtle,
	"application/ld+json":             JSONLD,
}

// Negotiate picks the format for a result of the given form from an HTTP
// Accept header, by quality then order. An empty or wildcard header gives
// JSON for SELECT/ASK and Turtle for graphs. ok is false when the header
// names only formats unsuitable for the form.
func Negotiate(accept string, form triplestore.Form) (f Format, ok bool) {
	graph := form == triplestore.FormConstruct || form == triplestore.FormDescribe
	def := JSON
	if graph {
		def = Turtle
	}
	if strings.TrimSpace(accept) == "" {
		return def, true
	}
	type cand struct {
		f   Format
		q   float64
		pos int
		any bool
	}
	var cands []cand
	for i, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if qs, ok := params["q"]; ok {
			fmt.Sscanf(qs, "%g", &q)
		}
		if q <= 0 {
			continue
		}
		if mt == "*/*" || (mt == "application/*" || mt == "text/*") {
			cands = append(cands, cand{def, q, i, true})
			continue
		}
		if ff, ok := byMediaType[mt]; ok && ff.IsGraph() == graph {
			cands = append(cands, cand{ff, q, i, false})
		}
	}
	if len(cands) == 0 {
		return def, false
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].q != cands[j].q {
			return cands[i].q > cands[j].q
		}
		if cands[i].any != cands[j].any {
			return !cands[i].any
		}
		return cands[i].pos < cands[j].pos
	})
	return cands[0].f, true
}

// Write serialises res in format f, consuming its rows.
func Write(w io.Writer, res *triplestore.Result, f Format) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	var err error
	switch {
	case res.Form == triplestore.FormConstruct || res.Form == triplestore.FormDescribe:
		err = WriteGraph(bw, res.Graph, f)
	case f == JSON:
		err = writeJSON(bw, res)
	case f == XML:
		err = writeXML(bw, res)
	case f == CSV || f == TSV:
		err = writeDelimited(bw, res, f)
	default:
		err = fmt.Errorf("%w: format %s cannot hold %v results", triplestore.ErrUnsupported, f.ContentType(), res.Form)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// jsonTerm is one term of SPARQL JSON results.
type jsonTerm struct {
	Type     string
	Value    string
	Datatype string
	Lang     string
}

func jsonTermOf(t rdf.Term) jsonTerm {
	switch t.Kind {
	case rdf.KindIRI:
		return jsonTerm{Type: "uri", Value: t.Value}
	case rdf.KindBlank:
		return jsonTerm{Type: "bnode", Value: t.Value}
	}
	jt := jsonTerm{Type: "literal", Value: t.Value, Lang: t.Lang}
	if t.Lang == "" && t.Datatype != rdf.XSDString {
		jt.Datatype = t.Datatype
	}
	return jt
}

// MarshalJSON omits empty fields.
func (t jsonTerm) MarshalJSON() ([]byte, error) {
	m := map[string]string{"type": t.Type, "value": t.Value}
	if t.Datatype != "" {
		m["datatype"] = t.Datatype
	}
	if t.Lang != "" {
		m["xml:lang"] = t.Lang
	}
	return json.Marshal(m)
}

func writeJSON(w *bufio.Writer, res *triplestore.Result) error {
	enc := json.NewEncoder(w)
	if res.Form == triplestore.FormAsk {
		return enc.Encode(map[string]any{"head": map[string]any{}, "boolean": res.Boolean})
	}
	vars, _ := json.Marshal(nonNil(res.Vars))
	fmt.Fprintf(w, `{"head":{"vars":%s},"results":{"bindings":[`, vars)
	first := true
	if res.Rows != nil {
		for res.Rows.Next() {
			b := res.Rows.Binding()
			row := make(map[string]jsonTerm, len(b))
			for k, v := range b {
				if !v.IsZero() {
					row[k] = jsonTermOf(v)
				}
			}
			data, err := json.Marshal(row)
			if err != nil {
				return err
			}
			if !first {
				w.WriteByte(',')
			}
			first = false
			w.Write(data)
		}
		if err := res.Rows.Err(); err != nil {
			return err
		}
	}
	_, err := w.WriteString("]}}\n")
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func writeXML(w *bufio.Writer, res *triplestore.Result) error {
	w.WriteString(`<?xml version="1.0"?>` + "\n" + `<sparql xmlns="http://www.w3.org/2005/sparql-results#">` + "\n<head>")
	for _, v := range res.Vars {
		w.WriteString(`<variable name="` + xmlEscape(v) + `"/>`)
	}
	w.WriteString("</head>\n")
	if res.Form == triplestore.FormAsk {
		fmt.Fprintf(w, "<boolean>%t</boolean>\n</sparql>\n", res.Boolean)
		return nil
	}
	w.WriteString("<results>\n")
	if res.Rows != nil {
		for res.Rows.Next() {
			b := res.Rows.Binding()
			w.WriteString("<result>")
			for _, name := range sortedKeys(b) {
				t := b[name]
				if t.IsZero() {
					continue
				}
				w.WriteString(`<binding name="` + xmlEscape(name) + `">`)
				switch t.Kind {
				case rdf.KindIRI:
					w.WriteString("<uri>" + xmlEscape(t.Value) + "</uri>")
				case rdf.KindBlank:
					w.WriteString("<bnode>" + xmlEscape(t.Value) + "</bnode>")
				default:
					w.WriteString("<literal")
					if t.Lang != "" {
						w.WriteString(` xml:lang="` + xmlEscape(t.Lang) + `"`)
					} else if t.Datatype != rdf.XSDString {
						w.WriteString(` datatype="` + xmlEscape(t.Datatype) + `"`)
					}
					w.WriteString(">" + xmlEscape(t.Value) + "</literal>")
				}
				w.WriteString("</binding>")
			}
			w.WriteString("</result>\n")
		}
		if err := res.Rows.Err(); err != nil {
			return err
		}
	}
	_, err := w.WriteString("</results>\n</sparql>\n")
	return err
}

func sortedKeys(b triplestore.Binding) []string {
	keys := make([]string, 0, len(b))
	for k := range b {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// writeDelimited writes CSV (values only, RFC 4180 quoting) or TSV (terms
// in Turtle/N-Triples syntax), per SPARQL 1.1 Query Results CSV and TSV.
func writeDelimited(w *bufio.Writer, res *triplestore.Result, f Format) error {
	if res.Form == triplestore.FormAsk {
		return fmt.Errorf("%w: CSV and TSV cannot hold ASK results", triplestore.ErrUnsupported)
	}
	sep, eol := ",", "\r\n"
	if f == TSV {
		sep, eol = "\t", "\n"
	}
	for i, v := range res.Vars {
		if i > 0 {
			w.WriteString(sep)
		}
		if f == TSV {
			w.WriteString("?")
		}
		w.WriteString(v)
	}
	w.WriteString(eol)
	if res.Rows == nil {
		return nil
	}
	for res.Rows.Next() {
		b := res.Rows.Binding()
		for i, v := range res.Vars {
			if i > 0 {
				w.WriteString(sep)
			}
			t, ok := b[v]
			if !ok || t.IsZero() {
				continue
			}
			if f == TSV {
				w.WriteString(tsvTerm(t))
			} else {
				w.WriteString(csvField(csvValue(t)))
			}
		}
		w.WriteString(eol)
	}
	return res.Rows.Err()
}

func csvValue(t rdf.Term) string {
	if t.IsBlank() {
		return "_:" + t.Value
	}
	return t.Value
}

func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\r\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

func tsvTerm(t rdf.Term) string {
	var b strings.Builder
	rdf.AppendTurtleTerm(&b, t, nil)
	s := b.String()
	return strings.NewReplacer("\t", `\t`).Replace(s)
}
