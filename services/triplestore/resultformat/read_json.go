package resultformat

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
)

// ErrFormat is wrapped by every error about a malformed results document.
var ErrFormat = errors.New("malformed SPARQL results")

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
	return rdf.Term{}, fmt.Errorf("%w: unknown term type %q", ErrFormat, t.Type)
}

// ReadJSON reads a SPARQL 1.1 Query Results JSON document. SELECT results
// come back as in-memory Rows.
func ReadJSON(r io.Reader) (*triplestore.Result, error) {
	var doc jsonResults
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if doc.Boolean != nil {
		return &triplestore.Result{Form: triplestore.FormAsk, Boolean: *doc.Boolean}, nil
	}
	if doc.Results == nil {
		return nil, fmt.Errorf("%w: neither results nor boolean", ErrFormat)
	}
	rows := make([]triplestore.Binding, 0, len(doc.Results.Bindings))
	for _, jb := range doc.Results.Bindings {
		b := make(triplestore.Binding, len(jb))
		for name, jt := range jb {
			t, err := jt.term()
			if err != nil {
				return nil, err
			}
			b[name] = t
		}
		rows = append(rows, b)
	}
	return &triplestore.Result{Form: triplestore.FormSelect, Vars: doc.Head.Vars, Rows: triplestore.SliceRows(rows)}, nil
}
