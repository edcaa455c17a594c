package registry

import (
	"context"
	"fmt"
	"sort"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
)

// Subscription is a client's subscription to observations of devices; its
// conversationId is the subscription id (the INTER-MW 2.5 body).
type Subscription struct {
	ConversationID string   `json:"conversationId"`
	DeviceIDs      []string `json:"deviceIds"`
	ClientID       string   `json:"clientId"`
	// PlatformIDs are the platforms the subscription was made on, when
	// known (the receivers of the Subscribe request). Unregistering one of
	// them removes the subscription even if its devices were never
	// registered.
	PlatformIDs []string `json:"-"`
}

func (s *Subscription) check() error {
	if err := checkText("conversationId", s.ConversationID); err != nil {
		return err
	}
	if err := checkText("clientId", s.ClientID); err != nil {
		return err
	}
	if len(s.DeviceIDs) == 0 {
		return fmt.Errorf("%w: a subscription needs at least one device", ErrInvalid)
	}
	for _, d := range s.DeviceIDs {
		if err := checkIRI("deviceId", d); err != nil {
			return err
		}
	}
	for _, p := range s.PlatformIDs {
		if err := checkIRI("platformId", p); err != nil {
			return err
		}
	}
	return nil
}

func (s Subscription) triples() []rdf.Triple {
	n := rdf.IRI(subscriptionIRI(s.ConversationID))
	ts := []rdf.Triple{
		{S: n, P: rdfType, O: mwSubscription},
		{S: n, P: mw("conversationId"), O: lit(s.ConversationID)},
		{S: n, P: mw("clientId"), O: lit(s.ClientID)},
	}
	for _, d := range s.DeviceIDs {
		ts = append(ts, rdf.Triple{S: n, P: mw("deviceId"), O: rdf.IRI(d)})
	}
	for _, p := range s.PlatformIDs {
		ts = append(ts, rdf.Triple{S: n, P: mw("platformId"), O: rdf.IRI(p)})
	}
	return ts
}

// AddSubscription records a new subscription. ErrConflict if its
// conversationId is taken.
func (r *Registry) AddSubscription(ctx context.Context, s Subscription) error {
	if err := s.check(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.getSubscription(ctx, s.ConversationID); err == nil {
		return fmt.Errorf("%w: subscription %q", ErrConflict, s.ConversationID)
	}
	return r.putSubscriptionLocked(ctx, s)
}

// PutSubscription records a subscription or replaces it: what a platform's
// confirmation of Subscribe does. Idempotent.
func (r *Registry) PutSubscription(ctx context.Context, s Subscription) error {
	if err := s.check(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.putSubscriptionLocked(ctx, s)
}

func (r *Registry) putSubscriptionLocked(ctx context.Context, s Subscription) error {
	r.log.WithFields(map[string]any{"conversationId": s.ConversationID, "clientId": s.ClientID}).Debug("writing subscription")
	return r.write(ctx, `DELETE WHERE { GRAPH <`+GraphSubscriptions+`> { %{s} ?p ?o } }`,
		map[string]any{"s": rdf.IRI(subscriptionIRI(s.ConversationID))},
		graphTriples{GraphSubscriptions, s.triples()})
}

// RemoveSubscription deletes a subscription. ErrNotFound if it does not
// exist.
func (r *Registry) RemoveSubscription(ctx context.Context, conversationID string) error {
	if err := checkText("conversationId", conversationID); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.getSubscription(ctx, conversationID); err != nil {
		return err
	}
	r.log.WithField("conversationId", conversationID).Debug("removing subscription")
	return r.update(ctx, `DELETE WHERE { GRAPH <`+GraphSubscriptions+`> { %{s} ?p ?o } }`,
		map[string]any{"s": rdf.IRI(subscriptionIRI(conversationID))})
}

// GetSubscription returns a subscription by its conversationId.
// ErrNotFound if it does not exist.
func (r *Registry) GetSubscription(ctx context.Context, conversationID string) (Subscription, error) {
	if err := checkText("conversationId", conversationID); err != nil {
		return Subscription{}, err
	}
	return r.getSubscription(ctx, conversationID)
}

func (r *Registry) getSubscription(ctx context.Context, conversationID string) (Subscription, error) {
	subs, err := r.querySubscriptions(ctx, `VALUES ?s { %{s} }`, map[string]any{"s": rdf.IRI(subscriptionIRI(conversationID))})
	if err != nil {
		return Subscription{}, err
	}
	if len(subs) == 0 {
		return Subscription{}, fmt.Errorf("%w: subscription %q", ErrNotFound, conversationID)
	}
	return subs[0], nil
}

// ListSubscriptions returns the subscriptions of a client, or all of them
// when clientID is empty, ordered by conversationId.
func (r *Registry) ListSubscriptions(ctx context.Context, clientID string) ([]Subscription, error) {
	if clientID == "" {
		return r.querySubscriptions(ctx, "", nil)
	}
	if err := checkText("clientId", clientID); err != nil {
		return nil, err
	}
	return r.querySubscriptions(ctx, `?s mw:clientId %{c} .`, map[string]any{"c": lit(clientID)})
}

// SubscriptionsByDevice returns the subscriptions that name a device,
// ordered by conversationId.
func (r *Registry) SubscriptionsByDevice(ctx context.Context, deviceID string) ([]Subscription, error) {
	if err := checkIRI("deviceId", deviceID); err != nil {
		return nil, err
	}
	return r.querySubscriptions(ctx, `?s mw:deviceId %{d} .`, map[string]any{"d": rdf.IRI(deviceID)})
}

// querySubscriptions reads the subscriptions ?s matching pattern (evaluated
// inside the subscriptions graph).
func (r *Registry) querySubscriptions(ctx context.Context, pattern string, args map[string]any) ([]Subscription, error) {
	rows, err := r.rows(ctx, `SELECT ?s ?p ?o WHERE { GRAPH <`+GraphSubscriptions+`> {
  `+pattern+`
  ?s a mw:Subscription ; ?p ?o
} }`, args)
	if err != nil {
		return nil, err
	}
	return groupSubscriptions(rows), nil
}

func groupSubscriptions(rows []triplestore.Binding) []Subscription {
	byNode := map[string]*Subscription{}
	for _, b := range rows {
		n := b["s"].Value
		s := byNode[n]
		if s == nil {
			s = &Subscription{}
			byNode[n] = s
		}
		o := b["o"]
		switch b["p"].Value {
		case NSINTERMW + "conversationId":
			s.ConversationID = o.Value
		case NSINTERMW + "clientId":
			s.ClientID = o.Value
		case NSINTERMW + "deviceId":
			s.DeviceIDs = append(s.DeviceIDs, o.Value)
		case NSINTERMW + "platformId":
			s.PlatformIDs = append(s.PlatformIDs, o.Value)
		}
	}
	out := make([]Subscription, 0, len(byNode))
	for _, s := range byNode {
		sort.Strings(s.DeviceIDs)
		sort.Strings(s.PlatformIDs)
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ConversationID < out[j].ConversationID })
	return out
}
