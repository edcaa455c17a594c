package nats

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
)

// DefaultURL is the server Config.URL points at when left empty.
const DefaultURL = "nats://127.0.0.1:4222"

// Config configures a NATS JetStream broker.
type Config struct {
	// URL is the server URL (nats://, tls://; credentials in the userinfo),
	// or several separated by commas. Default DefaultURL.
	URL string

	// Options are the delivery settings (redeliveries, redelivery delay,
	// handlers per subscription). Zero fields take broker's defaults.
	Options broker.Options

	// Prefix starts every stream name ("{Prefix}_…") and subject
	// ("{Prefix}.…") the broker uses, so several hubs can share a server.
	// Default "intermw". Letters, digits, '-' and '_' only.
	Prefix string

	// Partitions is how many subjects each topic's messages are spread over
	// by key ("{Prefix}.{topic}.{partition}"). Only ordered groups consume
	// by partition: with OrderedGroups, every process using a topic must
	// agree on it. Default 16.
	Partitions int

	// OrderedGroups keeps per-key order within a group across all its
	// subscriptions: every group consumes each partition through its own
	// durable consumer with at most one unacknowledged message, so a key's
	// next message is not handed to anyone before the previous one was
	// acknowledged (or dead-lettered). The price: a partition's throughput
	// is one message per round trip, and a subscription that has fetched a
	// message it has no free handler for stalls that partition until it
	// gets to it. By default (false) a group has one durable consumer that
	// its subscriptions pull from competitively, and per-key order holds
	// within each subscription. All subscriptions of a group must agree.
	OrderedGroups bool

	// Prefetch is how many messages one subscription pulls ahead of its
	// handlers (unordered groups). Default 64.
	Prefetch int

	// MaxAckPending bounds the unacknowledged messages of an unordered
	// group, across all its subscriptions. Default 1024, and never less
	// than Prefetch.
	MaxAckPending int

	// AckWait is how long the server waits for a handler to finish before
	// it redelivers the message to the group. Default 30s.
	AckWait time.Duration

	// MaxAge is how long a stream keeps a message, consumed or not. Streams
	// use limits retention, not interest retention: a server that restarts
	// restores a stream before its consumers, and with interest retention
	// the messages published in between find no interest and are dropped
	// for every group (half of those published across a restart, in this
	// package's tests). So storage holds MaxAge of traffic, and a group
	// that consumes nothing for MaxAge loses what is older. It is set when
	// the broker creates a stream; existing streams keep theirs. Default
	// 24h.
	MaxAge time.Duration

	// MemoryStorage keeps streams in memory rather than on disk.
	MemoryStorage bool

	// RequestTimeout bounds one JetStream request (a publish, a stream or
	// consumer lookup or creation). A request unanswered by then is sent
	// again, which is what gets a publish through that went out just as
	// the server restarted and whose answer never comes. Default 3s.
	RequestTimeout time.Duration

	// ConnectTimeout bounds one connection attempt. Default 5s.
	ConnectTimeout time.Duration

	// ReconnectWait is the pause between reconnection attempts after the
	// server went away; nats.go adds jitter. Reconnection never gives up.
	// Default 250ms.
	ReconnectWait time.Duration

	// RetryMin and RetryMax bound the exponential backoff between publish
	// (and subscribe) retries while the server is away. Defaults 50ms, 2s.
	RetryMin time.Duration
	RetryMax time.Duration

	// Name is the connection name the server shows. Default "intermw".
	Name string
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.URL == "" {
		c.URL = DefaultURL
	}
	c.Options = c.Options.WithDefaults()
	if c.Prefix == "" {
		c.Prefix = "intermw"
	}
	if c.Partitions <= 0 {
		c.Partitions = 16
	}
	if c.MaxAge <= 0 {
		c.MaxAge = 24 * time.Hour
	}
	if c.Prefetch <= 0 {
		c.Prefetch = 64
	}
	if c.MaxAckPending <= 0 {
		c.MaxAckPending = 1024
	}
	if c.MaxAckPending < c.Prefetch {
		c.MaxAckPending = c.Prefetch
	}
	if c.AckWait <= 0 {
		c.AckWait = 30 * time.Second
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 3 * time.Second
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 5 * time.Second
	}
	if c.ReconnectWait <= 0 {
		c.ReconnectWait = 250 * time.Millisecond
	}
	if c.RetryMin <= 0 {
		c.RetryMin = 50 * time.Millisecond
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 2 * time.Second
	}
	if c.Name == "" {
		c.Name = "intermw"
	}
	return c
}

// Validate reports every problem with c at once. Zero values are valid:
// they take their defaults.
func (c Config) Validate() error {
	var errs []error
	if err := c.Options.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("nats: %w", err))
	}
	for i := 0; i < len(c.Prefix); i++ {
		ch := c.Prefix[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_') {
			errs = append(errs, fmt.Errorf("nats: Prefix %q: character %q not allowed", c.Prefix, ch))
			break
		}
	}
	if len(c.Prefix) > 32 {
		errs = append(errs, errors.New("nats: Prefix must not exceed 32 characters"))
	}
	if c.Partitions < 0 || c.Partitions > 1024 {
		errs = append(errs, errors.New("nats: Partitions must be between 0 and 1024"))
	}
	if c.Prefetch < 0 || c.MaxAckPending < 0 {
		errs = append(errs, errors.New("nats: Prefetch and MaxAckPending must not be negative"))
	}
	if c.AckWait < 0 {
		errs = append(errs, errors.New("nats: AckWait must not be negative"))
	}
	if c.AckWait > 0 && c.AckWait < time.Second {
		errs = append(errs, errors.New("nats: AckWait below 1s would redeliver messages still being handled"))
	}
	if c.MaxAge < 0 {
		errs = append(errs, errors.New("nats: MaxAge must not be negative"))
	}
	if c.RequestTimeout < 0 || c.ConnectTimeout < 0 || c.ReconnectWait < 0 || c.RetryMin < 0 || c.RetryMax < 0 {
		errs = append(errs, errors.New("nats: RequestTimeout, ConnectTimeout, ReconnectWait, RetryMin and RetryMax must not be negative"))
	}
	if c.RetryMin > 0 && c.RetryMax > 0 && c.RetryMin > c.RetryMax {
		errs = append(errs, errors.New("nats: RetryMin must not exceed RetryMax"))
	}
	return errors.Join(errs...)
}

// FromURL builds a broker from a nats:// URL, for broker.Open. The query may
// set prefix=, partitions=N, ordered_groups=true and ack_wait= (a Go
// duration); the query is removed before dialling.
func FromURL(ctx context.Context, u *url.URL, opts broker.Options, log logrus.FieldLogger) (broker.Broker, error) {
	cfg := Config{Options: opts}
	q := u.Query()
	var errs []error
	cfg.Prefix = q.Get("prefix")
	if s := q.Get("partitions"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("nats: partitions=%q: %w", s, err))
		}
		cfg.Partitions = n
	}
	if s := q.Get("ordered_groups"); s != "" {
		v, err := strconv.ParseBool(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("nats: ordered_groups=%q: %w", s, err))
		}
		cfg.OrderedGroups = v
	}
	if s := q.Get("ack_wait"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("nats: ack_wait=%q: %w", s, err))
		}
		cfg.AckWait = d
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	v := *u
	v.RawQuery = ""
	cfg.URL = v.String()
	b, err := New(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// storage is the stream storage type c asks for.
func (c Config) storage() jetstream.StorageType {
	if c.MemoryStorage {
		return jetstream.MemoryStorage
	}
	return jetstream.FileStorage
}
