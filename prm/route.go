package prm

import (
	"context"
	"errors"
	"fmt"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/messages/routing"
	"github.com/intermw/intermw/ontology/rdf"
)

// Vocabulary PRM writes.
const (
	nsINTERMW             = "http://inter-iot.eu/INTERMW#"
	classSoftwarePlatform = "http://inter-iot.eu/GOIoTP#SoftwarePlatform"
	classIoTDevice        = "http://inter-iot.eu/GOIoTP#IoTDevice"
	propPlatformType      = nsINTERMW + "platformType"
	propIsHostedBy        = "http://www.w3.org/ns/sosa/isHostedBy"
	propMadeBySensor      = "http://www.w3.org/ns/sosa/madeBySensor"
	// PlatformTypesNode is the payload node whose rdf:types are the
	// supported platform types in the answer to
	// List_supported_platform_types, as INTER-MW wrote it.
	PlatformTypesNode = nsINTERMW + "platform-types"
)

// Errors PRM answers with.
var (
	// ErrUnroutable: PRM has no route for the message's type from where
	// it came.
	ErrUnroutable = errors.New("no route for the message")
	// ErrNoReceiver: a request bound for platforms names none.
	ErrNoReceiver = errors.New("request bound for platforms has no ReceiverPlatformId")
	// ErrUnknownP2P: no platform-to-platform subscription has the id.
	ErrUnknownP2P = errors.New("unknown platform-to-platform subscription")
)

// platformBound are the request types that go to platforms.
var platformBound = []messages.Type{
	messages.PlatformRegister, messages.PlatformUnregister, messages.PlatformUpdate,
	messages.PlatformCreateDevice, messages.PlatformUpdateDevice, messages.PlatformDeleteDevice,
	messages.Subscribe, messages.Unsubscribe, messages.DiscoveryList, messages.Query,
	messages.Actuation, messages.SysInit, messages.Observation,
}

// registryChanging are the types of the platform messages the registry
// acts on: their confirmations go through Services (prm_srm) before they
// reach clients. Discovery_List replies go that way too, behind the
// Device_Init and Device_Add messages of their conversation, so that a
// client told discovery is done finds the devices registered.
var registryChanging = []messages.Type{
	messages.PlatformRegister, messages.PlatformUpdate, messages.PlatformUnregister,
	messages.PlatformCreateDevice, messages.PlatformUpdateDevice, messages.PlatformDeleteDevice,
	messages.DeviceAdd, messages.DeviceRemove, messages.DeviceInit,
	messages.Subscribe, messages.Unsubscribe, messages.DiscoveryList,
}

func isAny(md *messages.Metadata, types []messages.Type) bool {
	for _, t := range types {
		if md.Is(t) {
			return true
		}
	}
	return false
}

// decode reads a delivered message; an unreadable one goes to the error
// topic (there is nobody to answer).
func (p *PRM) decode(ctx context.Context, bm *broker.Message) (*messages.Message, error) {
	m, err := p.cfg.Codec.Decode(bm.Body)
	if err != nil {
		p.log.WithError(err).WithField("topic", bm.Topic).Warn("undecodable message")
		perr := p.cfg.Broker.Publish(ctx, broker.ErrorTopic, broker.Message{Key: bm.Key, Body: bm.Body,
			Headers: map[string]string{broker.HeaderOriginalTopic: bm.Topic, broker.HeaderLastError: err.Error()}})
		return nil, perr
	}
	return m, nil
}

// handleARM routes a request from ARM (step 2 of the message flows).
func (p *PRM) handleARM(ctx context.Context, bm *broker.Message) error {
	e, err := p.reader.Open(ctx, bm)
	if e == nil {
		return err
	}
	md := e.Meta
	log := p.msgLog(md, broker.ARMToPRM)
	switch {
	case md.Is(messages.Response) || md.Is(messages.Error):
		return p.answerError(ctx, log, e, fmt.Errorf("%w: a %s reply from ARM", ErrUnroutable, md.Kind()))
	case md.Is(messages.ListSupportedPlatformTypes):
		m, err := p.reader.Load(ctx, e)
		if m == nil {
			return err
		}
		log.Debug("answering List_supported_platform_types")
		return p.publish(ctx, broker.PRMToARM, p.platformTypes(m))
	case md.Is(messages.DeviceDiscoveryQuery), md.Is(messages.PlatformDiscoveryQuery):
		log.Debug("to services")
		return p.forward(ctx, broker.PRMToSRM, e)
	case md.Is(messages.VirtualSubscribe):
		log.Debug("platform-to-platform subscription to services")
		return p.forward(ctx, broker.PRMToSRM, e)
	case md.Is(messages.VirtualUnsubscribe):
		return p.virtualUnsubscribe(ctx, log, e)
	case isAny(md, platformBound):
		if len(md.ReceiverPlatformIDs) == 0 {
			return p.answerError(ctx, log, e, fmt.Errorf("%w: %s", ErrNoReceiver, md.Kind()))
		}
		log.Debug("to the platforms")
		return p.forward(ctx, broker.PRMToIPSMRM, e)
	}
	return p.answerError(ctx, log, e, fmt.Errorf("%w: %s from ARM", ErrUnroutable, md.Kind()))
}

