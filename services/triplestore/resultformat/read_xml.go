package resultformat

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
)

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

// ReadXML reads a SPARQL Query Results XML document. SELECT results come back
// as in-memory Rows.
func ReadXML(r io.Reader) (*triplestore.Result, error) {
	var doc xmlResults
	if err := xml.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if doc.Boolean != nil {
		v := strings.TrimSpace(*doc.Boolean)
		return &triplestore.Result{Form: triplestore.FormAsk, Boolean: v == "true" || v == "1"}, nil
	}
	res := &triplestore.Result{Form: triplestore.FormSelect}
	for _, v := range doc.Head.Vars {
		res.Vars = append(res.Vars, v.Name)
	}
	var rows []triplestore.Binding
	if doc.Results != nil {
		for _, xr := range doc.Results.Results {
			b := make(triplestore.Binding, len(xr.Bindings))
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
					return nil, fmt.Errorf("%w: binding %q has no value", ErrFormat, xb.Name)
				}
			}
			rows = append(rows, b)
		}
	}
	res.Rows = triplestore.SliceRows(rows)
	return res, nil
}
