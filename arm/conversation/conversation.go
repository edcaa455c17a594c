package conversation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// Sentinel errors callers branch on.
var (
	// ErrNotFound: no open conversation has that ID.
	ErrNotFound = errors.New("conversation not found")
	// ErrExists: Open was given the ID of an open conversation.
	ErrExists = errors.New("conversation already open")
	// ErrInvalid: a record or configuration is unusable.
	ErrInvalid = errors.New("invalid conversation")
	// ErrCorrupt: a store holds data it cannot read back.
	ErrCorrupt = errors.New("conversation store corrupt")
)

// Kind says how a conversation ends.
type Kind uint8

// The kinds of conversation.
const (
	// KindRequest ends when every expected platform has replied, or at its
	// deadline.
	KindRequest Kind = iota + 1
	// KindSubscription is a client's subscription: it lives until Close.
	KindSubscription
	// KindVirtualSubscription is a platform-to-platform subscription: it
	// lives until Close.
	KindVirtualSubscription
)

var kindNames = [...]string{KindRequest: "request", KindSubscription: "subscription", KindVirtualSubscription: "virtual-subscription"}

// Valid reports whether k is a declared kind.
func (k Kind) Valid() bool { return k >= KindRequest && k <= KindVirtualSubscription }

// String returns "request", "subscription" or "virtual-subscription".
func (k Kind) String() string {
	if !k.Valid() {
		return fmt.Sprintf("Kind(%d)", uint8(k))
	}
	return kindNames[k]
}

// ParseKind is the inverse of Kind.String.
func ParseKind(s string) (Kind, bool) {
	for k := KindRequest; k <= KindVirtualSubscription; k++ {
		if kindNames[k] == s {
			return k, true
		}
	}
	return 0, false
}

// Record is one open conversation.
type Record struct {
	ConversationID string
	ClientID       string
	Kind           Kind
	// ExpectedReplies is how many platforms a request fanned out to; values
	// below 1 mean 1. Subscriptions ignore it.
	ExpectedReplies int
	// Received counts the distinct platforms that have replied (RepliedBy).
	Received int
	// RepliedBy lists the sender platforms whose reply arrived, in order.
	// A reply without a sender platform (one the hub answered itself)
	// counts under "".
	RepliedBy []string
	CreatedAt time.Time
	// Deadline is when a request times out; zero means never.
	Deadline time.Time
	// PlatformIDs are the platforms the request was sent to.
	PlatformIDs []string
}

// Validate reports every problem with r.
func (r Record) Validate() error {
	var errs []error
	if r.ConversationID == "" {
		errs = append(errs, fmt.Errorf("%w: empty ConversationID", ErrInvalid))
	}
	if r.ClientID == "" {
		errs = append(errs, fmt.Errorf("%w: empty ClientID", ErrInvalid))
	}
	if !r.Kind.Valid() {
		errs = append(errs, fmt.Errorf("%w: unknown kind %d", ErrInvalid, r.Kind))
	}
	if r.ExpectedReplies < 0 {
		errs = append(errs, fmt.Errorf("%w: negative ExpectedReplies %d", ErrInvalid, r.ExpectedReplies))
	}
	return errors.Join(errs...)
}

// expected is the reply count that ends a request.
func (r *Record) expected() int { return max(r.ExpectedReplies, 1) }

func (r Record) clone() Record {
	r.RepliedBy = slices.Clone(r.RepliedBy)
	r.PlatformIDs = slices.Clone(r.PlatformIDs)
	return r
}

// Route says where a reply goes.
type Route struct {
	ClientID string
	Kind     Kind
	// Final is true when this reply ended the conversation: it was the
	// last expected reply of a request. The record is gone from the table.
	Final bool
	// Duplicate is true when the sender had already replied (a broker
	// redelivery): the reply is still routed but not counted again.
	Duplicate bool
}

