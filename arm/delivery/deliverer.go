package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/intermw/intermw/broker"
	"github.com/sirupsen/logrus"
)

// HeaderDateTimeStamp is an optional broker message header carrying the
// message's dateTimeStamp (RFC 3339) so that delivery need not look for it
// in the body; the ARM may set it when it publishes on rest_api_{clientId}.
const HeaderDateTimeStamp = "x-intermw-datetimestamp"

// clientIDFile holds the raw client ID in a mailbox directory (the
// directory's name is broker.EscapeID of it).
const clientIDFile = "client"

// ErrLeaseExpired is returned by a Pull's commit when the entries went back
// to the queue first (the Pull's context ended or LeaseTimeout passed).
var ErrLeaseExpired = errors.New("pulled entries returned to the queue before commit")

// Entry is one message handed out of a mailbox.
type Entry struct {
	// Seq is the message's position in the client's mailbox: increasing,
	// never reused while the client exists (the SSE event id).
	Seq uint64
	// Data is the message rendered in the client's responseFormat.
	Data json.RawMessage
	// DateTimeStamp is the message's dateTimeStamp; zero when unknown.
	DateTimeStamp time.Time
}

type clientState struct {
	id     string
	client atomic.Pointer[Client]
	mb     *mailbox

	// guarded by Deliverer.mu
	sub  broker.Subscription
	push *pushWorker
}

// Deliverer owns the clients' mailboxes and the three ways out of them.
type Deliverer struct {
	cfg Config
	log logrus.FieldLogger

	mu      sync.Mutex
	clients map[string]*clientState
	running bool
	// runCtx is Run's context, the parent of push workers and
	// subscriptions started by Upsert while Run runs.
	runCtx  context.Context
	wg      sync.WaitGroup
	closed  chan struct{}
	closeMu sync.Once
	// ready is closed once Run consumes the queues of every client the
	// directory listed, and takes new ones as Upsert registers them.
	ready chan struct{}
}

// New validates cfg and opens the delivery directory. Mailboxes open as
// clients become known (Upsert, or the directory when Run starts).
func New(cfg Config) (*Deliverer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("delivery: %w", err)
	}
	return &Deliverer{cfg: cfg, log: cfg.Log, clients: make(map[string]*clientState), closed: make(chan struct{}),
		ready: make(chan struct{})}, nil
}

// Run learns the clients from the directory, consumes every client's
// rest_api_{clientId} topic into its mailbox, pushes to SERVER_PUSH clients,
// and returns when ctx ends (after stopping all of it) or on a startup
// error. Mailboxes of clients the directory no longer lists are deleted.
func (d *Deliverer) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	d.mu.Lock()
	if d.running {
		d.mu.Unlock()
		return errors.New("delivery: Run called twice")
	}
	select {
	case <-d.closed:
		d.mu.Unlock()
		return ErrClosed
	default:
	}
	d.running, d.runCtx = true, ctx
	d.mu.Unlock()
	defer d.stopAll()

	clients, err := d.cfg.Directory.List(ctx)
	if err != nil {
		return fmt.Errorf("delivery: listing clients: %w", err)
	}
	known := make(map[string]bool, len(clients))
	for _, c := range clients {
		known[broker.EscapeID(c.ID)] = true
		if err := d.Upsert(ctx, c); err != nil {
			d.log.WithError(err).WithField("clientId", c.ID).Error("cannot deliver to client")
		}
	}
	d.removeOrphans(known)
	close(d.ready)
	if d.cfg.Sync == SyncInterval {
		d.wg.Add(1)
		go d.syncLoop(ctx)
	}
	d.log.WithField("clients", len(clients)).Info("delivery running")
	select {
	case <-ctx.Done():
	case <-d.closed:
	}
	return nil
}

// removeOrphans deletes mailbox directories of clients that are gone.
func (d *Deliverer) removeOrphans(known map[string]bool) {
	ents, err := os.ReadDir(d.cfg.Dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !e.IsDir() || known[e.Name()] {
			continue
		}
		if _, err := os.Stat(filepath.Join(d.cfg.Dir, e.Name(), clientIDFile)); err != nil {
			continue // not a mailbox
		}
		d.mu.Lock()
		inUse := false
		for _, cs := range d.clients {
			if filepath.Base(cs.mb.dir) == e.Name() {
				inUse = true
			}
		}
		d.mu.Unlock()
		if inUse {
			continue
		}
		d.log.WithField("mailbox", e.Name()).Info("deleting the mailbox of a client that no longer exists")
		_ = os.RemoveAll(filepath.Join(d.cfg.Dir, e.Name()))
	}
}

