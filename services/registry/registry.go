package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
)

// Sentinel errors callers branch on. Every error the registry returns for a
// condition of the request wraps one of them (with %w); anything else is a
// failure of the store.
var (
	// ErrNotFound: the client, platform, device, subscription or location
	// named does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: it already exists, or the identifier is taken by another
	// kind of entry (a device named like a platform).
	ErrConflict = errors.New("already exists")
	// ErrInvalid: the request is malformed: a missing field, an identifier
	// that cannot be an IRI, a bad enum value or WKT, an update sent to
	// Discovery.
	ErrInvalid = errors.New("invalid request")
)

// Defaults of Config.
const (
	DefaultDiscoveryTimeout = 10 * time.Second
	maxIDLength             = 4096
)

// Config configures a Registry.
type Config struct {
	// Store holds the registry graphs: the embedded engine or a remote
	// SPARQL endpoint. Required.
	Store triplestore.Store
	// Log receives Debug logs of every write. Default: discarded.
	Log logrus.FieldLogger
	// DiscoveryTimeout bounds one Discovery query. Default 10s.
	DiscoveryTimeout time.Duration
}

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("registry: Store is required"))
	}
	if c.DiscoveryTimeout < 0 {
		errs = append(errs, fmt.Errorf("registry: DiscoveryTimeout %v is negative", c.DiscoveryTimeout))
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	if c.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		c.Log = l
	}
	if c.DiscoveryTimeout == 0 {
		c.DiscoveryTimeout = DefaultDiscoveryTimeout
	}
	return c
}

// Registry is intermw's registry of clients, platforms, devices,
// subscriptions, platform-to-platform subscriptions and locations over a
// triplestore. It is safe for concurrent use; writes that check before they
// change (register, add, update) are serialised within one Registry.
type Registry struct {
	store   triplestore.Store
	log     logrus.FieldLogger
	timeout time.Duration
	mu      sync.Mutex // serialises check-then-write sequences
}

// New validates cfg and returns a Registry. It does not touch the store.
func New(cfg Config) (*Registry, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Registry{
		store:   cfg.Store,
		log:     cfg.Log.WithField("component", "registry"),
		timeout: cfg.DiscoveryTimeout,
	}, nil
}

// prologue declares the prefixes every registry template uses.
const prologue = `PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX iiot: <http://inter-iot.eu/GOIoTP#>
PREFIX iiotex: <http://inter-iot.eu/GOIoTPex#>
PREFIX sosa: <http://www.w3.org/ns/sosa/>
PREFIX ssn: <http://www.w3.org/ns/ssn/>
PREFIX mw: <http://inter-iot.eu/INTERMW#>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX sf: <http://www.opengis.net/ont/sf#>
`

// bind fills a template (after the prologue) through triplestore.Bind.
// Placeholder values come from the request; a value that cannot be written
// safely is ErrInvalid.
func bind(template string, args map[string]any) (string, error) {
	q, err := triplestore.Bind(prologue+template, args)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return q, nil
}

// rows runs a SELECT template and returns all its solutions.
func (r *Registry) rows(ctx context.Context, template string, args map[string]any) ([]triplestore.Binding, error) {
	q, err := bind(template, args)
	if err != nil {
		return nil, err
	}
	res, err := r.store.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("registry query: %w", err)
	}
	if res.Rows == nil {
		res.Close()
		return nil, fmt.Errorf("registry query: a %s query returned no rows", res.Form)
	}
	return triplestore.Collect(res.Rows)
}

// ask runs an ASK template.
func (r *Registry) ask(ctx context.Context, template string, args map[string]any) (bool, error) {
	q, err := bind(template, args)
	if err != nil {
		return false, err
	}
	res, err := r.store.Query(ctx, q)
	if err != nil {
		return false, fmt.Errorf("registry query: %w", err)
	}
	defer res.Close()
	return res.Boolean, nil
}

// update runs an update built from a template.
func (r *Registry) update(ctx context.Context, template string, args map[string]any) error {
	u, err := bind(template, args)
	if err != nil {
		return err
	}
	if err := r.store.Update(ctx, u); err != nil {
		return fmt.Errorf("registry update: %w", err)
	}
	return nil
}