// Store persists records. Implementations are safe for concurrent use.
type Store interface {
	// Put creates or replaces a record, durably.
	Put(ctx context.Context, r Record) error
	// Get returns one record, or ErrNotFound.
	Get(ctx context.Context, conversationID string) (Record, error)
	// Delete removes a record; deleting a missing one is not an error.
	Delete(ctx context.Context, conversationID string) error
	// List returns every record.
	List(ctx context.Context) ([]Record, error)
}

// Config configures a Table.
type Config struct {
	// Store persists the records. Required.
	Store Store
	// Log receives lifecycle messages; nil discards them.
	Log logrus.FieldLogger
}

// Validate reports every problem with c.
func (c Config) Validate() error {
	if c.Store == nil {
		return fmt.Errorf("%w: conversation.Config.Store is required", ErrInvalid)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		c.Log = l
	}
	return c
}

// entry is a cached record. Fields read on the observation path (clientID,
// kind) never change after creation.
type entry struct {
	clientID string
	kind     Kind
	rec      Record // guarded by Table.mu
}

// Table is the conversation table: an in-memory cache over a Store. It is
// safe for concurrent use.
type Table struct {
	cfg Config
	log logrus.FieldLogger

	mu    sync.RWMutex
	byID  map[string]*entry
	write sync.Mutex // serialises read-modify-write of request records
}

// New validates cfg and loads every record of the store into memory.
func New(ctx context.Context, cfg Config) (*Table, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	recs, err := cfg.Store.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("conversation: loading records: %w", err)
	}
	t := &Table{cfg: cfg, log: cfg.Log, byID: make(map[string]*entry, len(recs))}
	for _, r := range recs {
		t.byID[r.ConversationID] = newEntry(r)
	}
	t.log.WithField("conversations", len(recs)).Info("conversation table loaded")
	return t, nil
}

func newEntry(r Record) *entry { return &entry{clientID: r.ClientID, kind: r.Kind, rec: r} }

// Open records a new conversation durably. It fails with ErrExists when the
// ID is open already and ErrInvalid when r is unusable. A zero CreatedAt is
// set to the current time.
func (t *Table) Open(ctx context.Context, r Record) error {
	if err := r.Validate(); err != nil {
		return err
	}
	r = r.clone()
	r.Received = len(r.RepliedBy)
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now()
	}
	t.write.Lock()
	defer t.write.Unlock()
	if _, err := t.lookup(ctx, r.ConversationID); err == nil {
		return fmt.Errorf("%w: %s", ErrExists, r.ConversationID)
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	if err := t.cfg.Store.Put(ctx, r); err != nil {
		return fmt.Errorf("conversation: open %s: %w", r.ConversationID, err)
	}
	t.mu.Lock()
	t.byID[r.ConversationID] = newEntry(r)
	t.mu.Unlock()
	return nil
}

// lookup finds an entry in the cache or, failing that, in the store
// (another replica may have opened it). It caches what it finds.
func (t *Table) lookup(ctx context.Context, id string) (*entry, error) {
	t.mu.RLock()
	e := t.byID[id]
	t.mu.RUnlock()
	if e != nil {
		return e, nil
	}
	r, err := t.cfg.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	if have := t.byID[id]; have != nil {
		e = have
	} else {
		e = newEntry(r)
		t.byID[id] = e
	}
	t.mu.Unlock()
	return e, nil
}

// OnReply routes a message that came back under conversationID from
// senderPlatform ("" when the hub answered itself). For a subscription it
// is a map lookup. For a request it counts the sender, and when this was
// the last expected platform it removes the conversation and returns
// Final. ErrNotFound means no open conversation has the ID (it ended, timed
// out, or never existed).
func (t *Table) OnReply(ctx context.Context, conversationID, senderPlatform string) (Route, error) {
	t.mu.RLock()
	e := t.byID[conversationID]
	t.mu.RUnlock()
	if e != nil && e.kind != KindRequest {
		return Route{ClientID: e.clientID, Kind: e.kind}, nil
	}
	return t.onRequestReply(ctx, conversationID, senderPlatform)
}

