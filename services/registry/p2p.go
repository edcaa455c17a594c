package registry

import (
	"context"
	"fmt"
	"sort"

	"github.com/intermw/intermw/ontology/rdf"
)

// PlatformToPlatformSubscription forwards the observations of a source
// device on one platform to a target device on another (the INTER-MW 2.5
// body). Its conversationId is the subscription id and the conversation of
// the Subscribe PRM sends to the source platform.
type PlatformToPlatformSubscription struct {
	ConversationID   string `json:"conversationId"`
	ClientID         string `json:"clientId"`
	SourceDeviceID   string `json:"sourceDeviceId"`
	TargetDeviceID   string `json:"targetDeviceId"`
	SourcePlatformID string `json:"sourcePlatformId"`
	TargetPlatformID string `json:"targetPlatformId"`
}

func (s *PlatformToPlatformSubscription) fields() []struct {
	local string
	v     *string
	iri   bool
} {
	return []struct {
		local string
		v     *string
		iri   bool
	}{
		{"conversationId", &s.ConversationID, false},
		{"clientId", &s.ClientID, false},
		{"sourceDeviceId", &s.SourceDeviceID, true},
		{"targetDeviceId", &s.TargetDeviceID, true},
		{"sourcePlatformId", &s.SourcePlatformID, true},
		{"targetPlatformId", &s.TargetPlatformID, true},
	}
}

// AddP2PSubscription records a platform-to-platform subscription. Missing
// platform ids are filled from the devices' registry entries (ErrNotFound
// if a device is not registered then). ErrConflict if the conversationId
// is taken. Idempotent callers use PutP2PSubscription.
func (r *Registry) AddP2PSubscription(ctx context.Context, s PlatformToPlatformSubscription) (PlatformToPlatformSubscription, error) {
	return r.putP2P(ctx, s, true)
}

// PutP2PSubscription records a platform-to-platform subscription or
// replaces it (a Virtual_subscribe passing through Services). It fills
// missing platform ids as AddP2PSubscription does.
func (r *Registry) PutP2PSubscription(ctx context.Context, s PlatformToPlatformSubscription) (PlatformToPlatformSubscription, error) {
	return r.putP2P(ctx, s, false)
}

