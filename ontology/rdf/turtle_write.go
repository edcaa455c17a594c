package rdf

import (
	"io"
	"regexp"
	"sort"
	"strings"
)

// TurtleNumber matches literals Turtle may write without quotes.
var (
	turtleInteger = regexp.MustCompile(`^[+-]?[0-9]+$`)
	turtleDecimal = regexp.MustCompile(`^[+-]?[0-9]*\.[0-9]+$`)
	turtleDouble  = regexp.MustCompile(`^[+-]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+$`)
)

// WriteTurtle writes triples as Turtle, grouped by subject, using prefixes
// (name → namespace) where the local part is a safe prefixed name.
func WriteTurtle(w io.Writer, triples []Triple, prefixes map[string]string) error {
	var b strings.Builder
	names := make([]string, 0, len(prefixes))
	for p := range prefixes {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		b.WriteString("@prefix " + p + ": <")
		writeEscapedIRI(&b, prefixes[p])
		b.WriteString("> .\n")
	}
	if len(names) > 0 {
		b.WriteByte('\n')
	}
	sorted := append([]Triple(nil), triples...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].S != sorted[j].S {
			return sorted[i].S.String() < sorted[j].S.String()
		}
		return sorted[i].P.String() < sorted[j].P.String()
	})
	for i, t := range sorted {
		switch {
		case i > 0 && sorted[i-1].S == t.S && sorted[i-1].P == t.P:
			b.WriteString(" ,\n        ")
		case i > 0 && sorted[i-1].S == t.S:
			b.WriteString(" ;\n    ")
			writeTurtleTerm(&b, t.P, prefixes, true)
			b.WriteByte(' ')
		default:
			if i > 0 {
				b.WriteString(" .\n")
			}
			writeTurtleTerm(&b, t.S, prefixes, false)
			b.WriteByte(' ')
			writeTurtleTerm(&b, t.P, prefixes, true)
			b.WriteByte(' ')
		}
		writeTurtleTerm(&b, t.O, prefixes, false)
		if b.Len() > 64<<10 {
			if _, err := io.WriteString(w, b.String()); err != nil {
				return err
			}
			b.Reset()
		}
	}
	if len(sorted) > 0 {
		b.WriteString(" .\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

var safeLocal = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// AppendTurtleTerm writes t in Turtle syntax: prefixed where prefixes
// allow, numbers and booleans unquoted where their lexical form allows.
func AppendTurtleTerm(b *strings.Builder, t Term, prefixes map[string]string) {
	writeTurtleTerm(b, t, prefixes, false)
}

func writeTurtleTerm(b *strings.Builder, t Term, prefixes map[string]string, predicate bool) {
	switch t.Kind {
	case KindIRI:
		if predicate && t.Value == RDFType {
			b.WriteByte('a')
			return
		}
		best := ""
		for p, ns := range prefixes {
			if strings.HasPrefix(t.Value, ns) && safeLocal.MatchString(t.Value[len(ns):]) && (best == "" || len(ns) > len(prefixes[best])) {
				best = p
			}
		}
		if best != "" {
			b.WriteString(best + ":" + t.Value[len(prefixes[best]):])
			return
		}
	case KindLiteral:
		if t.Lang == "" {
			switch {
			case t.Datatype == XSDInteger && turtleInteger.MatchString(t.Value),
				t.Datatype == XSDDecimal && turtleDecimal.MatchString(t.Value),
				t.Datatype == XSDDouble && turtleDouble.MatchString(t.Value),
				t.Datatype == XSDBoolean && (t.Value == "true" || t.Value == "false"):
				b.WriteString(t.Value)
				return
			}
		}
	}
	AppendTerm(b, t)
}