// insertData returns "INSERT DATA { GRAPH <g> { triples } ... }" for the
// given graphs, in order.
func insertData(graphs []graphTriples) (string, error) {
	var b strings.Builder
	b.WriteString("INSERT DATA {\n")
	for _, g := range graphs {
		if len(g.triples) == 0 {
			continue
		}
		gs, err := triplestore.FormatTerm(rdf.IRI(g.graph))
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		b.WriteString("GRAPH " + gs + " {\n")
		for _, t := range g.triples {
			for i, term := range [3]rdf.Term{t.S, t.P, t.O} {
				s, err := triplestore.FormatTerm(term)
				if err != nil {
					return "", fmt.Errorf("%w: %w", ErrInvalid, err)
				}
				if i > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(s)
			}
			b.WriteString(" .\n")
		}
		b.WriteString("}\n")
	}
	b.WriteString("}")
	return b.String(), nil
}

// graphTriples is the content to insert into one graph.
type graphTriples struct {
	graph   string
	triples []rdf.Triple
}

// write runs a bound template followed by INSERT DATA for graphs, as one
// atomic update request.
func (r *Registry) write(ctx context.Context, template string, args map[string]any, graphs ...graphTriples) error {
	u, err := bind(template, args)
	if err != nil {
		return err
	}
	if len(graphs) > 0 {
		ins, err := insertData(graphs)
		if err != nil {
			return err
		}
		if strings.TrimSpace(template) != "" {
			u += " ;\n"
		}
		u += ins
	}
	if err := r.store.Update(ctx, u); err != nil {
		return fmt.Errorf("registry update: %w", err)
	}
	return nil
}

// checkIRI reports whether id can name a resource: an absolute IRI
// (scheme ":" ...) without the characters SPARQL forbids in IRIs. what
// names the field for the error.
func checkIRI(what, id string) error {
	if id == "" {
		return fmt.Errorf("%w: %s is required", ErrInvalid, what)
	}
	if len(id) > maxIDLength {
		return fmt.Errorf("%w: %s is longer than %d bytes", ErrInvalid, what, maxIDLength)
	}
	if !utf8.ValidString(id) {
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, what)
	}
	if !hasScheme(id) {
		return fmt.Errorf("%w: %s %q is not an absolute IRI", ErrInvalid, what, id)
	}
	if _, err := triplestore.FormatTerm(rdf.IRI(id)); err != nil {
		return fmt.Errorf("%w: %s %q cannot be an IRI: %w", ErrInvalid, what, id, err)
	}
	return nil
}

// checkOptionalIRI is checkIRI for a field that may be empty.
func checkOptionalIRI(what, id string) error {
	if id == "" {
		return nil
	}
	return checkIRI(what, id)
}

// checkResourceID is checkIRI for the identifier of a platform, device or
// location, which also must not be one of the registry's own graph names.
func checkResourceID(what, id string) error {
	if err := checkIRI(what, id); err != nil {
		return err
	}
	if reservedIRI(id) {
		return fmt.Errorf("%w: %s %q is reserved by the registry", ErrInvalid, what, id)
	}
	return nil
}

// checkText reports whether s can be stored as a literal identifier: not
// empty, valid UTF-8 and bounded. Any other content (quotes, braces,
// newlines) is stored exactly.
func checkText(what, s string) error {
	if s == "" {
		return fmt.Errorf("%w: %s is required", ErrInvalid, what)
	}
	return checkOptionalText(what, s)
}

func checkOptionalText(what, s string) error {
	if len(s) > maxIDLength {
		return fmt.Errorf("%w: %s is longer than %d bytes", ErrInvalid, what, maxIDLength)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, what)
	}
	return nil
}

func hasScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return i+1 < len(s)
		default:
			return false
		}
	}
	return false
}

// str returns the lexical value of a term, "" for an unbound one.
func str(t rdf.Term) string { return t.Value }
