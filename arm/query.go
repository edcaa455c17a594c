package arm

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/intermw/intermw/services/triplestore"
	"github.com/intermw/intermw/services/triplestore/resultformat"
)

// query runs a raw read-only SPARQL query over the registry (POST /query).
// SELECT and ASK answer in SPARQL JSON unless Accept asks for XML, CSV or
// TSV; CONSTRUCT and DESCRIBE answer in JSON-LD unless Accept asks for
// N-Triples or Turtle. Updates are refused with 400 by the registry.
func (s *Server) query(c *call) error {
	text := string(bytes.TrimSpace(c.body))
	if text == "" {
		return badRequest("the body must hold a SPARQL query")
	}
	if !utf8.ValidString(text) {
		return badRequest("the query is not UTF-8")
	}
	res, err := s.cfg.Discovery.Discovery(c.ctx(), text)
	if err != nil {
		return err
	}
	defer res.Close()
	f, err := negotiate(c.r.Header.Get("Accept"), res.Form)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := resultformat.Write(&buf, res, f); err != nil {
		return fmt.Errorf("arm: writing the query result: %w", err)
	}
	c.w.Header().Set("Content-Type", f.ContentType())
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write(buf.Bytes())
	return nil
}

// negotiate picks the result format: JSON (SPARQL results) or JSON-LD by
// default, for application/json too; otherwise what Accept names.
func negotiate(accept string, form triplestore.Form) (resultformat.Format, error) {
	graph := form == triplestore.FormConstruct || form == triplestore.FormDescribe
	a := strings.TrimSpace(accept)
	if a == "" || a == "*/*" || strings.HasPrefix(a, "application/json") {
		if graph {
			return resultformat.JSONLD, nil
		}
		return resultformat.JSON, nil
	}
	f, ok := resultformat.Negotiate(accept, form)
	if !ok {
		return 0, fmt.Errorf("%w: no %s result format fits Accept %q", ErrNotAcceptable, form, accept)
	}
	return f, nil
}
