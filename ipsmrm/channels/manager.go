package channels

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/ipsmrm"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/alignment"
)

// Manager keeps the translation channels of every platform and translates
// IPSMRM's data messages through them: it is an ipsmrm.Translator. Make
// one with New; Close it when done.
type Manager struct {
	cfg Config
	log logrus.FieldLogger
	tr  alignment.Translator
	ext *external // nil in embedded mode

	// setup serialises channel changes (registrations are rare; many
	// translations may race to set up a platform first seen at start).
	setup sync.Mutex

	mu        sync.Mutex
	closed    bool
	platforms map[string]*platformState
	// topics counts the channels that use each external topic pair, by
	// platform type and direction, with their chain (one chain per topic).
	topics map[topicKey]*topicUse
}

type platformState struct {
	spec    Spec
	down    *channel // nil: identity
	up      *channel
	removed bool // the bridge confirmed the unregistration
}

// channel is one direction of one platform.
type channel struct {
	platformID string
	dir        ipsmrm.Direction
	spec       Spec
	chain      Chain
	compiled   []*alignment.Compiled // embedded: resolved once, at setup
	source     string                // the design's topics
	sink       string
}

type topicKey struct {
	platformType string
	dir          ipsmrm.Direction
}

type topicUse struct {
	chain Chain
	users map[string]bool // platform ids
}

// New validates cfg and returns a Manager. In external mode nothing
// connects until a channel is set up.
func New(cfg Config) (*Manager, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	m := &Manager{
		cfg:       cfg,
		log:       cfg.Log.WithField("component", "ipsm-channels"),
		tr:        alignment.Translator{Strict: cfg.Strict, Metrics: cfg.Metrics},
		platforms: map[string]*platformState{},
		topics:    map[topicKey]*topicUse{},
	}
	if cfg.External != nil {
		m.ext = newExternal(*cfg.External, m.log)
	}
	return m, nil
}

// Close removes every channel and abandons translations under way (they
// fail with ErrClosed). It is idempotent.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.platforms = map[string]*platformState{}
	m.topics = map[topicKey]*topicUse{}
	m.mu.Unlock()
	if m.ext != nil {
		m.ext.close()
	}
	return nil
}

// ChannelInfo describes one live channel (for the IPSM REST API's
// GET /channels, and for refusing to delete an alignment in use).
type ChannelInfo struct {
	PlatformID   string
	PlatformType string
	Direction    ipsmrm.Direction
	Source, Sink string
	Chain        Chain
}

// Channels lists the live channels, by platform then direction.
func (m *Manager) Channels() []ChannelInfo {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []ChannelInfo
	for _, ps := range m.platforms {
		for _, ch := range []*channel{ps.down, ps.up} {
			if ch != nil {
				out = append(out, ChannelInfo{PlatformID: ch.platformID, PlatformType: ch.spec.PlatformType,
					Direction: ch.dir, Source: ch.source, Sink: ch.sink, Chain: ch.chain})
			}
		}
	}
	slices.SortFunc(out, func(a, b ChannelInfo) int {
		if c := strings.Compare(a.PlatformID, b.PlatformID); c != 0 {
			return c
		}
		return int(a.Direction) - int(b.Direction)
	})
	return out
}

// Uses reports whether a live channel applies the alignment id.
func (m *Manager) Uses(id alignment.ID) bool {
	for _, c := range m.Channels() {
		if slices.Contains(c.Chain.IDs(), id) {
			return true
		}
	}
	return false
}

// PlatformChanged sets up, keeps or recreates the channels of a platform
// that registers or updates with the alignment fields of info's
// description. A direction whose fields name no alignment has no channel
// (pass-through). A named alignment that cannot be found fails the whole
// change with an error wrapping ErrNoAlignment, and the platform keeps the
// channels it had. A channel whose chain is unchanged is kept as it is;
// one whose alignment names or versions changed is replaced.
func (m *Manager) PlatformChanged(ctx context.Context, info ipsmrm.PlatformInfo) error {
	spec, err := SpecOf(info)
	if err != nil {
		return fmt.Errorf("platform %s: %w", info.ID, err)
	}
	m.setup.Lock()
	defer m.setup.Unlock()
	return m.apply(ctx, spec)
}

// ensure sets a platform up from info unless the Manager knows it.
func (m *Manager) ensure(ctx context.Context, info ipsmrm.PlatformInfo) error {
	spec, err := SpecOf(info)
	if err != nil {
		return fmt.Errorf("platform %s: %w", info.ID, err)
	}
	m.setup.Lock()
	defer m.setup.Unlock()
	m.mu.Lock()
	_, known := m.platforms[info.ID]
	m.mu.Unlock()
	if known {
		return nil
	}
	return m.apply(ctx, spec)
}