func (d *Deliverer) syncLoop(ctx context.Context) {
	defer d.wg.Done()
	t := time.NewTicker(d.cfg.SyncInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.closed:
			return
		case <-t.C:
			for _, cs := range d.snapshotClients() {
				if err := cs.mb.syncIfDirty(); err != nil {
					d.log.WithError(err).WithField("clientId", cs.id).Error("mailbox fsync failed")
				}
			}
		}
	}
}

// Ready is closed once Run consumes every known client's queue. A message
// published to a client's queue before then may be lost on a broker that
// drops messages nobody subscribed to (the memory broker), so the ARM
// should not be started before it.
func (d *Deliverer) Ready() <-chan struct{} { return d.ready }

// Upsert tells the Deliverer of a registered or updated client. It opens
// the client's mailbox if needed and, while Run runs, consumes its topic;
// switching between pull and push takes effect at once (a push worker
// starts or stops), as do a new callback URL, capacity or format.
func (d *Deliverer) Upsert(ctx context.Context, c Client) error {
	if err := c.Validate(d.cfg.WebhookAllow); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	select {
	case <-d.closed:
		return ErrClosed
	default:
	}
	cs := d.clients[c.ID]
	if cs == nil {
		dir := filepath.Join(d.cfg.Dir, broker.EscapeID(c.ID))
		mb, err := openMailbox(dir, c.ID, &d.cfg)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, clientIDFile), []byte(c.ID), 0o640); err != nil {
			mb.close()
			return fmt.Errorf("delivery: %w", err)
		}
		cs = &clientState{id: c.ID, mb: mb}
		d.clients[c.ID] = cs
	}
	cs.client.Store(&c)
	if !d.running {
		return nil
	}
	if cs.sub == nil {
		sub, err := d.cfg.Broker.Subscribe(d.runCtx, broker.RESTAPI(c.ID), d.cfg.Group, d.handler(cs))
		if err != nil {
			return fmt.Errorf("delivery: subscribing to %s: %w", broker.RESTAPI(c.ID), err)
		}
		cs.sub = sub
	}
	switch {
	case c.Mode == ModePush && cs.push == nil:
		cs.push = d.startPush(d.runCtx, cs)
	case c.Mode != ModePush && cs.push != nil:
		cs.push.stop()
		cs.push = nil
	}
	return nil
}

// Remove deletes a client's delivery state: it stops consuming and pushing,
// deletes the mailbox and dead-letter list from disk, and removes the
// client's queue on the broker when the broker can (broker.GroupRemover).
// Removing an unknown client is not an error.
func (d *Deliverer) Remove(ctx context.Context, clientID string) error {
	d.mu.Lock()
	cs := d.clients[clientID]
	delete(d.clients, clientID)
	if cs != nil {
		d.stopClientLocked(cs)
	}
	d.mu.Unlock()
	d.cfg.Metrics.Forget(clientID)
	// The client's queue on the broker goes too, where the broker can
	// remove a group: nothing would consume it again.
	if r, ok := d.cfg.Broker.(broker.GroupRemover); ok {
		if err := r.RemoveGroup(ctx, broker.RESTAPI(clientID), d.cfg.Group); err != nil && !errors.Is(err, broker.ErrUnsupported) {
			d.log.WithError(err).WithField("clientId", clientID).Warn("cannot remove the client's broker queue")
		}
	}
	if cs == nil {
		// Not opened in this run: delete what may be on disk.
		return os.RemoveAll(filepath.Join(d.cfg.Dir, broker.EscapeID(clientID)))
	}
	return cs.mb.destroy()
}

func (d *Deliverer) stopClientLocked(cs *clientState) {
	if cs.sub != nil {
		_ = cs.sub.Close()
		cs.sub = nil
	}
	if cs.push != nil {
		cs.push.stop()
		cs.push = nil
	}
}

// handler appends a delivered message to the mailbox and acknowledges it
// (returns nil) only once the append is durable under the sync policy.
func (d *Deliverer) handler(cs *clientState) broker.Handler {
	return func(ctx context.Context, m *broker.Message) error {
		_, gen, err := cs.mb.append(m.Body, stampOf(m))
		if err != nil {
			return err
		}
		return cs.mb.waitDurable(gen)
	}
}

