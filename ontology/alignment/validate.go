package alignment

import (
	"sort"
	"strconv"
	"strings"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
	"github.com/intermw/intermw/services/triplestore/engine/function"
)

// builtinArity gives the argument counts of the SPARQL 1.1 built-in
// functions a cell may call: min and max (-1: any number).
var builtinArity = map[string][2]int{
	"STR": {1, 1}, "LANG": {1, 1}, "LANGMATCHES": {2, 2}, "DATATYPE": {1, 1},
	"IRI": {1, 1}, "URI": {1, 1}, "BNODE": {0, 1}, "RAND": {0, 0}, "ABS": {1, 1},
	"CEIL": {1, 1}, "FLOOR": {1, 1}, "ROUND": {1, 1}, "CONCAT": {0, -1},
	"SUBSTR": {2, 3}, "STRLEN": {1, 1}, "REPLACE": {3, 4}, "UCASE": {1, 1},
	"LCASE": {1, 1}, "ENCODE_FOR_URI": {1, 1}, "CONTAINS": {2, 2},
	"STRSTARTS": {2, 2}, "STRENDS": {2, 2}, "STRBEFORE": {2, 2}, "STRAFTER": {2, 2},
	"YEAR": {1, 1}, "MONTH": {1, 1}, "DAY": {1, 1}, "HOURS": {1, 1}, "MINUTES": {1, 1},
	"SECONDS": {1, 1}, "TIMEZONE": {1, 1}, "TZ": {1, 1}, "NOW": {0, 0}, "UUID": {0, 0},
	"STRUUID": {0, 0}, "MD5": {1, 1}, "SHA1": {1, 1}, "SHA256": {1, 1}, "SHA384": {1, 1},
	"SHA512": {1, 1}, "COALESCE": {1, -1}, "IF": {3, 3}, "STRLANG": {2, 2},
	"STRDT": {2, 2}, "SAMETERM": {2, 2}, "ISIRI": {1, 1}, "ISURI": {1, 1},
	"ISBLANK": {1, 1}, "ISLITERAL": {1, 1}, "ISNUMERIC": {1, 1}, "REGEX": {2, 3},
	// the arithmetic operators IPSM accepts as function names
	"+": {2, -1}, "-": {2, -1}, "*": {2, -1}, "/": {2, -1},
}

// functionKind classifies a function name: a built-in (upper-cased name),
// a cast to an XSD type, or the epoch extension.
type functionKind uint8

const (
	fnUnknown functionKind = iota
	fnBuiltin
	fnCast
	fnEpoch
)

func classify(name string) (functionKind, string) {
	switch {
	case name == FuncUnixEpochToUTC || name == "unixEpochToUTC":
		return fnEpoch, FuncUnixEpochToUTC
	case function.IsCast(name):
		return fnCast, name
	}
	up := strings.ToUpper(name)
	if _, ok := builtinArity[up]; ok {
		return fnBuiltin, up
	}
	return fnUnknown, name
}

func arityOK(kind functionKind, name string, n int) (bool, string) {
	switch kind {
	case fnEpoch, fnCast:
		return n == 1, "1"
	case fnBuiltin:
		a := builtinArity[name]
		switch {
		case a[1] < 0:
			return n >= a[0], "at least " + itoa(a[0])
		case a[0] == a[1]:
			return n == a[0], itoa(a[0])
		default:
			return n >= a[0] && n <= a[1], itoa(a[0]) + " to " + itoa(a[1])
		}
	}
	return true, ""
}

func itoa(n int) string { return strconv.Itoa(n) }

func iriTerm(s string) rdf.Term { return rdf.IRI(s) }

