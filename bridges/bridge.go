package bridges

import (
	"context"
	"errors"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/rdf"
)

// Sentinel errors a bridge returns for conditions the host turns into Error
// replies; anything else is reported as a platform failure.
var (
	// ErrUnsupported: the bridge cannot do what the request asks (it lacks
	// the capability, or the platform does not offer it).
	ErrUnsupported = errors.New("unsupported by the platform's bridge")
	// ErrInvalidRequest: the request is malformed for this bridge (no
	// device named, an unknown device, a bad payload).
	ErrInvalidRequest = errors.New("invalid request for the platform")
	// ErrUnknownPlatformType: no factory is registered for the platform
	// type a Platform_register names.
	ErrUnknownPlatformType = errors.New("unknown platform type")
	// ErrClosed: the bridge was closed.
	ErrClosed = errors.New("bridge closed")
	// ErrNotAddressed: a message reached a platform's topic without naming
	// the platform among its ReceiverPlatformIds; the host drops it (a copy
	// goes to the error topic).
	ErrNotAddressed = errors.New("message not addressed to the platform")
)

// Bridge connects the hub to one registered IoT platform. A Factory makes
// it when the platform registers; the host calls it for the requests
// addressed to that platform and builds every reply itself, so a bridge
// only does the platform's work. What a bridge can do beyond the platform
// lifecycle it says by implementing the capability interfaces below
// (Subscriber, DeviceManager, Discoverer, Querier, Actuator, Observer),
// which the host finds with a type assertion; a request for a missing
// capability is answered with an Error reply wrapping ErrUnsupported.
//
// Methods may be called concurrently. After Close returns the bridge emits
// nothing more.
type Bridge interface {
	// UpdatePlatform applies a Platform_update: p is the new description.
	UpdatePlatform(ctx context.Context, p Platform) error
	// Close disconnects from the platform and stops everything the bridge
	// started (subscriptions, timers, connections). The host calls it on
	// Platform_unregister and when it stops. It is idempotent.
	Close() error
}

// Subscriber is a bridge that can stream observations of devices.
type Subscriber interface {
	// Subscribe starts emitting observations for s.DeviceIDs, each carrying
	// s.ID as its conversationID. With s.Restored (a Sys_init replay after
	// a restart) the bridge re-arms without calling the platform again if
	// it can. Subscribing again with the ID of an active subscription
	// replaces its device set.
	Subscribe(ctx context.Context, s Subscription) error
	// Unsubscribe stops the subscription with the given ID. Stopping an
	// unknown subscription is not an error: the outcome is the one asked.
	Unsubscribe(ctx context.Context, subscriptionID string) error
}

// DeviceManager is a bridge through which devices can be created, updated
// and deleted on the platform (Platform_create/update/delete_Device).
type DeviceManager interface {
	CreateDevices(ctx context.Context, devices []Device) error
	UpdateDevices(ctx context.Context, devices []Device) error
	DeleteDevices(ctx context.Context, deviceIDs []string) error
}

// Discoverer is a bridge that can list the platform's devices
// (Discovery_List). The host reports them with Device_Init (the first
// batch, which replaces the platform's device set in the registry) and
// Device_Add (further batches) before answering the request.
type Discoverer interface {
	ListDevices(ctx context.Context) ([]Device, error)
}

// Querier is a bridge that can read the current data of devices (Query).
// The triples form the Response's payload; no deviceIDs means every device.
type Querier interface {
	Query(ctx context.Context, deviceIDs []string) ([]rdf.Triple, error)
}

// Actuator is a bridge that can act on the platform (Actuation). req is the
// Actuation request; the triples, if any, form the Response's payload.
type Actuator interface {
	Actuate(ctx context.Context, req *messages.Message) ([]rdf.Triple, error)
}

// Observer is a bridge that accepts observations from another platform,
// sent to it for a platform-to-platform subscription: PRM has rewritten
// their sosa:madeBySensor to one of this platform's (virtual) devices. The
// bridge forwards them to whoever subscribed to that device. No reply.
type Observer interface {
	Observe(ctx context.Context, obs *messages.Message) error
}

// Emitter carries what a bridge sends toward the hub on its own initiative
// (observations, device changes) to the platform's bridge_ipsmrm topic. It
// sets each message's SenderPlatformId to the bridge's platform and keys
// it by its ConversationID; the messages must carry a conversationID and
// a type. Emit publishes them in order and returns the first error. It
// encodes each message before publishing it and keeps nothing of msgs
// after it returns, so a bridge may reuse the messages (and their slices)
// of one batch for the next.
type Emitter interface {
	Emit(ctx context.Context, msgs ...*messages.Message) error
}

// Setup is what a Factory gets to make a bridge.
type Setup struct {
	// Platform is the registered platform's description.
	Platform Platform
	// Emitter sends the bridge's own messages to the hub.
	Emitter Emitter
	// Restored is true when the platform is being restored by a Sys_init
	// replay after a restart rather than registered: the bridge should
	// reconnect without registering with the platform again.
	Restored bool
	// Log is the bridge's logger, with the platformId field set.
	Log logrus.FieldLogger
}

// Factory makes the bridge of one platform. Factories are registered by
// platform type IRI in the explicit map the caller gives the Host. A
// factory may connect to the platform; it must not start anything that
// outlives a failed call.
type Factory func(ctx context.Context, s Setup) (Bridge, error)

// Platform describes a registered platform, as its Platform_register or
// Platform_update request does.
type Platform struct {
	ID                  string // the platform's IRI
	Type                string // the platform type IRI (mw:platformType)
	Name                string
	BaseEndpoint        string
	LocationID          string
	Username            string
	EncryptedPassword   string
	EncryptionAlgorithm string
	// Description is the request's whole payload, for bridges that need
	// more than the fields above.
	Description []rdf.Triple
}

// Device is one device as a request or a bridge describes it.
type Device struct {
	ID string // the device's IRI
	// Virtual reports a device typed mw:VirtualDevice: it has no sensor of
	// its own and is fed by platform-to-platform subscriptions.
	Virtual bool
	// Triples describe the device (its types, name, hosting platform, …)
	// in GOIoTP, with the device's IRI as subject.
	Triples []rdf.Triple
}

// Subscription is a Subscribe request as a bridge sees it.
type Subscription struct {
	ID        string // the subscription's conversationID
	ClientID  string
	DeviceIDs []string
	// Restored is true for a Sys_init replay after a restart.
	Restored bool
}