func (r *Registry) putP2P(ctx context.Context, s PlatformToPlatformSubscription, mustBeNew bool) (PlatformToPlatformSubscription, error) {
	for _, f := range s.fields() {
		var err error
		switch {
		case f.iri && (f.local == "sourcePlatformId" || f.local == "targetPlatformId"):
			err = checkOptionalIRI(f.local, *f.v)
		case f.iri:
			err = checkIRI(f.local, *f.v)
		default:
			err = checkText(f.local, *f.v)
		}
		if err != nil {
			return s, err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if mustBeNew {
		if _, err := r.getP2P(ctx, s.ConversationID); err == nil {
			return s, fmt.Errorf("%w: platform-to-platform subscription %q", ErrConflict, s.ConversationID)
		}
	}
	if s.SourcePlatformID == "" || s.TargetPlatformID == "" {
		hosts, err := r.DevicePlatforms(ctx, []string{s.SourceDeviceID, s.TargetDeviceID})
		if err != nil {
			return s, err
		}
		for _, f := range []struct{ dev, plat *string }{{&s.SourceDeviceID, &s.SourcePlatformID}, {&s.TargetDeviceID, &s.TargetPlatformID}} {
			if *f.plat != "" {
				continue
			}
			p, ok := hosts[*f.dev]
			if !ok {
				return s, fmt.Errorf("%w: device %q", ErrNotFound, *f.dev)
			}
			*f.plat = p
		}
	}
	n := rdf.IRI(p2pIRI(s.ConversationID))
	ts := []rdf.Triple{{S: n, P: rdfType, O: iiotP2PSubscription}}
	for _, f := range s.fields() {
		o := lit(*f.v)
		if f.iri {
			o = rdf.IRI(*f.v)
		}
		ts = append(ts, rdf.Triple{S: n, P: mw(f.local), O: o})
	}
	r.log.WithField("conversationId", s.ConversationID).Debug("writing platform-to-platform subscription")
	err := r.write(ctx, `DELETE WHERE { GRAPH <`+GraphP2P+`> { %{s} ?p ?o } }`, map[string]any{"s": n},
		graphTriples{GraphP2P, ts})
	return s, err
}

// RemoveP2PSubscription deletes a platform-to-platform subscription.
// ErrNotFound if it does not exist.
func (r *Registry) RemoveP2PSubscription(ctx context.Context, conversationID string) error {
	if err := checkText("conversationId", conversationID); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.getP2P(ctx, conversationID); err != nil {
		return err
	}
	return r.update(ctx, `DELETE WHERE { GRAPH <`+GraphP2P+`> { %{s} ?p ?o } }`,
		map[string]any{"s": rdf.IRI(p2pIRI(conversationID))})
}

// GetP2PSubscription returns a platform-to-platform subscription by its
// conversationId: how PRM recognises the observations it must rewrite.
// ErrNotFound if it does not exist.
func (r *Registry) GetP2PSubscription(ctx context.Context, conversationID string) (PlatformToPlatformSubscription, error) {
	if err := checkText("conversationId", conversationID); err != nil {
		return PlatformToPlatformSubscription{}, err
	}
	return r.getP2P(ctx, conversationID)
}

func (r *Registry) getP2P(ctx context.Context, conversationID string) (PlatformToPlatformSubscription, error) {
	subs, err := r.queryP2P(ctx, `VALUES ?s { %{s} }`, map[string]any{"s": rdf.IRI(p2pIRI(conversationID))})
	if err != nil {
		return PlatformToPlatformSubscription{}, err
	}
	if len(subs) == 0 {
		return PlatformToPlatformSubscription{}, fmt.Errorf("%w: platform-to-platform subscription %q", ErrNotFound, conversationID)
	}
	return subs[0], nil
}

// ListP2PSubscriptions returns a client's platform-to-platform
// subscriptions, or all of them when clientID is empty, ordered by
// conversationId.
func (r *Registry) ListP2PSubscriptions(ctx context.Context, clientID string) ([]PlatformToPlatformSubscription, error) {
	if clientID == "" {
		return r.queryP2P(ctx, "", nil)
	}
	if err := checkText("clientId", clientID); err != nil {
		return nil, err
	}
	return r.queryP2P(ctx, `?s mw:clientId %{c} .`, map[string]any{"c": lit(clientID)})
}

// P2PSubscriptionsBySourceDevice returns the platform-to-platform
// subscriptions whose source is deviceID.
func (r *Registry) P2PSubscriptionsBySourceDevice(ctx context.Context, deviceID string) ([]PlatformToPlatformSubscription, error) {
	if err := checkIRI("deviceId", deviceID); err != nil {
		return nil, err
	}
	return r.queryP2P(ctx, `?s mw:sourceDeviceId %{d} .`, map[string]any{"d": rdf.IRI(deviceID)})
}

func (r *Registry) queryP2P(ctx context.Context, pattern string, args map[string]any) ([]PlatformToPlatformSubscription, error) {
	rows, err := r.rows(ctx, `SELECT ?s ?p ?o WHERE { GRAPH <`+GraphP2P+`> {
  `+pattern+`
  ?s a <`+iiotP2PSubscription.Value+`> ; ?p ?o
} }`, args)
	if err != nil {
		return nil, err
	}
	byNode := map[string]*PlatformToPlatformSubscription{}
	for _, b := range rows {
		n := b["s"].Value
		s := byNode[n]
		if s == nil {
			s = &PlatformToPlatformSubscription{}
			byNode[n] = s
		}
		for _, f := range s.fields() {
			if b["p"].Value == NSINTERMW+f.local {
				*f.v = b["o"].Value
			}
		}
	}
	out := make([]PlatformToPlatformSubscription, 0, len(byNode))
	for _, s := range byNode {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ConversationID < out[j].ConversationID })
	return out, nil
}
