package messages

import (
	"fmt"
	"io"

	"github.com/intermw/intermw/ontology/rdf"
)

// WriteNQuads writes m as N-Quads: the metadata graph, then the payload
// graph, then the Other quads, each quad on its own line.
func WriteNQuads(w io.Writer, m *Message) error {
	return rdf.WriteNQuads(w, m.Quads())
}

// ReadNQuads reads a message from N-Quads holding the metadata and payload
// named graphs. Parse errors match ErrInvalidNQuads (and rdf.ErrParse); a
// dataset that is not a message fails as FromQuads does.
func ReadNQuads(r io.Reader) (*Message, error) {
	quads, err := rdf.ParseNQuads(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidNQuads, err)
	}
	return FromQuads(quads)
}
