package conversation

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
)

// Vocabulary of the conversations graph (INTER-MW namespace).
const (
	nsMW = "http://inter-iot.eu/INTERMW#"
	// DefaultGraph is the named graph TripleStore keeps conversations in.
	DefaultGraph = nsMW + "conversations"
	// SubjectBase prefixes a conversation's node IRI; the ID follows,
	// percent-escaped.
	SubjectBase = "http://inter-iot.eu/conversations#"

	classConversation = nsMW + "Conversation"
	propID            = nsMW + "conversationId"
	propClient        = nsMW + "clientId"
	propKind          = nsMW + "conversationKind"
	propExpected      = nsMW + "expectedReplies"
	propRepliedBy     = nsMW + "repliedBy"
	propCreated       = nsMW + "createdAt"
	propDeadline      = nsMW + "deadline"
	propPlatform      = nsMW + "platformId"
)

// TripleStore is the distributed-mode Store: one named graph in a shared
// triplestore, so that every ARM replica sees the same conversations. Each
// conversation is one node, written and deleted in one atomic update.
//
// RepliedBy is kept in order as an indexed literal ("3 platformIRI"), since
// RDF has no order; a sender "" is kept as an empty literal after the index.
type TripleStore struct {
	store triplestore.Store
	graph rdf.Term
}

// NewTripleStore returns a Store over ts in the given named graph (""
// means DefaultGraph). The caller owns ts and closes it.
func NewTripleStore(ts triplestore.Store, graph string) (*TripleStore, error) {
	if ts == nil {
		return nil, fmt.Errorf("%w: NewTripleStore needs a triplestore", ErrInvalid)
	}
	if graph == "" {
		graph = DefaultGraph
	}
	if _, err := triplestore.FormatTerm(rdf.IRI(graph)); err != nil {
		return nil, fmt.Errorf("%w: graph: %w", ErrInvalid, err)
	}
	return &TripleStore{store: ts, graph: rdf.IRI(graph)}, nil
}

func subject(id string) rdf.Term { return rdf.IRI(SubjectBase + url.PathEscape(id)) }

const tmplDelete = `DELETE WHERE { GRAPH %{g} { %{s} ?p ?o } }`

// Put implements Store: delete the node and insert it anew, atomically.
func (s *TripleStore) Put(ctx context.Context, r Record) error {
	sub := subject(r.ConversationID)
	var b strings.Builder
	del, err := triplestore.Bind(tmplDelete, map[string]any{"g": s.graph, "s": sub})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	b.WriteString(del)
	b.WriteString(" ;\n")
	head, err := triplestore.Bind("INSERT DATA { GRAPH %{g} {\n", map[string]any{"g": s.graph})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	b.WriteString(head)
	var errs []error
	triple := func(p string, o rdf.Term) {
		t, err := triplestore.Bind("%{s} %{p} %{o} .\n", map[string]any{"s": sub, "p": rdf.IRI(p), "o": o})
		if err != nil {
			errs = append(errs, err)
			return
		}
		b.WriteString(t)
	}
	triple(rdf.RDFType, rdf.IRI(classConversation))
	triple(propID, rdf.String(r.ConversationID))
	triple(propClient, rdf.String(r.ClientID))
	triple(propKind, rdf.String(r.Kind.String()))
	triple(propExpected, rdf.Literal(strconv.Itoa(r.ExpectedReplies), rdf.XSDInteger))
	triple(propCreated, rdf.Literal(r.CreatedAt.UTC().Format(time.RFC3339Nano), rdf.XSDDateTime))
	if !r.Deadline.IsZero() {
		triple(propDeadline, rdf.Literal(r.Deadline.UTC().Format(time.RFC3339Nano), rdf.XSDDateTime))
	}
	for i, p := range r.RepliedBy {
		triple(propRepliedBy, rdf.String(strconv.Itoa(i)+" "+p))
	}
	for _, p := range r.PlatformIDs {
		triple(propPlatform, rdf.String(p))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalid, errors.Join(errs...))
	}
	b.WriteString("} }")
	if err := s.store.Update(ctx, b.String()); err != nil {
		return fmt.Errorf("conversation: triplestore put: %w", err)
	}
	return nil
}

// Delete implements Store.
func (s *TripleStore) Delete(ctx context.Context, id string) error {
	q, err := triplestore.Bind(tmplDelete, map[string]any{"g": s.graph, "s": subject(id)})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := s.store.Update(ctx, q); err != nil {
		return fmt.Errorf("conversation: triplestore delete: %w", err)
	}
	return nil
}

