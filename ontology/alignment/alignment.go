package alignment

import (
	"errors"
	"fmt"
	"strings"

	"github.com/intermw/intermw/ontology"
	"github.com/intermw/intermw/ontology/rdf"
)

// VarPrefix is the IRI prefix the var: shorthand of IPSM-AF documents
// stands for. Any IRI in the sripas: namespace is a variable; its name is
// what follows the namespace (so var:CTX is the variable "node_CTX").
const VarPrefix = ontology.Sripas + "node_"

// FuncUnixEpochToUTC is the IPSM extension function that turns unix epoch
// milliseconds into an xsd:dateTime in UTC. A cell names it by this IRI or
// by its local name, unixEpochToUTC.
const FuncUnixEpochToUTC = ontology.Sripas + "unixEpochToUTC"

// Sentinel errors callers branch on.
var (
	// ErrInvalid: the document is not a valid IPSM-AF alignment. The error
	// is a *ValidationError listing every problem.
	ErrInvalid = errors.New("invalid alignment")
	// ErrTooLarge: the document exceeds a size limit of Options.
	ErrTooLarge = errors.New("alignment too large")
	// ErrDataLoss: in strict mode, a cell matched but could not insert all
	// it should (a function or typing failed) while its deletes would fire.
	ErrDataLoss = errors.New("translation would lose data")
	// ErrInvalidPayload: a payload triple is not valid RDF (a literal or
	// blank predicate, a literal subject, a missing term).
	ErrInvalidPayload = errors.New("invalid payload graph")
)

// CellFormat says how a document writes its cells' entities.
type CellFormat uint8

// The cell formats of IPSM-AF. RDF/XML is the default when a document
// names none.
const (
	FormatRDFXML CellFormat = iota
	FormatTurtle
)

func (f CellFormat) String() string {
	if f == FormatTurtle {
		return "turtle"
	}
	return "rdfxml"
}

// ID identifies an alignment: its title and version.
type ID struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// IsIdentity reports whether id names the identity alignment (empty name
// and version), which leaves payloads unchanged.
func (id ID) IsIdentity() bool { return id.Name == "" && id.Version == "" }

func (id ID) String() string { return id.Name + ":" + id.Version }

// Alignment is a parsed IPSM-AF document.
type Alignment struct {
	Name        string // dc:title
	Version     string // exmo:version
	Creator     string // dc:creator
	Description string // dc:description
	Onto1       string // the source ontology IRI
	Onto2       string // the target ontology IRI
	CellFormat  CellFormat
	// Prefixes are the document's namespace declarations; Turtle cells
	// may use them.
	Prefixes map[string]string
	// Steps list the cells to apply, in document order.
	Steps []Step
	// Cells in document order.
	Cells []*Cell
	// Warnings are problems that do not stop the alignment from running
	// as IPSM would run it.
	Warnings []Problem
}

// ID returns the alignment's name and version.
func (a *Alignment) ID() ID { return ID{Name: a.Name, Version: a.Version} }

// Cell returns the cell with the given id (its IRI, or its local name in
// the sripas: namespace), or nil.
func (a *Alignment) Cell(id string) *Cell {
	for _, c := range a.Cells {
		if c.ID == id || c.Name() == id {
			return c
		}
	}
	return nil
}

// Step is one entry of sripas:steps.
type Step struct {
	Order string // sripas:order as written
	Cell  string // the cell IRI
	Line  int
}

// Cell is one align:Cell: a rewrite rule from entity1 to entity2.
type Cell struct {
	ID       string // the cell IRI (rdf:about)
	Line     int
	Relation string
	Entity1  []Pattern
	Entity2  []Pattern
	// Entity1Text and Entity2Text are the entities as written.
	Entity1Text, Entity2Text string
	Functions                []Function
	Filters                  []Filter
	Typings                  []Typing
}

// Name is the cell id without the sripas: namespace, as IPSM names cells.
func (c *Cell) Name() string { return strings.TrimPrefix(c.ID, ontology.Sripas) }