// apply makes the platform's channels match spec. Called with m.setup
// held.
func (m *Manager) apply(ctx context.Context, spec Spec) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	old := m.platforms[spec.PlatformID]
	m.mu.Unlock()

	// Build what changes outside the lock: resolving alignments may fetch
	// them, and opening an external channel subscribes.
	var next [2]*channel
	var built []*channel
	var errs []error
	for i, dir := range []ipsmrm.Direction{ipsmrm.Downstream, ipsmrm.Upstream} {
		chain := spec.Chain(dir)
		if chain.IsIdentity() {
			continue
		}
		if old != nil && !old.removed {
			if prev := old.channel(dir); prev != nil && prev.chain == chain && prev.spec.PlatformType == spec.PlatformType {
				next[i] = prev
				continue
			}
		}
		ch, err := m.build(ctx, spec, dir, chain)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s channel: %w", dir, err))
			continue
		}
		next[i] = ch
		built = append(built, ch)
	}
	if err := errors.Join(errs...); err != nil {
		m.release(built)
		return fmt.Errorf("platform %s: %w", spec.PlatformID, err)
	}

	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		m.release(built)
		return ErrClosed
	}
	// Claim the external topics; a conflict undoes the whole change.
	if m.ext != nil {
		if err := m.claimTopics(spec, next); err != nil {
			m.mu.Unlock()
			m.release(built)
			return fmt.Errorf("platform %s: %w", spec.PlatformID, err)
		}
	}
	var retired []*channel
	if old != nil {
		for i, prev := range []*channel{old.down, old.up} {
			if prev != nil && prev != next[i] {
				retired = append(retired, prev)
			}
		}
	}
	m.platforms[spec.PlatformID] = &platformState{spec: spec, down: next[0], up: next[1]}
	m.mu.Unlock()
	m.release(retired)
	for _, ch := range built {
		m.log.WithFields(logrus.Fields{"platformId": ch.platformID, "direction": ch.dir.String(), "chain": ch.chain.String()}).
			Info("translation channel set up")
	}
	return nil
}

