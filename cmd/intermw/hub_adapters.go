package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/intermw/intermw/ipsmrm"
	"github.com/intermw/intermw/ipsmrm/channels"
	"github.com/intermw/intermw/ontology/alignment"
	"github.com/intermw/intermw/ontology/ipsm"
	"github.com/intermw/intermw/prm"
	"github.com/intermw/intermw/services/registry"
)

// registryP2P answers PRM's platform-to-platform lookups from the registry.
type registryP2P struct{ r *registry.Registry }

func (a registryP2P) P2PSubscription(ctx context.Context, conv string) (prm.P2PRoute, bool, error) {
	s, err := a.r.GetP2PSubscription(ctx, conv)
	if errors.Is(err, registry.ErrNotFound) {
		return prm.P2PRoute{}, false, nil
	}
	if err != nil {
		return prm.P2PRoute{}, false, err
	}
	return prm.P2PRoute{ConversationID: s.ConversationID, ClientID: s.ClientID,
		SourcePlatformID: s.SourcePlatformID, SourceDeviceID: s.SourceDeviceID,
		TargetPlatformID: s.TargetPlatformID, TargetDeviceID: s.TargetDeviceID}, true, nil
}

// registryReplay lists what PRM replays with Sys_init on start.
type registryReplay struct{ r *registry.Registry }

func (a registryReplay) Platforms(ctx context.Context) ([]prm.ReplayPlatform, error) {
	ps, err := a.r.ListPlatforms(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]prm.ReplayPlatform, 0, len(ps))
	for _, p := range ps {
		out = append(out, prm.ReplayPlatform{ID: p.PlatformID, Type: p.Type, Description: registry.PlatformPayload(p)})
	}
	return out, nil
}

func (a registryReplay) Subscriptions(ctx context.Context) ([]prm.ReplaySubscription, error) {
	subs, err := a.r.ListSubscriptions(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []prm.ReplaySubscription
	for _, s := range subs {
		where, err := a.r.DevicePlatforms(ctx, s.DeviceIDs)
		if err != nil {
			return nil, err
		}
		byPlatform := map[string][]string{}
		var order []string
		for _, d := range s.DeviceIDs {
			p := where[d]
			if p == "" {
				continue
			}
			if _, seen := byPlatform[p]; !seen {
				order = append(order, p)
			}
			byPlatform[p] = append(byPlatform[p], d)
		}
		for _, p := range order {
			out = append(out, prm.ReplaySubscription{ConversationID: s.ConversationID, ClientID: s.ClientID, PlatformID: p, DeviceIDs: byPlatform[p]})
		}
	}
	return out, nil
}

// registryPlatforms tells IPSMRM which platforms exist at start.
type registryPlatforms struct{ r *registry.Registry }

func (a registryPlatforms) Platforms(ctx context.Context) ([]ipsmrm.PlatformInfo, error) {
	ps, err := a.r.ListPlatforms(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ipsmrm.PlatformInfo, 0, len(ps))
	for _, p := range ps {
		out = append(out, ipsmrm.PlatformInfo{ID: p.PlatformID, Type: p.Type, Description: registry.PlatformPayload(p)})
	}
	return out, nil
}

// mediatorAlignments serves the channels the alignments uploaded to the
// embedded mediator.
type mediatorAlignments struct{ s *ipsm.Service }

func (a mediatorAlignments) Alignment(ctx context.Context, id alignment.ID) (*alignment.Compiled, error) {
	c, err := a.s.Compiled(id)
	if errors.Is(err, ipsm.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", channels.ErrNoAlignment, err)
	}
	return c, err
}