// Get implements Store.
func (s *TripleStore) Get(ctx context.Context, id string) (Record, error) {
	q, err := triplestore.Bind(`SELECT ?p ?o WHERE { GRAPH %{g} { %{s} ?p ?o } }`,
		map[string]any{"g": s.graph, "s": subject(id)})
	if err != nil {
		return Record{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	rows, err := s.query(ctx, q)
	if err != nil {
		return Record{}, err
	}
	if len(rows) == 0 {
		return Record{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	var b recordBuilder
	for _, row := range rows {
		b.add(row["p"], row["o"])
	}
	return b.record()
}

// List implements Store.
func (s *TripleStore) List(ctx context.Context) ([]Record, error) {
	q, err := triplestore.Bind(`SELECT ?s ?p ?o WHERE { GRAPH %{g} { ?s ?p ?o } }`, map[string]any{"g": s.graph})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	rows, err := s.query(ctx, q)
	if err != nil {
		return nil, err
	}
	bySubject := make(map[string]*recordBuilder)
	var order []string
	for _, row := range rows {
		key := row["s"].Value
		b := bySubject[key]
		if b == nil {
			b = &recordBuilder{}
			bySubject[key] = b
			order = append(order, key)
		}
		b.add(row["p"], row["o"])
	}
	out := make([]Record, 0, len(order))
	for _, key := range order {
		r, err := bySubject[key].record()
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (s *TripleStore) query(ctx context.Context, q string) ([]triplestore.Binding, error) {
	res, err := s.store.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("conversation: triplestore query: %w", err)
	}
	defer res.Close()
	if res.Rows == nil {
		return nil, fmt.Errorf("%w: the triplestore answered a SELECT with %s", ErrCorrupt, res.Form)
	}
	rows, err := triplestore.Collect(res.Rows)
	if err != nil {
		return nil, fmt.Errorf("conversation: triplestore query: %w", err)
	}
	return rows, nil
}

// recordBuilder assembles a Record from a node's properties.
type recordBuilder struct {
	r       Record
	replied []indexed
	errs    []error
}

type indexed struct {
	i int
	v string
}

func (b *recordBuilder) add(p, o rdf.Term) {
	switch p.Value {
	case propID:
		b.r.ConversationID = o.Value
	case propClient:
		b.r.ClientID = o.Value
	case propKind:
		k, ok := ParseKind(o.Value)
		if !ok {
			b.errs = append(b.errs, fmt.Errorf("%w: kind %q", ErrCorrupt, o.Value))
		}
		b.r.Kind = k
	case propExpected:
		n, err := strconv.Atoi(o.Value)
		if err != nil {
			b.errs = append(b.errs, fmt.Errorf("%w: expectedReplies %q", ErrCorrupt, o.Value))
		}
		b.r.ExpectedReplies = n
	case propCreated:
		b.r.CreatedAt = b.time(o)
	case propDeadline:
		b.r.Deadline = b.time(o)
	case propRepliedBy:
		idx, v, _ := strings.Cut(o.Value, " ")
		n, err := strconv.Atoi(idx)
		if err != nil {
			b.errs = append(b.errs, fmt.Errorf("%w: repliedBy %q", ErrCorrupt, o.Value))
		}
		b.replied = append(b.replied, indexed{n, v})
	case propPlatform:
		b.r.PlatformIDs = append(b.r.PlatformIDs, o.Value)
	}
}

func (b *recordBuilder) time(o rdf.Term) time.Time {
	t, err := time.Parse(time.RFC3339Nano, o.Value)
	if err != nil {
		b.errs = append(b.errs, fmt.Errorf("%w: time %q", ErrCorrupt, o.Value))
	}
	return t
}

func (b *recordBuilder) record() (Record, error) {
	if len(b.errs) > 0 {
		return Record{}, errors.Join(b.errs...)
	}
	slices.SortFunc(b.replied, func(x, y indexed) int { return x.i - y.i })
	for _, r := range b.replied {
		b.r.RepliedBy = append(b.r.RepliedBy, r.v)
	}
	b.r.Received = len(b.r.RepliedBy)
	// The store does not keep the order of PlatformIDs; sort for stability.
	slices.Sort(b.r.PlatformIDs)
	return b.r, nil
}