// claimTopics records that the platform's channels use their topics, and
// releases the topics it no longer uses. It fails with ErrChannelConflict
// when another platform of the same type uses a topic with another chain.
// Called with m.mu held.
func (m *Manager) claimTopics(spec Spec, next [2]*channel) error {
	var errs []error
	for i, dir := range []ipsmrm.Direction{ipsmrm.Downstream, ipsmrm.Upstream} {
		ch := next[i]
		if ch == nil {
			continue
		}
		u := m.topics[topicKey{spec.PlatformType, dir}]
		if u == nil {
			continue
		}
		for other := range u.users {
			if other != spec.PlatformID && u.chain != ch.chain {
				errs = append(errs, fmt.Errorf("%w: %s topic %s is used by platform %s with %s, not %s",
					ErrChannelConflict, dir, ch.source, other, u.chain, ch.chain))
				break
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	m.dropTopicsLocked(spec.PlatformID)
	for i, dir := range []ipsmrm.Direction{ipsmrm.Downstream, ipsmrm.Upstream} {
		if ch := next[i]; ch != nil {
			k := topicKey{spec.PlatformType, dir}
			u := m.topics[k]
			if u == nil {
				u = &topicUse{chain: ch.chain, users: map[string]bool{}}
				m.topics[k] = u
			}
			u.chain = ch.chain
			u.users[spec.PlatformID] = true
		}
	}
	return nil
}

// dropTopicsLocked forgets every topic use of a platform.
func (m *Manager) dropTopicsLocked(pid string) {
	for k, u := range m.topics {
		delete(u.users, pid)
		if len(u.users) == 0 {
			delete(m.topics, k)
		}
	}
}

// build makes a new channel: in embedded mode it resolves the chain's
// alignments; in external mode it checks them (when Alignments is set)
// and starts consuming the sink topic.
func (m *Manager) build(ctx context.Context, spec Spec, dir ipsmrm.Direction, chain Chain) (*channel, error) {
	ch := &channel{platformID: spec.PlatformID, dir: dir, spec: spec, chain: chain}
	if m.cfg.Alignments != nil {
		var errs []error
		for _, id := range chain.IDs() {
			c, err := m.cfg.Alignments.Alignment(ctx, id)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			ch.compiled = append(ch.compiled, c)
		}
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
	}
	if m.ext == nil {
		return ch, nil
	}
	if spec.PlatformType == "" {
		return nil, ErrNoPlatformType
	}
	if dir == ipsmrm.Downstream {
		ch.source, ch.sink = broker.MWToIPSMInterIoT(spec.PlatformType), broker.IPSMToMWPlatform(spec.PlatformType)
	} else {
		ch.source, ch.sink = broker.MWToIPSMPlatform(spec.PlatformType), broker.IPSMToMWInterIoT(spec.PlatformType)
	}
	if err := m.ext.acquire(ctx, ch.sink); err != nil {
		return nil, err
	}
	return ch, nil
}

// release closes channels that are no longer used.
func (m *Manager) release(chs []*channel) {
	for _, ch := range chs {
		if m.ext != nil && ch.sink != "" {
			m.ext.releaseSink(ch.sink)
		}
		m.log.WithFields(logrus.Fields{"platformId": ch.platformID, "direction": ch.dir.String()}).Info("translation channel removed")
	}
}

// PlatformRemoved removes a platform's channels once its unregistration
// is confirmed. Data messages of a platform that had channels then fail
// with ErrUnregistered until it registers again (rather than pass
// untranslated); a platform without channels is simply forgotten.
func (m *Manager) PlatformRemoved(_ context.Context, pid string) {
	m.setup.Lock()
	defer m.setup.Unlock()
	m.mu.Lock()
	ps := m.platforms[pid]
	if m.closed || ps == nil || ps.removed {
		m.mu.Unlock()
		return
	}
	var retired []*channel
	for _, ch := range []*channel{ps.down, ps.up} {
		if ch != nil {
			retired = append(retired, ch)
		}
	}
	if len(retired) == 0 {
		// Nothing was translated: nothing to refuse later either.
		delete(m.platforms, pid)
	} else {
		m.platforms[pid] = &platformState{spec: ps.spec, removed: true}
	}
	m.dropTopicsLocked(pid)
	m.mu.Unlock()
	m.release(retired)
}

func (ps *platformState) channel(dir ipsmrm.Direction) *channel {
	if dir == ipsmrm.Downstream {
		return ps.down
	}
	return ps.up
}

// lookup returns the channel of pid in direction dir, setting up the
// platform from info when the Manager has not seen its registration (the
// platforms IPSMRM lists at start). A nil channel means pass-through.
func (m *Manager) lookup(ctx context.Context, dir ipsmrm.Direction, info ipsmrm.PlatformInfo) (*channel, error) {
	for attempt := 0; ; attempt++ {
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			return nil, ErrClosed
		}
		ps := m.platforms[info.ID]
		m.mu.Unlock()
		if ps != nil {
			if ps.removed {
				return nil, fmt.Errorf("%w: %s", ErrUnregistered, info.ID)
			}
			return ps.channel(dir), nil
		}
		if attempt > 0 {
			return nil, fmt.Errorf("platform %s: channels vanished while being set up", info.ID)
		}
		if err := m.ensure(ctx, info); err != nil {
			return nil, err
		}
	}
}

// Translate implements ipsmrm.Translator: it sends a data message through
// the platform's channel for dir, or returns it unchanged when that
// direction has none.
func (m *Manager) Translate(ctx context.Context, msg *messages.Message, dir ipsmrm.Direction, info ipsmrm.PlatformInfo) (*messages.Message, error) {
	ch, err := m.lookup(ctx, dir, info)
	if err != nil || ch == nil {
		if err == nil {
			return msg, nil
		}
		return nil, err
	}
	if m.ext != nil {
		return m.ext.roundTrip(ctx, ch, msg)
	}
	if _, err := m.tr.TranslateMessage(ctx, msg, ch.compiled...); err != nil {
		return nil, fmt.Errorf("%s channel of %s (%s): %w", dir, ch.platformID, ch.chain, err)
	}
	return msg, nil
}

// Compile-time check: a Manager is what IPSMRM's Translator hook takes.
var (
	_ ipsmrm.Translator = (*Manager)(nil)
	_ ipsmrm.Lifecycle  = (*Manager)(nil)
)

// Needs reports whether a data message of the platform in direction dir
// goes through a channel, so that IPSMRM can forward the others as the
// bytes that came, without decoding and encoding them. It errs towards
// true: a platform the Manager has not seen yet needs a look when its
// description names alignments, and an unregistered one must be refused.
func (m *Manager) Needs(dir ipsmrm.Direction, info ipsmrm.PlatformInfo) bool {
	m.mu.Lock()
	ps := m.platforms[info.ID]
	m.mu.Unlock()
	if ps != nil {
		return ps.removed || ps.channel(dir) != nil
	}
	spec, err := SpecOf(info)
	return err != nil || !spec.Chain(dir).IsIdentity()
}
