package triplestore

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/intermw/intermw/ontology/rdf"
)

// ErrInvalidTerm is returned when a term cannot be written into SPARQL
// safely: an IRI with characters SPARQL forbids in IRIs, a malformed
// language tag or blank node label, or the zero Term.
var ErrInvalidTerm = errors.New("term cannot be written into SPARQL")

var (
	langTagRE    = regexp.MustCompile(`^[a-zA-Z]+(-[a-zA-Z0-9]+)*$`)
	blankLabelRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)
	varNameRE    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	placeholder  = regexp.MustCompile(`%\{([A-Za-z_][A-Za-z0-9_]*)\}`)
)

// FormatTerm writes t as SPARQL text. IRIs are checked, not escaped: an IRI
// holding a character SPARQL cannot carry in an IRI reference (space,
// control characters, <>"{}|^`\) is refused with ErrInvalidTerm, since
// rewriting it would name another resource. Literals are escaped so that no
// content can end the string.
func FormatTerm(t rdf.Term) (string, error) {
	var b strings.Builder
	if err := appendTerm(&b, t); err != nil {
		return "", err
	}
	return b.String(), nil
}

func appendTerm(b *strings.Builder, t rdf.Term) error {
	switch t.Kind {
	case rdf.KindIRI:
		return appendIRI(b, t.Value)
	case rdf.KindBlank:
		if !blankLabelRE.MatchString(t.Value) || strings.HasSuffix(t.Value, ".") {
			return fmt.Errorf("%w: blank node label %q", ErrInvalidTerm, t.Value)
		}
		b.WriteString("_:" + t.Value)
		return nil
	case rdf.KindLiteral:
		rdf.AppendQuoted(b, t.Value)
		switch {
		case t.Lang != "":
			if !langTagRE.MatchString(t.Lang) {
				return fmt.Errorf("%w: language tag %q", ErrInvalidTerm, t.Lang)
			}
			b.WriteString("@" + t.Lang)
		case t.Datatype != "" && t.Datatype != rdf.XSDString:
			b.WriteString("^^")
			return appendIRI(b, t.Datatype)
		}
		return nil
	}
	return fmt.Errorf("%w: no term", ErrInvalidTerm)
}

func appendIRI(b *strings.Builder, iri string) error {
	for _, r := range iri {
		if r <= 0x20 || r == 0x7F || strings.ContainsRune("<>\"{}|^`\\", r) {
			return fmt.Errorf("%w: IRI %q holds %q", ErrInvalidTerm, iri, r)
		}
	}
	b.WriteString("<" + iri + ">")
	return nil
}

// Var names a SPARQL variable in a template binding.
type Var string

// Bind fills a SPARQL template. Each %{name} in the template is replaced by
// args[name], written with FormatTerm (an rdf.Term), as ?name (a Var), or as
// a whitespace-separated list of terms ([]rdf.Term, for VALUES). Request data
// reaches SPARQL only through Bind, never by splicing strings. A placeholder
// without an argument, an argument of another type, or an invalid term is an
// error.
func Bind(template string, args map[string]any) (string, error) {
	var errs []error
	out := placeholder.ReplaceAllStringFunc(template, func(m string) string {
		name := m[2 : len(m)-1]
		arg, ok := args[name]
		if !ok {
			errs = append(errs, fmt.Errorf("%w: no value for %%{%s}", ErrInvalidTerm, name))
			return m
		}
		var b strings.Builder
		switch v := arg.(type) {
		case rdf.Term:
			if err := appendTerm(&b, v); err != nil {
				errs = append(errs, fmt.Errorf("%%{%s}: %w", name, err))
			}
		case Var:
			if !varNameRE.MatchString(string(v)) {
				errs = append(errs, fmt.Errorf("%w: variable name %q", ErrInvalidTerm, v))
			}
			b.WriteString("?" + string(v))
		case []rdf.Term:
			for i, t := range v {
				if i > 0 {
					b.WriteByte(' ')
				}
				if err := appendTerm(&b, t); err != nil {
					errs = append(errs, fmt.Errorf("%%{%s}[%d]: %w", name, i, err))
				}
			}
		default:
			errs = append(errs, fmt.Errorf("%w: %%{%s} is a %T, not a term", ErrInvalidTerm, name, arg))
		}
		return b.String()
	})
	if len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	return out, nil
}

// MustBind is Bind for templates and arguments that are constants of the
// program; it panics on error.
func MustBind(template string, args map[string]any) string {
	s, err := Bind(template, args)
	if err != nil {
		panic(err)
	}
	return s
}
