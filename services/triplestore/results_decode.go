package triplestore

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/intermw/intermw/ontology/rdf"
)

// ErrMalformedResults is wrapped by errors about a malformed SPARQL results
// document.
var ErrMalformedResults = errors.New("malformed SPARQL results")

type jsonResults struct {
	Head struct {
		Vars []string `json:"vars"`
	} `json:"head"`
	Boolean *bool `json:"boolean"`
	Results *struct {
		Bindings []map[string]jsonTerm `json:"bindings"`
	} `json:"results"`
}

type jsonTerm struct {
	Type     string `json:"type"`
	Value    string `json:"value"`
	Datatype string `json:"datatype"`
	Lang     string `json:"xml:lang"`
}

func (t jsonTerm) term() (rdf.Term, error) {
	switch t.Type {
	case "uri":
		return rdf.IRI(t.Value), nil
	case "bnode":
		return rdf.Blank(t.Value), nil
	case "literal", "typed-literal":
		if t.Lang != "" {
			return rdf.LangLiteral(t.Value, t.Lang), nil
		}
		return rdf.Literal(t.Value, t.Datatype), nil
	}
	return rdf.Term{}, fmt.Errorf("%w: unknown term type %q", ErrMalformedResults, t.Type)
}

// DecodeJSONResults reads a SPARQL 1.1 Query Results JSON document. SELECT results
// come back as in-memory Rows.
func DecodeJSONResults(r io.Reader) (*Result, error) {
	var doc jsonResults
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedResults, err)
	}
	if doc.Boolean != nil {
		return &Result{Form: FormAsk, Boolean: *doc.Boolean}, nil
	}
	if doc.Results == nil {
		return nil, fmt.Errorf("%w: neither results nor boolean", ErrMalformedResults)
	}
	rows := make([]Binding, 0, len(doc.Results.Bindings))
	for _, jb := range doc.Results.Bindings {
		b := make(Binding, len(jb))
		for name, jt := range jb {
			t, err := jt.term()
			if err != nil {
				return nil, err
			}
			b[name] = t
		}
		rows = append(rows, b)
	}
	return &Result{Form: FormSelect, Vars: doc.Head.Vars, Rows: SliceRows(rows)}, nil
}

type xmlResults struct {
	Head struct {
		Vars []struct {
			Name string `xml:"name,attr"`
		} `xml:"variable"`
	} `xml:"head"`
	Boolean *string `xml:"boolean"`
	Results *struct {
		Results []struct {
			Bindings []struct {
				Name    string  `xml:"name,attr"`
				URI     *string `xml:"uri"`
				BNode   *string `xml:"bnode"`
				Literal *xmlLit `xml:"literal"`
			} `xml:"binding"`
		} `xml:"result"`
	} `xml:"results"`
}

type xmlLit struct {
	Value    string `xml:",chardata"`
	Datatype string `xml:"datatype,attr"`
	Lang     string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
}

// DecodeXMLResults reads a SPARQL Query Results XML document. SELECT results come back
// as in-memory Rows.
func DecodeXMLResults(r io.Reader) (*Result, error) {
	var doc xmlResults
	if err := xml.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedResults, err)
	}
	if doc.Boolean != nil {
		v := strings.TrimSpace(*doc.Boolean)
		return &Result{Form: FormAsk, Boolean: v == "true" || v == "1"}, nil
	}
	res := &Result{Form: FormSelect}
	for _, v := range doc.Head.Vars {
		res.Vars = append(res.Vars, v.Name)
	}
	var rows []Binding
	if doc.Results != nil {
		for _, xr := range doc.Results.Results {
			b := make(Binding, len(xr.Bindings))
			for _, xb := range xr.Bindings {
				switch {
				case xb.URI != nil:
					b[xb.Name] = rdf.IRI(strings.TrimSpace(*xb.URI))
				case xb.BNode != nil:
					b[xb.Name] = rdf.Blank(strings.TrimSpace(*xb.BNode))
				case xb.Literal != nil:
					if xb.Literal.Lang != "" {
						b[xb.Name] = rdf.LangLiteral(xb.Literal.Value, xb.Literal.Lang)
					} else {
						b[xb.Name] = rdf.Literal(xb.Literal.Value, xb.Literal.Datatype)
					}
				default:
					return nil, fmt.Errorf("%w: binding %q has no value", ErrMalformedResults, xb.Name)
				}
			}
			rows = append(rows, b)
		}
	}
	res.Rows = SliceRows(rows)
	return res, nil
}