// Node is one position of a triple pattern: a variable or a term. In
// entity2 a blank node term is created fresh for every match; in entity1
// blank nodes are turned into variables when parsed.
type Node struct {
	Var  string // variable name; "" for a term
	Term rdf.Term
}

// IsVar reports whether n is a variable.
func (n Node) IsVar() bool { return n.Var != "" }

func (n Node) String() string {
	if n.Var != "" {
		return "?" + n.Var
	}
	return n.Term.String()
}

// Pattern is a triple pattern of an entity.
type Pattern struct{ S, P, O Node }

// Function is a transformation function of a cell: Return is bound to
// Name applied to Params.
type Function struct {
	Name   string // a SPARQL built-in, an operator (+ - * /), a cast IRI or FuncUnixEpochToUTC
	Params []Param
	Return string // variable name
	Line   int
}

// Param is a function parameter: a variable or a literal value.
type Param struct {
	Order    int
	Var      string // variable name, or ""
	Value    string // literal value when Var is ""
	Datatype string // the literal's datatype; "" for a plain string
}

// Filter keeps only matches whose variable has the datatype.
type Filter struct {
	About    string // as written
	Var      string // "" when About is not a variable
	Datatype string
}

// Typing casts a variable to a datatype: STRDT(STR(?v), datatype).
type Typing struct {
	About    string
	Var      string
	Datatype string
}

// Severity grades a Problem.
type Severity uint8

// Severities: an Error stops the alignment from loading, a Warning is
// reported and the alignment runs as IPSM would run it.
const (
	SeverityError Severity = iota
	SeverityWarning
)

func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// Problem is one finding of parsing or validation.
type Problem struct {
	Severity Severity `json:"-"`
	Cell     string   `json:"cell,omitempty"` // cell name, "" for the document
	Line     int      `json:"line,omitempty"`
	Message  string   `json:"message"`
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Cell != "" {
		b.WriteString("cell " + p.Cell + ": ")
	}
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	b.WriteString(p.Message)
	return b.String()
}

// ValidationError lists every error found in a document.
// errors.Is(err, ErrInvalid) holds; errors.Is(err, ErrTooLarge) holds
// when a size limit was hit.
type ValidationError struct {
	Problems []Problem // errors only
	Warnings []Problem
	tooLarge bool
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return "invalid alignment: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrInvalid) hold, and ErrTooLarge for limits.
func (e *ValidationError) Is(target error) bool {
	return target == ErrInvalid || (target == ErrTooLarge && e.tooLarge)
}

// problems collects findings.
type problems struct {
	list     []Problem
	tooLarge bool
}

func (ps *problems) errf(cell string, line int, format string, args ...any) {
	ps.list = append(ps.list, Problem{Severity: SeverityError, Cell: cell, Line: line, Message: fmt.Sprintf(format, args...)})
}

func (ps *problems) warnf(cell string, line int, format string, args ...any) {
	ps.list = append(ps.list, Problem{Severity: SeverityWarning, Cell: cell, Line: line, Message: fmt.Sprintf(format, args...)})
}

func (ps *problems) split() (errs, warns []Problem) {
	for _, p := range ps.list {
		if p.Severity == SeverityError {
			errs = append(errs, p)
		} else {
			warns = append(warns, p)
		}
	}
	return errs, warns
}

// err returns the ValidationError for the collected errors, or nil.
func (ps *problems) err() error {
	errs, warns := ps.split()
	if len(errs) == 0 {
		return nil
	}
	return &ValidationError{Problems: errs, Warnings: warns, tooLarge: ps.tooLarge}
}

// varName returns the variable name of an IRI in the sripas: namespace.
func varName(iri string) (string, bool) {
	if strings.HasPrefix(iri, ontology.Sripas) && len(iri) > len(ontology.Sripas) {
		return iri[len(ontology.Sripas):], true
	}
	return "", false
}
