// Package function evaluates SPARQL 1.1 expression values for the embedded
// triplestore engine: the operators and built-in functions of SPARQL 1.1
// Query sections 17.2–17.5 (effective boolean value, =, <, arithmetic,
// string, numeric, date/time, hash and constructor functions, XSD casts),
// the ORDER BY ordering of section 15.1 and the aggregates of section 18.5.
//
// It sits between the parser (engine/sparql, which produces expression
// trees) and the evaluator (package engine, which walks them): the evaluator
// evaluates arguments to rdf.Term values and calls into this package; no
// store IDs are involved. Literals are parsed lazily on each call: a term's
// lexical form is only interpreted when an operator needs its value, and the
// common cases (small integers, decimals, doubles, strings) parse without
// allocating.
//
// # Values
//
// Numerics: xsd:integer and every type derived from it (xsd:int, xsd:byte,
// xsd:nonNegativeInteger, ...) behave as xsd:integer, of arbitrary size;
// xsd:decimal is exact (int64 with a scale, or big.Rat when larger), with
// non-terminating quotients rounded at 24 fractional digits; xsd:float and
// xsd:double are IEEE. Binary operators promote integer → decimal → float →
// double. Results are written in canonical lexical form: "3", "1.5", "2.0"
// (decimals always carry a fractional digit), "1.5E0", "INF", "NaN".
// Casting to xsd:string instead follows XPath ("1.0" → "1", 1E0 → "1").
//
// Booleans, xsd:dateTime (with or without timezone; xsd:dateTimeStamp),
// xsd:date, simple literals (== xsd:string) and language-tagged strings are
// the other value spaces. Date/times without a timezone compare with those
// that have one using the XML Schema partial order (±14:00); an
// indeterminate comparison is a type error.
//
// # Errors
//
// Every evaluation error satisfies errors.Is(err, ErrType); the evaluator
// treats it as the SPARQL "error" value (FILTER rejects, BIND leaves
// unbound, || and && use the three-valued logic of 17.2). The zero rdf.Term
// stands for an unbound variable and is an error argument everywhere.
//
// # What the evaluator must do
//
//   - Build one Context per query with NewContext(base, now): it fixes NOW(),
//     caches compiled regular expressions (keyed by pattern and flags) and
//     generates fresh blank node labels. Give each parallel worker
//     ctx.Fork().
//   - Call ctx.NextSolution() before evaluating the expressions of each
//     solution, so that BNODE("x") is one blank node within a solution and a
//     different one in the next.
//   - Implement BOUND, IF, COALESCE, IN/NOT IN, EXISTS, && and || itself
//     (they need unevaluated arguments) using EBV and Equal. IN is true if
//     some member is Equal, otherwise an error if some comparison raised
//     one, otherwise false.
//   - Use Relational for the six comparison operators, Arithmetic, Negate
//     and UnaryPlus for the others, OrderCompare for ORDER BY, and
//     NewAggregator per group and aggregate (COUNT(*) feeds Star).
//   - Call(name, args, ctx) for every other built-in by its upper-case
//     keyword, and for casts by the datatype IRI (IsCast tells which are
//     supported).
package function
