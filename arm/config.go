package arm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/arm/auth"
	"github.com/intermw/intermw/arm/conversation"
	"github.com/intermw/intermw/arm/delivery"
	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/services/registry"
	"github.com/intermw/intermw/services/triplestore"
)

// The small interfaces the ARM needs. *registry.Registry implements every
// registry interface, *conversation.Table Conversations and
// *delivery.Deliverer Delivery.

// Publisher publishes on the hub's topics (arm_prm, rest_api_{clientId},
// error).
type Publisher interface {
	Publish(ctx context.Context, topic string, m broker.Message) error
}

// Subscriber consumes prm_arm (Run only).
type Subscriber interface {
	Subscribe(ctx context.Context, topic, group string, h broker.Handler) (broker.Subscription, error)
}

// ClientStore is the client registry; the ARM is its only writer.
type ClientStore interface {
	RegisterClient(ctx context.Context, c registry.Client) error
	GetClient(ctx context.Context, clientID string) (registry.Client, error)
	ListClients(ctx context.Context) ([]registry.Client, error)
	UpdateClient(ctx context.Context, c registry.Client) error
	DeleteClient(ctx context.Context, clientID string) error
}

// PlatformReader reads the platform registry.
type PlatformReader interface {
	GetPlatform(ctx context.Context, platformID string) (registry.Platform, error)
	ListPlatforms(ctx context.Context) ([]registry.Platform, error)
}

// DeviceReader reads the device registry.
type DeviceReader interface {
	ListDevices(ctx context.Context, platformID string) ([]registry.IoTDevice, error)
	QueryDevices(ctx context.Context, f registry.DeviceFilter) ([]registry.IoTDevice, error)
	// DevicePlatforms maps each registered device of ids to its platform.
	DevicePlatforms(ctx context.Context, deviceIDs []string) (map[string]string, error)
}

// SubscriptionReader reads the subscription registries.
type SubscriptionReader interface {
	GetSubscription(ctx context.Context, conversationID string) (registry.Subscription, error)
	ListSubscriptions(ctx context.Context, clientID string) ([]registry.Subscription, error)
	GetP2PSubscription(ctx context.Context, conversationID string) (registry.PlatformToPlatformSubscription, error)
	ListP2PSubscriptions(ctx context.Context, clientID string) ([]registry.PlatformToPlatformSubscription, error)
}

// LocationStore is the location registry, which the API writes directly
// (locations are not a platform's business).
type LocationStore interface {
	AddLocationArea(ctx context.Context, a registry.LocationArea) error
	GetLocationArea(ctx context.Context, locationID string) (registry.LocationArea, error)
	ListLocationAreas(ctx context.Context, platformID string) ([]registry.LocationArea, error)
	UpdateLocationArea(ctx context.Context, a registry.LocationArea) error
	DeleteLocationArea(ctx context.Context, locationID string) error
	AddLocationPoint(ctx context.Context, p registry.LocationPoint) error
	GetLocationPoint(ctx context.Context, locationID string) (registry.LocationPoint, error)
	ListLocationPoints(ctx context.Context, platformID string) ([]registry.LocationPoint, error)
	UpdateLocationPoint(ctx context.Context, p registry.LocationPoint) error
	DeleteLocationPoint(ctx context.Context, locationID string) error
	PointsInArea(ctx context.Context, areaID string) ([]registry.LocationPoint, error)
}

// Discoverer runs read-only SPARQL over the registry (POST /query).
type Discoverer interface {
	Discovery(ctx context.Context, query string) (*triplestore.Result, error)
}

// Conversations is the persistent conversation → client routing table.
type Conversations interface {
	Open(ctx context.Context, r conversation.Record) error
	OnReply(ctx context.Context, conversationID, senderPlatform string) (conversation.Route, error)
	Close(ctx context.Context, conversationID string) error
	CloseClient(ctx context.Context, clientID string) (int, error)
	Expired(now time.Time) []conversation.Record
}

// Delivery holds the clients' mailboxes.
type Delivery interface {
	Upsert(ctx context.Context, c delivery.Client) error
	Remove(ctx context.Context, clientID string) error
	// Pull leases up to max entries; commit removes them once the answer
	// is written.
	Pull(ctx context.Context, clientID string, max int) ([]delivery.Entry, func() error, error)
	ServeSSE(w http.ResponseWriter, r *http.Request, clientID string)
	ListDeadLetters(ctx context.Context, clientID string) ([]delivery.DeadLetter, error)
	Replay(ctx context.Context, clientID string, ids []uint64) (int, error)
}

