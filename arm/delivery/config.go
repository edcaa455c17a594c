package delivery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
	"github.com/sirupsen/logrus"
)

// Sentinel errors callers branch on.
var (
	ErrUnknownClient  = errors.New("unknown client")
	ErrInvalidConfig  = errors.New("invalid delivery configuration")
	ErrInvalidClient  = errors.New("invalid client delivery settings")
	ErrClosed         = errors.New("delivery closed")
	ErrTooLarge       = errors.New("message too large for a mailbox")
	ErrWebhookRefused = errors.New("webhook target refused")
)

// Format is a client's responseFormat.
type Format uint8

// The response formats of INTER-MW 2.5.
const (
	FormatJSONLD Format = iota + 1 // JSON_LD: the message as JSON-LD
	FormatJSON                     // JSON: simplified DTOs (RenderJSON)
)

func (f Format) String() string {
	switch f {
	case FormatJSONLD:
		return "JSON_LD"
	case FormatJSON:
		return "JSON"
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// ContentType is the Content-Type of a batch in this format.
func (f Format) ContentType() string {
	if f == FormatJSON {
		return "application/json"
	}
	return "application/ld+json"
}

// ParseFormat reads "JSON_LD" or "JSON".
func ParseFormat(s string) (Format, bool) {
	switch s {
	case "JSON_LD":
		return FormatJSONLD, true
	case "JSON":
		return FormatJSON, true
	}
	return 0, false
}

// Mode is a client's responseDelivery.
type Mode uint8

// The delivery modes of INTER-MW 2.5.
const (
	ModePull Mode = iota + 1 // CLIENT_PULL
	ModePush                 // SERVER_PUSH
)

func (m Mode) String() string {
	switch m {
	case ModePull:
		return "CLIENT_PULL"
	case ModePush:
		return "SERVER_PUSH"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// ParseMode reads "CLIENT_PULL" or "SERVER_PUSH".
func ParseMode(s string) (Mode, bool) {
	switch s {
	case "CLIENT_PULL":
		return ModePull, true
	case "SERVER_PUSH":
		return ModePush, true
	}
	return 0, false
}

// Client is what delivery needs to know of a registered client.
type Client struct {
	ID          string
	CallbackURL string // required for ModePush
	// ReceivingCapacity is the largest batch pushed or pulled at once;
	// values below 1 mean Config.DefaultCapacity.
	ReceivingCapacity int
	Format            Format
	Mode              Mode
}

// Validate checks the client's settings (the callback URL against allow
// when the client is pushed to).
func (c Client) Validate(allow []netip.Prefix) error {
	var errs []error
	if c.ID == "" {
		errs = append(errs, fmt.Errorf("%w: empty client id", ErrInvalidClient))
	}
	if c.Format != FormatJSON && c.Format != FormatJSONLD {
		errs = append(errs, fmt.Errorf("%w: responseFormat %v", ErrInvalidClient, c.Format))
	}
	switch c.Mode {
	case ModePull:
	case ModePush:
		if err := ValidateCallbackURL(c.CallbackURL, allow); err != nil {
			errs = append(errs, err)
		}
	default:
		errs = append(errs, fmt.Errorf("%w: responseDelivery %v", ErrInvalidClient, c.Mode))
	}
	return errors.Join(errs...)
}

// ClientDirectory lists the registered clients. The Deliverer reads it once
// when Run starts; afterwards the owner of the registry tells it of changes
// with Deliverer.Upsert and Deliverer.Remove.
type ClientDirectory interface {
	List(ctx context.Context) ([]Client, error)
}

// SyncPolicy says when appends reach the disk.
type SyncPolicy uint8

// The fsync policies.
const (
	// SyncBatch (the default): an append returns, and so the broker
	// message is acknowledged, only once it is fsynced; concurrent appends
	// share one fsync (group commit).
	SyncBatch SyncPolicy = iota + 1
	// SyncInterval: an append returns once written to the file (it
	// survives a crash of the process); a background loop fsyncs every
	// SyncInterval, so a power loss can lose that much.
	SyncInterval
	// SyncNone never fsyncs (tests, benchmarks).
	SyncNone
)

func (p SyncPolicy) String() string {
	switch p {
	case SyncBatch:
		return "batch"
	case SyncInterval:
		return "interval"
	case SyncNone:
		return "none"
	}
	return fmt.Sprintf("SyncPolicy(%d)", uint8(p))
}

// ParseSyncPolicy reads "batch", "interval" or "none".
func ParseSyncPolicy(s string) (SyncPolicy, bool) {
	for _, p := range []SyncPolicy{SyncBatch, SyncInterval, SyncNone} {
		if p.String() == s {
			return p, true
		}
	}
	return 0, false
}

// PushConfig tunes SERVER_PUSH delivery.
type PushConfig struct {
	// MaxAttempts is how many times a batch is posted before it goes to
	// the dead-letter list. Default 8.
	MaxAttempts int
	// InitialBackoff is the pause after the first failure; it doubles per
	// failure up to MaxBackoff, with ±50% jitter. Defaults 200ms and 30s.
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	// Timeout bounds one POST. Default 10s.
	Timeout time.Duration
}

// Config configures a Deliverer.
type Config struct {
	// Dir holds one directory per client. Required.
	Dir string
	// Broker is where rest_api_{clientId} is consumed. Required.
	Broker broker.Subscriber
	// Directory lists the clients when Run starts. Required.
	Directory ClientDirectory
	// Group is the consumer group. Default "arm-delivery".
	Group string
	// Codec decodes messages for the JSON format. Default messages.New.
	Codec *messages.Codec
	// Log receives lifecycle messages; nil discards them.
	Log logrus.FieldLogger
	// Metrics receives delivery events; nil discards them. See
	// NewPrometheusMetrics, and Deliverer.Collector for queue depths.
	Metrics Metrics

	// Sync is the fsync policy. Default SyncBatch.
	Sync SyncPolicy
	// SyncInterval is the fsync period of SyncInterval. Default 10ms.
	SyncInterval time.Duration
	// SegmentBytes is the size at which a mailbox starts a new segment
	// file. Default 16 MiB.
	SegmentBytes int64
	// MaxBytesPerClient bounds the message bytes waiting in one mailbox;
	// past it the oldest entries go to the dead-letter list. Default 256 MiB.
	MaxBytesPerClient int64
	// MaxDeadLetters bounds one client's dead-letter list; past it the
	// oldest dead letters are dropped, counted and logged. Default 10000.
	MaxDeadLetters int
	// DefaultCapacity is the batch size for clients without a
	// receivingCapacity. Default 100.
	DefaultCapacity int
	// LeaseTimeout returns pulled entries that were never committed to the
	// queue (as does the end of the Pull's context). Default 1 minute.
	LeaseTimeout time.Duration

	Push PushConfig
	// WebhookAllow lists private or loopback networks push may reach.
	WebhookAllow []netip.Prefix
	// SSEKeepAlive is the period of SSE keepalive comments. Default 15s.
	SSEKeepAlive time.Duration
}

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...))
	}
	if c.Dir == "" {
		bad("Dir is required")
	}
	if c.Broker == nil {
		bad("Broker is required")
	}
	if c.Directory == nil {
		bad("Directory is required")
	}
	if c.Group != "" {
		if err := broker.ValidateGroup(c.Group); err != nil {
			bad("Group: %v", err)
		}
	}
	if c.Sync > SyncNone {
		bad("unknown Sync policy %d", c.Sync)
	}
	for name, v := range map[string]int64{
		"SyncInterval": int64(c.SyncInterval), "SegmentBytes": c.SegmentBytes,
		"MaxBytesPerClient": c.MaxBytesPerClient, "MaxDeadLetters": int64(c.MaxDeadLetters),
		"DefaultCapacity": int64(c.DefaultCapacity), "LeaseTimeout": int64(c.LeaseTimeout),
		"Push.MaxAttempts": int64(c.Push.MaxAttempts), "Push.InitialBackoff": int64(c.Push.InitialBackoff),
		"Push.MaxBackoff": int64(c.Push.MaxBackoff), "Push.Timeout": int64(c.Push.Timeout),
		"SSEKeepAlive": int64(c.SSEKeepAlive),
	} {
		if v < 0 {
			bad("%s must not be negative", name)
		}
	}
	if c.Push.MaxBackoff > 0 && c.Push.InitialBackoff > c.Push.MaxBackoff {
		bad("Push.InitialBackoff exceeds Push.MaxBackoff")
	}
	for _, p := range c.WebhookAllow {
		if !p.IsValid() {
			bad("WebhookAllow holds an invalid prefix")
		}
	}
	return errors.Join(errs...)
}