// answerError decodes the message and answers it with an Error (see
// replyError).
func (p *PRM) answerError(ctx context.Context, log logrus.FieldLogger, e *routing.Envelope, cause error) error {
	m, err := p.reader.Load(ctx, e)
	if m == nil {
		return err
	}
	return p.replyError(ctx, log, m, cause)
}

// platformTypes answers List_supported_platform_types: the payload types
// the node PlatformTypesNode with each supported platform type.
func (p *PRM) platformTypes(req *messages.Message) *messages.Message {
	r := p.cfg.Builder.Reply(req)
	node := rdf.IRI(PlatformTypesNode)
	for _, t := range p.cfg.PlatformTypes() {
		r.Payload = append(r.Payload, rdf.Triple{S: node, P: rdf.IRI(rdf.RDFType), O: rdf.IRI(t)})
	}
	return r
}

// handleIPSMRM routes a message from the platforms (step 5).
func (p *PRM) handleIPSMRM(ctx context.Context, bm *broker.Message) error {
	e, err := p.reader.Open(ctx, bm)
	if e == nil {
		return err
	}
	md := e.Meta
	log := p.msgLog(md, broker.IPSMRMToPRM)
	switch {
	case md.Is(messages.SysInit) && md.Is(messages.Response):
		log.Debug("dropping the answer to a Sys_init replay")
		return nil
	case md.Is(messages.Observation) && !md.Is(messages.Response):
		return p.observation(ctx, log, e)
	case md.Is(messages.Response) && (md.Is(messages.VirtualSubscribe) || md.Is(messages.VirtualUnsubscribe)):
		// A platform confirmed the Subscribe (Unsubscribe) PRM sent for a
		// platform-to-platform subscription: the client asked for the
		// virtual one, and the registry already knows it.
		m, err := p.reader.Load(ctx, e)
		if m == nil {
			return err
		}
		return p.publish(ctx, broker.PRMToARM, virtualReply(m))
	case md.Is(messages.Error):
		log.Debug("error to the client")
		return p.forward(ctx, broker.PRMToARM, e)
	case isAny(md, registryChanging):
		log.Debug("to services for the registry")
		return p.forward(ctx, broker.PRMToSRM, e)
	}
	log.Debug("to the client")
	return p.forward(ctx, broker.PRMToARM, e)
}

// handleSRM routes a message from Services.
func (p *PRM) handleSRM(ctx context.Context, bm *broker.Message) error {
	e, err := p.reader.Open(ctx, bm)
	if e == nil {
		return err
	}
	md := e.Meta
	log := p.msgLog(md, broker.SRMToPRM)
	switch {
	case md.Is(messages.Error):
		log.Debug("error to the client")
		return p.forward(ctx, broker.PRMToARM, e)
	case md.Is(messages.VirtualSubscribe):
		m, err := p.reader.Load(ctx, e)
		if m == nil {
			return err
		}
		return p.virtualSubscribe(ctx, log, m)
	case md.Is(messages.VirtualUnsubscribe):
		log.Debug("platform-to-platform subscription removed from the registry")
		return nil
	case !md.Is(messages.Response) && (md.Is(messages.DeviceInit) || md.Is(messages.DeviceAdd) || md.Is(messages.DeviceRemove)):
		log.Debug("device changes registered")
		return nil
	case md.Is(messages.Response):
		log.Debug("to the client")
		return p.forward(ctx, broker.PRMToARM, e)
	case isAny(md, platformBound):
		if len(md.ReceiverPlatformIDs) == 0 {
			return p.answerError(ctx, log, e, fmt.Errorf("%w: %s", ErrNoReceiver, md.Kind()))
		}
		log.Debug("re-routed to the platforms")
		return p.forward(ctx, broker.PRMToIPSMRM, e)
	}
	return p.answerError(ctx, log, e, fmt.Errorf("%w: %s from services", ErrUnroutable, md.Kind()))
}

// deviceTriples names a device in a request payload.
func deviceTriples(deviceID, platformID string) []rdf.Triple {
	s := rdf.IRI(deviceID)
	ts := []rdf.Triple{{S: s, P: rdf.IRI(rdf.RDFType), O: rdf.IRI(classIoTDevice)}}
	if platformID != "" {
		ts = append(ts, rdf.Triple{S: s, P: rdf.IRI(propIsHostedBy), O: rdf.IRI(platformID)})
	}
	return ts
}
