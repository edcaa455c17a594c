package ipsm

import (
	"context"
	"fmt"

	"github.com/intermw/intermw/ipsmrm"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/alignment"
	"github.com/intermw/intermw/services/registry"
)

// PlatformTranslator is the ipsmrm.Translator of the embedded IPSM: it
// translates a platform's data messages with the alignments named in its
// registration — downstream: downstreamInput then downstreamOutput;
// upstream: upstreamInput then upstreamOutput. An empty name and version
// is the identity. A named alignment the IPSM lacks is an error wrapping
// ErrNotFound, never a silent pass-through.
type PlatformTranslator struct{ Service *Service }

var _ ipsmrm.Translator = PlatformTranslator{}

// Translate implements ipsmrm.Translator.
func (t PlatformTranslator) Translate(ctx context.Context, msg *messages.Message, dir ipsmrm.Direction, platform ipsmrm.PlatformInfo) (*messages.Message, error) {
	ids, err := ChainFor(platform, dir)
	if err != nil {
		return nil, err
	}
	if _, err := t.Service.Translate(ctx, msg, ids...); err != nil {
		return nil, fmt.Errorf("ipsm: platform %s %s: %w", platform.ID, dir, err)
	}
	return msg, nil
}

// ChainFor returns the alignments a platform's messages go through in one
// direction, from its registration payload.
func ChainFor(platform ipsmrm.PlatformInfo, dir ipsmrm.Direction) ([]alignment.ID, error) {
	var p *registry.Platform
	for _, c := range registry.PlatformsFromPayload(platform.Description) {
		if c.PlatformID == platform.ID || p == nil {
			c := c
			p = &c
		}
	}
	if p == nil {
		return nil, nil // no description: nothing to apply
	}
	switch dir {
	case ipsmrm.Downstream:
		return []alignment.ID{
			{Name: p.DownstreamInputAlignmentName, Version: p.DownstreamInputAlignmentVersion},
			{Name: p.DownstreamOutputAlignmentName, Version: p.DownstreamOutputAlignmentVersion},
		}, nil
	case ipsmrm.Upstream:
		return []alignment.ID{
			{Name: p.UpstreamInputAlignmentName, Version: p.UpstreamInputAlignmentVersion},
			{Name: p.UpstreamOutputAlignmentName, Version: p.UpstreamOutputAlignmentVersion},
		}, nil
	}
	return nil, fmt.Errorf("%w: direction %v", ErrBadRequest, dir)
}
