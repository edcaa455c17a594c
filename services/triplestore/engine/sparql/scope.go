package sparql

// This file implements variable scope (spec section 18.2.1) and the
// validity rules built on it: SELECT expressions and BIND may not assign
// a variable already in scope, and an aggregated query may project only
// grouped variables outside aggregates.

// InScope appends to vars, in order of first appearance and without
// duplicates, the variables in scope in the group pattern gp (spec
// 18.2.1), including blank node variables. seen tracks duplicates and may
// be nil.
func InScope(gp *GroupPattern, vars []Var, seen map[Var]bool) []Var {
	if seen == nil {
		seen = map[Var]bool{}
	}
	if gp == nil {
		return vars
	}
	for _, el := range gp.Elements {
		vars = elementScope(el, vars, seen)
	}
	return vars
}

func addVar(v Var, vars []Var, seen map[Var]bool) []Var {
	if v == "" || seen[v] {
		return vars
	}
	seen[v] = true
	return append(vars, v)
}

func elementScope(el Element, vars []Var, seen map[Var]bool) []Var {
	switch e := el.(type) {
	case *BGP:
		for _, t := range e.Triples {
			vars = addVar(t.S.Var, vars, seen)
			vars = addVar(t.P.Var, vars, seen)
			vars = addVar(t.O.Var, vars, seen)
		}
	case *GroupPattern:
		vars = InScope(e, vars, seen)
	case *Optional:
		vars = InScope(e.Pattern, vars, seen)
	case *Union:
		for _, b := range e.Patterns {
			vars = InScope(b, vars, seen)
		}
	case *Graph:
		vars = addVar(e.Name.Var, vars, seen)
		vars = InScope(e.Pattern, vars, seen)
	case *Service:
		vars = addVar(e.Endpoint.Var, vars, seen)
		vars = InScope(e.Pattern, vars, seen)
	case *Bind:
		vars = addVar(e.Var, vars, seen)
	case *InlineData:
		for _, v := range e.Vars {
			vars = addVar(v, vars, seen)
		}
	case *SubSelect:
		for _, v := range e.Query.ProjectedVars() {
			vars = addVar(v, vars, seen)
		}
	}
	// MINUS and FILTER bind nothing.
	return vars
}

// varInScope reports whether v is in scope in the elements.
func varInScope(els []Element, v Var) bool {
	seen := map[Var]bool{}
	var vars []Var
	for _, el := range els {
		vars = elementScope(el, vars, seen)
	}
	return seen[v]
}

// ProjectedVars returns the variables a SELECT query (or sub-select)
// projects, in order: the SELECT items, or for SELECT * the variables in
// scope in the WHERE pattern and the trailing VALUES, in order of first
// appearance, without blank node variables. For other forms it returns
// the variables in scope in the pattern (without blank node variables).
func (q *Query) ProjectedVars() []Var {
	if q.Form == 0 || !q.Star && len(q.Projection) > 0 {
		out := make([]Var, len(q.Projection))
		for i, pr := range q.Projection {
			out[i] = pr.Var
		}
		return out
	}
	seen := map[Var]bool{}
	all := InScope(q.Where, nil, seen)
	if q.Values != nil {
		for _, v := range q.Values.Vars {
			all = addVar(v, all, seen)
		}
	}
	out := all[:0]
	for _, v := range all {
		if !v.IsBlankNode() {
			out = append(out, v)
		}
	}
	return out
}

// checkSelect enforces the SELECT clause rules once the WHERE clause and
// modifiers are known. pos holds the offsets of the projection variables.
func (p *parser) checkSelect(q *Query, pos []projPos) {
	if q.Star {
		if q.Aggregated {
			p.errorAt(pos[0].pos, "SELECT * is not allowed in a query with GROUP BY or aggregates")
		}
		return
	}
	seen := map[Var]bool{}
	InScope(q.Where, nil, seen)
	projected := map[Var]bool{}
	for i, pr := range q.Projection {
		if pr.Expr != nil {
			if seen[pr.Var] {
				p.errorAt(pos[i].pos, "SELECT expression assigns ?"+string(pr.Var)+", which is already in scope in the WHERE clause")
			}
			if projected[pr.Var] {
				p.errorAt(pos[i].pos, "variable ?"+string(pr.Var)+" is assigned after it was projected")
			}
		}
		projected[pr.Var] = true
	}
	if !q.Aggregated {
		return
	}
	grouped := map[Var]bool{}
	for _, g := range q.GroupBy {
		if g.As != "" {
			grouped[g.As] = true
		} else if v, ok := g.Expr.(Var); ok {
			grouped[v] = true
		}
	}
	for i, pr := range q.Projection {
		if pr.Expr == nil {
			if !grouped[pr.Var] {
				p.errorAt(pos[i].pos, "variable ?"+string(pr.Var)+" is projected but neither grouped nor aggregated")
			}
			continue
		}
		bad := ""
		walkVarsOutsideAggregates(pr.Expr, func(v Var) {
			if bad == "" && !grouped[v] {
				bad = string(v)
			}
		})
		if bad != "" {
			p.errorAt(pos[i].pos, "expression for ?"+string(pr.Var)+" uses ?"+bad+", which is neither grouped nor aggregated")
		}
		grouped[pr.Var] = true
	}
}

// walkVarsOutsideAggregates calls fn for each variable of e that is not
// inside an aggregate or an EXISTS pattern.
func walkVarsOutsideAggregates(e Expr, fn func(Var)) {
	switch x := e.(type) {
	case Var:
		fn(x)
	case *Unary:
		walkVarsOutsideAggregates(x.X, fn)
	case *Binary:
		walkVarsOutsideAggregates(x.L, fn)
		walkVarsOutsideAggregates(x.R, fn)
	case *FuncCall:
		for _, a := range x.Args {
			walkVarsOutsideAggregates(a, fn)
		}
	case *In:
		walkVarsOutsideAggregates(x.Expr, fn)
		for _, a := range x.List {
			walkVarsOutsideAggregates(a, fn)
		}
	}
}
