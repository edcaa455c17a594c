package ipsmrm

import (
	"context"

	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/rdf"
)

// Direction says which way a message travels through IPSMRM.
type Direction uint8

const (
	// Downstream: from PRM to a platform's bridge (INTER-IoT semantics in,
	// the platform's semantics out).
	Downstream Direction = iota + 1
	// Upstream: from a platform's bridge to PRM.
	Upstream
)

func (d Direction) String() string {
	switch d {
	case Downstream:
		return "downstream"
	case Upstream:
		return "upstream"
	}
	return "unknown"
}

// PlatformInfo is what IPSMRM knows of a platform, learnt from its
// Platform_register (or from Config.Platforms at start).
type PlatformInfo struct {
	ID   string // the platform's IRI
	Type string // its platform type IRI; "" when not known
	// Description is the payload of the platform's registration: the
	// platform node with its alignment names, for translators that route
	// by alignment.
	Description []rdf.Triple
}

// Translator translates the data messages that pass through IPSMRM. It
// gets a message of its own (a clone) and returns the message to send on,
// which may be the same one changed in place.
type Translator interface {
	Translate(ctx context.Context, msg *messages.Message, dir Direction, platform PlatformInfo) (*messages.Message, error)
}

// Selective is an optional ability of a Translator: Needs reports whether a
// data message of platform in direction dir must go through Translate.
// IPSMRM forwards the others as the bytes that came, without decoding them,
// so platforms without alignments cost nothing.
type Selective interface {
	Needs(dir Direction, platform PlatformInfo) bool
}

// Lifecycle is an optional ability of a Translator that keeps per-platform
// state (translation channels). PlatformChanged is called on a
// Platform_register or Platform_update before IPSMRM forwards it; an error
// refuses the request: the client gets an Error, the bridge never sees it,
// and the registry, written only on the platform's confirmation, is left
// alone. PlatformRemoved is called once the platform's bridge confirms a
// Platform_unregister.
type Lifecycle interface {
	PlatformChanged(ctx context.Context, platform PlatformInfo) error
	PlatformRemoved(ctx context.Context, platformID string)
}

// PassThrough is the Translator that changes nothing. IPSMRM without a
// Translator behaves like it, without even re-encoding messages.
type PassThrough struct{}

// Translate returns msg unchanged.
func (PassThrough) Translate(_ context.Context, msg *messages.Message, _ Direction, _ PlatformInfo) (*messages.Message, error) {
	return msg, nil
}

// isData reports whether m carries data and so goes through the
// translator: observations, actuations, device registry changes and
// platform device management. Control messages and errors do not.
func isData(md *messages.Metadata) bool {
	if md.Is(messages.Error) {
		return false
	}
	for _, t := range []messages.Type{
		messages.Observation, messages.Actuation,
		messages.DeviceAdd, messages.DeviceRemove, messages.DeviceInit,
		messages.PlatformCreateDevice, messages.PlatformUpdateDevice, messages.PlatformDeleteDevice,
	} {
		if md.Is(t) {
			return true
		}
	}
	return false
}