// validate checks an alignment beyond its structure: steps, cell ids,
// variable bindings, functions. Problems are added to ps.
func validate(a *Alignment, opts Options, ps *problems) {
	strictf := ps.warnf
	if opts.Strict {
		strictf = ps.errf
	}
	byID := map[string]*Cell{}
	for _, c := range a.Cells {
		if prev, ok := byID[c.ID]; ok {
			ps.errf(c.Name(), c.Line, "cell id %s is not unique (first at line %d)", c.ID, prev.Line)
			continue
		}
		byID[c.ID] = c
	}
	stepped := map[string]int{}
	orders := map[string]int{}
	for i, s := range a.Steps {
		id := s.Cell
		if _, ok := byID[id]; !ok {
			ps.errf("", s.Line, "step %d (order %s) names cell %s, which does not exist", i+1, s.Order, id)
		}
		if prev, ok := stepped[id]; ok {
			ps.errf("", s.Line, "step %d repeats cell %s of step %d: the steps form a cycle", i+1, id, prev)
		} else {
			stepped[id] = i + 1
		}
		if s.Order != "" {
			if prev, ok := orders[s.Order]; ok {
				ps.warnf("", s.Line, "steps %d and %d have the same order %s; they run in document order", prev, i+1, s.Order)
			} else {
				orders[s.Order] = i + 1
			}
		}
	}
	for _, c := range a.Cells {
		if _, ok := stepped[c.ID]; !ok && len(a.Steps) > 0 {
			strictf(c.Name(), c.Line, "no step applies this cell")
		}
		validateCell(c, ps, strictf)
	}
}

func validateCell(c *Cell, ps *problems, strictf func(string, int, string, ...any)) {
	name := c.Name()
	bound := map[string]bool{}
	for _, p := range c.Entity1 {
		for _, n := range []Node{p.S, p.P, p.O} {
			if n.IsVar() {
				bound[n.Var] = true
			} else if err := checkTerm(n); err != "" {
				ps.errf(name, c.Line, "entity1: %s", err)
			}
		}
	}
	produced := map[string]bool{}
	for _, f := range c.Functions {
		kind, canon := classify(f.Name)
		if kind == fnUnknown && f.Name != "" {
			ps.errf(name, f.Line, "unknown function %q (not a SPARQL built-in, an XSD cast or %s)", f.Name, FuncUnixEpochToUTC)
		}
		if ok, want := arityOK(kind, canon, len(f.Params)); !ok {
			ps.errf(name, f.Line, "function %s takes %s argument(s), not %d", f.Name, want, len(f.Params))
		}
		for _, p := range f.Params {
			if p.Var != "" && !bound[p.Var] {
				ps.errf(name, f.Line, "function %s: parameter %d (?%s) is not bound by entity1 or an earlier function", f.Name, p.Order, p.Var)
			}
		}
		if f.Return != "" {
			if bound[f.Return] {
				ps.errf(name, f.Line, "function %s: return variable ?%s is already bound", f.Name, f.Return)
			}
			bound[f.Return] = true
			produced[f.Return] = true
		}
	}
	for _, f := range c.Filters {
		if f.Var == "" || !bound[f.Var] {
			strictf(name, c.Line, "filter on %q: not a variable of this cell; ignored", f.About)
		}
		if f.Datatype != "" && checkTerm(Node{Term: iriTerm(f.Datatype)}) != "" {
			ps.errf(name, c.Line, "filter datatype %q is not a valid IRI", f.Datatype)
		}
	}
	typed := map[string]bool{}
	for _, t := range c.Typings {
		if t.Var == "" || !bound[t.Var] {
			strictf(name, c.Line, "typing of %q: not a variable of this cell; ignored", t.About)
		}
		if typed[t.Var] && t.Var != "" {
			ps.errf(name, c.Line, "variable ?%s typed twice", t.Var)
		}
		typed[t.Var] = true
		if t.Datatype != "" && checkTerm(Node{Term: iriTerm(t.Datatype)}) != "" {
			ps.errf(name, c.Line, "typing datatype %q is not a valid IRI", t.Datatype)
		}
	}
	var unbound []string
	seen := map[string]bool{}
	for _, p := range c.Entity2 {
		for _, n := range []Node{p.S, p.P, p.O} {
			if n.IsVar() {
				if !bound[n.Var] && !seen[n.Var] {
					seen[n.Var] = true
					unbound = append(unbound, "?"+n.Var)
				}
			} else if err := checkTerm(n); err != "" {
				ps.errf(name, c.Line, "entity2: %s", err)
			}
		}
	}
	if len(unbound) > 0 {
		sort.Strings(unbound)
		strictf(name, c.Line, "entity2 uses %s, bound neither in entity1 nor by a function: the triples using it are never inserted", strings.Join(unbound, ", "))
	}
}

// checkTerm returns why a term cannot be written into SPARQL, or "".
func checkTerm(n Node) string {
	if n.IsVar() {
		return ""
	}
	if n.Term.IsBlank() {
		return ""
	}
	if _, err := triplestore.FormatTerm(n.Term); err != nil {
		return err.Error()
	}
	return ""
}
