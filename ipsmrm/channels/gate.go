package channels

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/ipsmrm"
	"github.com/intermw/intermw/messages"
)

// Gate puts a Manager in front of IPSMRM without changing IPSMRM: it wraps
// the broker IPSMRM is given and watches the platform lifecycle on the
// topics IPSMRM consumes.
//
//   - A Platform_register or Platform_update on prm_ipsmrm sets up the
//     platform's channels (Manager.PlatformChanged) before IPSMRM sees it.
//     When that fails (an alignment named but missing, malformed fields,
//     a topic conflict) the request never reaches IPSMRM or the bridge:
//     the Gate answers it with an Error on ipsmrm_prm and puts a copy on
//     the error topic, so the registration fails and the registry, written
//     only on the platform's confirmation, is left alone.
//   - A Platform_unregister is noted; when the platform's bridge confirms
//     it on bridge_ipsmrm_{platformId}, the channels are removed
//     (Manager.PlatformRemoved). Data the bridge sent before its
//     confirmation is still translated.
//
// Gate is an adapter for as long as IPSMRM has no lifecycle hook of its
// own; see the package documentation.
type Gate struct {
	cfg GateConfig
	log logrus.FieldLogger

	mu            sync.Mutex
	unregistering map[string][]string // conversationID → platform ids
}

// GateConfig configures a Gate.
type GateConfig struct {
	// Broker is the hub's broker, which IPSMRM would otherwise be given.
	// Required.
	Broker ipsmrm.PubSub
	// Manager keeps the channels. Required.
	Manager *Manager
	// Codec reads the lifecycle requests and writes Error replies.
	// Required.
	Codec *messages.Codec
	// Builder stamps Error replies. Default: wall clock, random UUIDs.
	Builder messages.Builder
	// Log receives refused registrations (Info). Default: discarded.
	Log logrus.FieldLogger
}

// Validate reports every problem with c at once.
func (c GateConfig) Validate() error {
	var errs []error
	if c.Broker == nil {
		errs = append(errs, errors.New("channels: GateConfig.Broker is required"))
	}
	if c.Manager == nil {
		errs = append(errs, errors.New("channels: GateConfig.Manager is required"))
	}
	if c.Codec == nil {
		errs = append(errs, errors.New("channels: GateConfig.Codec is required"))
	}
	return errors.Join(errs...)
}

// NewGate validates cfg and returns the Gate to give IPSMRM as its broker.
func NewGate(cfg GateConfig) (*Gate, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		cfg.Log = l
	}
	return &Gate{cfg: cfg, log: cfg.Log.WithField("component", "ipsm-channels"), unregistering: map[string][]string{}}, nil
}

// Publish publishes on the wrapped broker.
func (g *Gate) Publish(ctx context.Context, topic string, m broker.Message) error {
	return g.cfg.Broker.Publish(ctx, topic, m)
}

// bridgeTopicPrefix is what broker.BridgeToIPSMRM puts before the escaped
// platform id.
var bridgeTopicPrefix = strings.TrimSuffix(broker.BridgeToIPSMRM("x"), "x")

// Subscribe subscribes on the wrapped broker, watching the platform
// lifecycle on prm_ipsmrm and the bridges' topics.
func (g *Gate) Subscribe(ctx context.Context, topic, group string, h broker.Handler) (broker.Subscription, error) {
	switch {
	case topic == broker.PRMToIPSMRM:
		h = g.down(h)
	case strings.HasPrefix(topic, bridgeTopicPrefix):
		h = g.up(h)
	}
	return g.cfg.Broker.Subscribe(ctx, topic, group, h)
}

var lifecycleTypes = []messages.Type{messages.PlatformRegister, messages.PlatformUpdate, messages.PlatformUnregister}