// Append adds a message (canonical JSON-LD) to a client's mailbox directly,
// durably; the broker path does the same for rest_api_{clientId}. It returns
// the message's seq.
func (d *Deliverer) Append(ctx context.Context, clientID string, body []byte) (uint64, error) {
	cs, err := d.get(clientID)
	if err != nil {
		return 0, err
	}
	seq, gen, err := cs.mb.append(body, stampOf(&broker.Message{Body: body}))
	if err != nil {
		return 0, err
	}
	return seq, cs.mb.waitDurable(gen)
}

func (d *Deliverer) get(clientID string) (*clientState, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	cs := d.clients[clientID]
	if cs == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownClient, clientID)
	}
	return cs, nil
}

func (d *Deliverer) snapshotClients() []*clientState {
	d.mu.Lock()
	out := make([]*clientState, 0, len(d.clients))
	for _, cs := range d.clients {
		out = append(out, cs)
	}
	d.mu.Unlock()
	slices.SortFunc(out, func(a, b *clientState) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	return out
}

func (d *Deliverer) capacity(c *Client) int {
	if c.ReceivingCapacity > 0 {
		return c.ReceivingCapacity
	}
	return d.cfg.DefaultCapacity
}

// Pull hands out up to max of a client's oldest messages (max < 1 means
// its receivingCapacity), rendered in its format. The entries stay in the
// mailbox, leased so that no concurrent Pull (nor push) hands them out
// again, until commit is called: the REST layer calls it once the response
// is written. If commit is not called before ctx ends (or LeaseTimeout
// passes) the entries go back to the queue, in order, for the next Pull.
// commit then returns ErrLeaseExpired. An entry that cannot be rendered
// goes to the dead-letter list instead of blocking the queue.
func (d *Deliverer) Pull(ctx context.Context, clientID string, max int) ([]Entry, func() error, error) {
	cs, err := d.get(clientID)
	if err != nil {
		return nil, nil, err
	}
	c := cs.client.Load()
	if max < 1 {
		max = d.capacity(c)
	}
	items, err := cs.mb.take(max)
	if err != nil {
		return nil, nil, err
	}
	entries, seqs := d.renderItems(cs, c.Format, items)
	if len(seqs) == 0 {
		return nil, func() error { return nil }, nil
	}
	l := &lease{mb: cs.mb, seqs: seqs}
	stopCtx := context.AfterFunc(ctx, l.release)
	timer := time.AfterFunc(d.cfg.LeaseTimeout, l.release)
	commit := func() error {
		if !l.state.CompareAndSwap(leaseOpen, leaseCommitted) {
			return ErrLeaseExpired
		}
		stopCtx()
		timer.Stop()
		if err := cs.mb.commit(seqs); err != nil {
			return err
		}
		now := time.Now()
		for _, e := range entries {
			d.cfg.Metrics.Delivered(clientID, ViaPull, latency(now, e.DateTimeStamp))
		}
		return nil
	}
	return entries, commit, nil
}

// renderItems renders leased items; unrenderable ones are dead-lettered
// and committed. It returns the entries and the seqs still leased.
func (d *Deliverer) renderItems(cs *clientState, f Format, items []stored) ([]Entry, []uint64) {
	entries := make([]Entry, 0, len(items))
	seqs := make([]uint64, 0, len(items))
	var bad []DeadLetter
	for _, it := range items {
		data, err := render(d.cfg.Codec, f, it.body)
		if err != nil {
			bad = append(bad, DeadLetter{Seq: it.seq, Reason: ReasonUnrenderable, Detail: err.Error(), Stamp: it.stamp, Body: it.body})
			continue
		}
		entries = append(entries, Entry{Seq: it.seq, Data: data, DateTimeStamp: stampTime(it.stamp)})
		seqs = append(seqs, it.seq)
	}
	if len(bad) > 0 {
		d.deadLetter(cs, bad)
	}
	return entries, seqs
}

// deadLetter moves entries to the client's dead-letter list and removes
// them from the mailbox.
func (d *Deliverer) deadLetter(cs *clientState, dls []DeadLetter) {
	seqs := make([]uint64, len(dls))
	for i, dl := range dls {
		seqs[i] = dl.Seq
	}
	if err := cs.mb.dl.add(dls); err != nil {
		d.log.WithError(err).WithField("clientId", cs.id).Error("cannot write dead letters; returning them to the queue")
		cs.mb.release(seqs)
		return
	}
	if err := cs.mb.commit(seqs); err != nil {
		d.log.WithError(err).WithField("clientId", cs.id).Error("cannot remove dead-lettered entries")
	}
	d.cfg.Metrics.DeadLettered(cs.id, dls[0].Reason, len(dls))
	d.log.WithFields(logrus.Fields{"clientId": cs.id, "reason": dls[0].Reason, "entries": len(dls)}).Warn("messages moved to the dead-letter list")
}

const (
	leaseOpen int32 = iota
	leaseCommitted
	leaseReleased
)

type lease struct {
	mb    *mailbox
	seqs  []uint64
	state atomic.Int32
}

func (l *lease) release() {
	if l.state.CompareAndSwap(leaseOpen, leaseReleased) {
		l.mb.release(l.seqs)
	}
}

// ListDeadLetters returns a client's dead letters, oldest first.
func (d *Deliverer) ListDeadLetters(ctx context.Context, clientID string) ([]DeadLetter, error) {
	cs, err := d.get(clientID)
	if err != nil {
		return nil, err
	}
	list, _ := cs.mb.dl.snapshot()
	return list, nil
}

// Replay puts dead letters back at the end of the client's queue (all of
// them when ids is nil) and returns how many it replayed.
func (d *Deliverer) Replay(ctx context.Context, clientID string, ids []uint64) (int, error) {
	cs, err := d.get(clientID)
	if err != nil {
		return 0, err
	}
	return cs.mb.replay(ids)
}

// Drop deletes dead letters for good (all of them when ids is nil).
func (d *Deliverer) Drop(ctx context.Context, clientID string, ids []uint64) error {
	cs, err := d.get(clientID)
	if err != nil {
		return err
	}
	return cs.mb.dl.drop(ids)
}

func (d *Deliverer) stopAll() {
	d.mu.Lock()
	for _, cs := range d.clients {
		d.stopClientLocked(cs)
	}
	d.running, d.runCtx = false, nil
	d.mu.Unlock()
	d.wg.Wait()
}

// Drain stops consuming, lets push workers finish the batch in flight (or
// ctx end), fsyncs every mailbox and closes them.
func (d *Deliverer) Drain(ctx context.Context) error {
	d.mu.Lock()
	var workers []*pushWorker
	for _, cs := range d.clients {
		if cs.sub != nil {
			_ = cs.sub.Close()
			cs.sub = nil
		}
		if cs.push != nil {
			workers = append(workers, cs.push)
		}
	}
	d.mu.Unlock()
	for _, w := range workers {
		w.drain(ctx)
	}
	return d.Close()
}

// Close stops everything at once and closes the mailboxes (fsyncing them).
// Leased entries go back to the queue on the next start. It is idempotent.
func (d *Deliverer) Close() error {
	var errs []error
	d.closeMu.Do(func() {
		close(d.closed)
		d.stopAll()
		d.mu.Lock()
		defer d.mu.Unlock()
		for _, cs := range d.clients {
			if err := cs.mb.close(); err != nil {
				errs = append(errs, err)
			}
		}
	})
	return errors.Join(errs...)
}

// stampOf finds a message's dateTimeStamp: the header, else a quick look
// for msg:dateTimeStamp in the canonical JSON-LD. 0 when not found.
func stampOf(m *broker.Message) int64 {
	if v := m.Headers[HeaderDateTimeStamp]; v != "" {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t.UnixNano()
		}
	}
	body := m.Body
	i := bytes.Index(body, []byte(`dateTimeStamp"`))
	if i < 0 {
		return 0
	}
	rest := body[i+len(`dateTimeStamp"`):]
	if len(rest) > 200 {
		rest = rest[:200]
	}
	start := bytes.IndexByte(rest, '"')
	if start < 0 {
		return 0
	}
	end := bytes.IndexByte(rest[start+1:], '"')
	if end < 0 {
		return 0
	}
	v := string(rest[start+1 : start+1+end])
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UnixNano()
		}
	}
	return 0
}

func stampTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

func latency(now, stamp time.Time) time.Duration {
	if stamp.IsZero() {
		return 0
	}
	return now.Sub(stamp)
}