// withDefaults fills zero fields; the one place defaults live.
func (c Config) withDefaults() (Config, error) {
	if c.Group == "" {
		c.Group = "arm-delivery"
	}
	if c.Codec == nil {
		codec, err := messages.New(messages.Config{})
		if err != nil {
			return c, err
		}
		c.Codec = codec
	}
	if c.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		c.Log = l
	}
	if c.Metrics == nil {
		c.Metrics = nopMetrics{}
	}
	if c.Sync == 0 {
		c.Sync = SyncBatch
	}
	if c.SyncInterval == 0 {
		c.SyncInterval = 10 * time.Millisecond
	}
	if c.SegmentBytes == 0 {
		c.SegmentBytes = 16 << 20
	}
	if c.MaxBytesPerClient == 0 {
		c.MaxBytesPerClient = 256 << 20
	}
	if c.MaxDeadLetters == 0 {
		c.MaxDeadLetters = 10000
	}
	if c.DefaultCapacity == 0 {
		c.DefaultCapacity = 100
	}
	if c.LeaseTimeout == 0 {
		c.LeaseTimeout = time.Minute
	}
	if c.Push.MaxAttempts == 0 {
		c.Push.MaxAttempts = 8
	}
	if c.Push.InitialBackoff == 0 {
		c.Push.InitialBackoff = 200 * time.Millisecond
	}
	if c.Push.MaxBackoff == 0 {
		c.Push.MaxBackoff = 30 * time.Second
	}
	if c.Push.Timeout == 0 {
		c.Push.Timeout = 10 * time.Second
	}
	if c.SSEKeepAlive == 0 {
		c.SSEKeepAlive = 15 * time.Second
	}
	return c, nil
}

// NoSync reports whether fsync is off altogether.
func (c *Config) NoSync() bool { return c.Sync == SyncNone }