func (t *Table) onRequestReply(ctx context.Context, id, sender string) (Route, error) {
	t.write.Lock()
	defer t.write.Unlock()
	e, err := t.lookup(ctx, id)
	if err != nil {
		return Route{}, err
	}
	route := Route{ClientID: e.clientID, Kind: e.kind}
	if e.kind != KindRequest {
		return route, nil
	}
	t.mu.RLock()
	r := e.rec.clone()
	t.mu.RUnlock()
	if slices.Contains(r.RepliedBy, sender) {
		route.Duplicate = true
		return route, nil
	}
	r.RepliedBy = append(r.RepliedBy, sender)
	r.Received = len(r.RepliedBy)
	if r.Received >= r.expected() {
		if err := t.cfg.Store.Delete(ctx, id); err != nil {
			return Route{}, fmt.Errorf("conversation: ending %s: %w", id, err)
		}
		t.mu.Lock()
		delete(t.byID, id)
		t.mu.Unlock()
		route.Final = true
		return route, nil
	}
	if err := t.cfg.Store.Put(ctx, r); err != nil {
		return Route{}, fmt.Errorf("conversation: counting a reply to %s: %w", id, err)
	}
	t.mu.Lock()
	e.rec = r
	t.mu.Unlock()
	return route, nil
}

// Close ends a conversation (unsubscribe, timeout answered, client gone).
// Closing one that is not open returns ErrNotFound.
func (t *Table) Close(ctx context.Context, conversationID string) error {
	t.write.Lock()
	defer t.write.Unlock()
	if _, err := t.lookup(ctx, conversationID); err != nil {
		return err
	}
	if err := t.cfg.Store.Delete(ctx, conversationID); err != nil {
		return fmt.Errorf("conversation: close %s: %w", conversationID, err)
	}
	t.mu.Lock()
	delete(t.byID, conversationID)
	t.mu.Unlock()
	return nil
}

// Get returns a copy of an open conversation's record.
func (t *Table) Get(ctx context.Context, conversationID string) (Record, error) {
	e, err := t.lookup(ctx, conversationID)
	if err != nil {
		return Record{}, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	return e.rec.clone(), nil
}

// Expired returns the open requests whose deadline is before now, oldest
// deadline first. It changes nothing: the caller answers each client with
// an Error and then Closes the conversation.
func (t *Table) Expired(now time.Time) []Record {
	var out []Record
	t.mu.RLock()
	for _, e := range t.byID {
		if e.kind == KindRequest && !e.rec.Deadline.IsZero() && e.rec.Deadline.Before(now) {
			out = append(out, e.rec.clone())
		}
	}
	t.mu.RUnlock()
	slices.SortFunc(out, func(a, b Record) int {
		if c := a.Deadline.Compare(b.Deadline); c != 0 {
			return c
		}
		return compareStrings(a.ConversationID, b.ConversationID)
	})
	return out
}

// ByClient returns every open conversation of a client, read from the
// store (so that it also sees other replicas' conversations), ordered by
// creation time.
func (t *Table) ByClient(ctx context.Context, clientID string) ([]Record, error) {
	all, err := t.cfg.Store.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []Record
	for _, r := range all {
		if r.ClientID == clientID {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b Record) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return compareStrings(a.ConversationID, b.ConversationID)
	})
	return out, nil
}

// CloseClient closes every conversation of a client (the client was
// deleted) and returns how many there were.
func (t *Table) CloseClient(ctx context.Context, clientID string) (int, error) {
	recs, err := t.ByClient(ctx, clientID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range recs {
		if err := t.Close(ctx, r.ConversationID); err != nil && !errors.Is(err, ErrNotFound) {
			return n, err
		}
		n++
	}
	return n, nil
}

// Len returns how many conversations the cache holds.
func (t *Table) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.byID)
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
