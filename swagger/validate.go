package swagger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-openapi/spec"
	"github.com/go-openapi/strfmt"
	"github.com/go-openapi/validate"
)

// ErrInvalidBody: a body does not fit its operation's schema.
var ErrInvalidBody = errors.New("body does not match the API schema")

// Validator checks request bodies against the spec. It is safe for
// concurrent use.
type Validator struct {
	formats strfmt.Registry
}

// NewValidator loads the embedded spec and returns a Validator.
func NewValidator() (*Validator, error) {
	if _, err := Spec(); err != nil {
		return nil, err
	}
	return &Validator{formats: strfmt.Default}, nil
}

// bodySchema returns the schema of an operation's JSON body parameter; nil
// when the operation takes no JSON body (or a plain string, like SPARQL).
func bodySchema(op *spec.Operation) (*spec.Schema, bool) {
	for _, p := range op.Parameters {
		if p.In == "body" && p.Schema != nil {
			if p.Schema.Type.Contains("string") {
				return nil, p.Required
			}
			return p.Schema, p.Required
		}
	}
	return nil, false
}

// ValidateBody checks body against the schema of the body parameter of the
// operation at method and specPath (relative to BasePath, e.g.
// "/mw2mw/clients/{clientId}"). An operation without a JSON body accepts
// anything; an empty body where one is required, malformed JSON or a value
// that breaks the schema is an error wrapping ErrInvalidBody that lists
// every violation.
func (v *Validator) ValidateBody(method, specPath string, body []byte) error {
	op, err := operation(method, specPath)
	if err != nil {
		return err
	}
	schema, required := bodySchema(op)
	if schema == nil {
		return nil
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if required {
			return fmt.Errorf("%w: a JSON body is required", ErrInvalidBody)
		}
		return nil
	}
	data, err := decodeJSON(body)
	if err != nil {
		return fmt.Errorf("%w: malformed JSON: %v", ErrInvalidBody, err)
	}
	return checkSchema(schema, data, v.formats)
}

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var data any
	if err := dec.Decode(&data); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("more than one JSON value")
	}
	return numbers(data), nil
}

// numbers turns json.Numbers into int64 or float64 for the validator.
func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	}
	return v
}

func checkSchema(schema *spec.Schema, data any, formats strfmt.Registry) error {
	if err := validate.AgainstSchema(schema, data, formats); err != nil {
		return fmt.Errorf("%w: %s", ErrInvalidBody, strings.TrimSpace(err.Error()))
	}
	return nil
}

// TB is the part of testing.TB ValidateResponse uses.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
}

// ValidateResponse checks a response an end-to-end test saw: the spec must
// have the operation (method and the request path, with or without
// BasePath, still escaped), list the status (or a default), and the body
// must fit the status's schema. Failures are reported with t.Errorf.
func ValidateResponse(t TB, method, path string, status int, body []byte) {
	t.Helper()
	if err := CheckResponse(method, path, status, body); err != nil {
		t.Errorf("%s %s → %d: %v", method, path, status, err)
	}
}

// CheckResponse is ValidateResponse returning the problem as an error.
func CheckResponse(method, path string, status int, body []byte) error {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	tmpl, ok := MatchPath(path)
	if !ok {
		return fmt.Errorf("%w: no spec path matches %s", ErrUnknownOperation, path)
	}
	op, err := operation(method, tmpl)
	if err != nil {
		return err
	}
	if op.Responses == nil {
		return fmt.Errorf("%w: %s %s documents no responses", ErrUnknownOperation, method, tmpl)
	}
	resp, ok := op.Responses.StatusCodeResponses[status]
	if !ok {
		if op.Responses.Default == nil {
			return fmt.Errorf("status %d is not documented for %s %s", status, method, tmpl)
		}
		resp = *op.Responses.Default
	}
	if resp.Schema == nil {
		return nil
	}
	data, err := decodeJSON(body)
	if err != nil {
		return fmt.Errorf("%w: response is not JSON: %v", ErrInvalidBody, err)
	}
	return checkSchema(resp.Schema, data, strfmt.Default)
}