// queueStater is the optional Delivery ability behind the queue-depth
// gauges.
type queueStater interface {
	QueueStats() []delivery.QueueStat
}

// BodyValidator checks a request body against the API spec's schema of the
// operation (method and spec path, e.g. "/mw2mw/clients/{clientId}").
// *swagger.Validator implements it.
type BodyValidator interface {
	ValidateBody(method, specPath string, body []byte) error
}

// Defaults of Config.
const (
	DefaultRequestTimeout = 30 * time.Second
	DefaultQueryTimeout   = 10 * time.Second
	DefaultMaxBodyBytes   = 2 << 20
	DefaultExpiryInterval = time.Second
	// Group is the consumer group of the ARM on prm_arm.
	Group = "arm"
)

// Config configures the ARM.
type Config struct {
	// Broker publishes requests on arm_prm and replies on the clients'
	// rest_api_{clientId} topics. Required.
	Broker Publisher
	// Subscriber consumes prm_arm in Run. Required by Run only.
	Subscriber Subscriber
	// Codec encodes and decodes messages. Required.
	Codec *messages.Codec
	// Builder makes new messages. The zero Builder uses the clock and
	// random UUIDs.
	Builder messages.Builder

	// Registry parts. Required.
	Clients       ClientStore
	Platforms     PlatformReader
	Devices       DeviceReader
	Subscriptions SubscriptionReader
	Locations     LocationStore
	Discovery     Discoverer

	// Conversations routes replies to clients. Required.
	Conversations Conversations
	// Delivery holds the clients' mailboxes. Required.
	Delivery Delivery
	// WebhookAllow lists private networks push callbacks may target (the
	// delivery layer checks them again when it dials).
	WebhookAllow []netip.Prefix

	// Auth names the caller. Default auth.None (the Client-ID header).
	Auth auth.Authenticator
	// AdminRole is the role platform, device and location management
	// needs. Default auth.DefaultAdminRole.
	AdminRole string

	// Validator checks request bodies against the spec. Default: the
	// embedded Swagger spec (swagger.NewValidator).
	Validator BodyValidator

	// Metrics receives the ARM's collectors and is served at /metrics.
	// Default a fresh registry.
	Metrics *prometheus.Registry
	// Log is the ARM's logger. Default: discarded.
	Log logrus.FieldLogger

	// RequestTimeout is how long a request's conversation waits for its
	// replies before the client gets an Error. Default 30s.
	RequestTimeout time.Duration
	// QueryTimeout bounds the synchronous current-data calls
	// (GET /devices/data...). Default 10s.
	QueryTimeout time.Duration
	// MaxBodyBytes bounds a request body (413 beyond). Default 2 MiB.
	MaxBodyBytes int64
	// ExpiryInterval is how often Run looks for timed-out conversations.
	// Default 1s.
	ExpiryInterval time.Duration
	// Ready reports whether the hub can serve (/readyz); nil means ready
	// once Run consumes (or at once when Run is not used).
	Ready func(ctx context.Context) error
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	for _, f := range []struct {
		name    string
		missing bool
	}{
		{"Broker", c.Broker == nil}, {"Codec", c.Codec == nil}, {"Clients", c.Clients == nil},
		{"Platforms", c.Platforms == nil}, {"Devices", c.Devices == nil}, {"Subscriptions", c.Subscriptions == nil},
		{"Locations", c.Locations == nil}, {"Discovery", c.Discovery == nil},
		{"Conversations", c.Conversations == nil}, {"Delivery", c.Delivery == nil},
	} {
		if f.missing {
			errs = append(errs, fmt.Errorf("arm: %s is required", f.name))
		}
	}
	for name, d := range map[string]time.Duration{"RequestTimeout": c.RequestTimeout, "QueryTimeout": c.QueryTimeout, "ExpiryInterval": c.ExpiryInterval} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("arm: %s is negative", name))
		}
	}
	if c.MaxBodyBytes < 0 {
		errs = append(errs, errors.New("arm: MaxBodyBytes is negative"))
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	if c.Auth == nil {
		c.Auth = auth.None{}
	}
	if c.AdminRole == "" {
		c.AdminRole = auth.DefaultAdminRole
	}
	if c.Metrics == nil {
		c.Metrics = prometheus.NewRegistry()
	}
	if c.Log == nil {
		l := logrus.New()
		l.Out = discard{}
		c.Log = l
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.QueryTimeout == 0 {
		c.QueryTimeout = DefaultQueryTimeout
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.ExpiryInterval == 0 {
		c.ExpiryInterval = DefaultExpiryInterval
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Builder.Now == nil {
		c.Builder.Now = c.Now
	}
	return c
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