// mayBe reports, from trusted routing headers, whether a message can be
// one of types; without trusted headers it may.
func mayBe(bm *broker.Message, response bool, types ...messages.Type) bool {
	rt, ok := broker.ReadRoute(bm)
	if !ok {
		return true
	}
	if rt.Has(messages.Response.String()) != response {
		return false
	}
	for _, t := range types {
		if rt.Has(t.String()) {
			return true
		}
	}
	return false
}

func (g *Gate) down(h broker.Handler) broker.Handler {
	return func(ctx context.Context, bm *broker.Message) error {
		if !mayBe(bm, false, lifecycleTypes...) {
			return h(ctx, bm)
		}
		m, err := g.cfg.Codec.Decode(bm.Body)
		if err != nil || m.Metadata.Is(messages.Response) {
			return h(ctx, bm) // IPSMRM deals with it
		}
		md := &m.Metadata
		switch {
		case md.Is(messages.PlatformRegister) || md.Is(messages.PlatformUpdate):
			var errs []error
			for _, pid := range md.ReceiverPlatformIDs {
				info := ipsmrm.PlatformInfo{ID: pid, Description: m.Payload}
				if err := g.cfg.Manager.PlatformChanged(ctx, info); err != nil {
					errs = append(errs, err)
				}
			}
			if err := errors.Join(errs...); err != nil {
				if errors.Is(err, ErrClosed) {
					return err
				}
				return g.refuse(ctx, m, err)
			}
		case md.Is(messages.PlatformUnregister):
			if len(md.ReceiverPlatformIDs) > 0 {
				g.mu.Lock()
				g.unregistering[md.ConversationID] = append([]string(nil), md.ReceiverPlatformIDs...)
				g.mu.Unlock()
			}
		}
		return h(ctx, bm)
	}
}

// refuse answers a lifecycle request whose channels cannot be set up.
func (g *Gate) refuse(ctx context.Context, req *messages.Message, cause error) error {
	g.log.WithError(cause).WithFields(logrus.Fields{"conversationId": req.Metadata.ConversationID, "type": req.Metadata.Kind().String()}).
		Info("platform refused: its translation channels cannot be set up")
	e := g.cfg.Builder.ErrorReply(req, messages.ErrorDetails{Category: DefaultErrCategory,
		Description: fmt.Sprintf("translation channels: %v", cause)})
	body, err := g.cfg.Codec.Encode(e)
	if err != nil {
		return fmt.Errorf("channels: encode Error: %w", err)
	}
	out := broker.Message{Key: e.Metadata.ConversationID, Body: body}
	if err := g.cfg.Broker.Publish(ctx, broker.IPSMRMToPRM, out); err != nil {
		return err
	}
	return g.cfg.Broker.Publish(ctx, broker.ErrorTopic, out)
}

func (g *Gate) up(h broker.Handler) broker.Handler {
	return func(ctx context.Context, bm *broker.Message) error {
		g.mu.Lock()
		waiting := len(g.unregistering) > 0
		g.mu.Unlock()
		if !waiting || !mayBe(bm, true, messages.PlatformUnregister) {
			return h(ctx, bm)
		}
		m, err := g.cfg.Codec.Decode(bm.Body)
		if err != nil {
			return h(ctx, bm)
		}
		md := &m.Metadata
		if md.Is(messages.Response) && md.Is(messages.PlatformUnregister) {
			g.mu.Lock()
			pids := g.unregistering[md.ConversationID]
			if i := slices.Index(pids, md.SenderPlatformID); i >= 0 && len(pids) > 1 {
				// One bridge of several answered: only its channels go.
				g.unregistering[md.ConversationID] = slices.Delete(slices.Clone(pids), i, i+1)
				pids = []string{md.SenderPlatformID}
			} else {
				delete(g.unregistering, md.ConversationID)
			}
			g.mu.Unlock()
			if !md.Is(messages.Error) {
				for _, pid := range pids {
					g.cfg.Manager.PlatformRemoved(ctx, pid)
				}
			}
		}
		return h(ctx, bm)
	}
}
