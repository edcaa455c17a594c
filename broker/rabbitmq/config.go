package rabbitmq

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
)

// DefaultURL is the server Config.URL points at when left empty.
const DefaultURL = "amqp://guest:guest@127.0.0.1:5672/"

// Config configures a RabbitMQ broker.
type Config struct {
	// URL is the server's AMQP 0-9-1 URI (amqp:// or amqps://, with
	// credentials and vhost). Default DefaultURL.
	URL string

	// Options are the delivery settings (redeliveries, redelivery delay,
	// handlers per subscription). Zero fields take broker's defaults.
	Options broker.Options

	// Prefetch is how many unacknowledged deliveries the server hands one
	// subscription at a time (basic.qos). Default 64, and never less than
	// Options.Concurrency.
	Prefetch int

	// SingleActiveConsumer declares each group's queue with RabbitMQ's
	// single active consumer: one subscription of the group receives
	// everything and the others stand by to take over when it goes away.
	// That keeps per-key (indeed total) order within the group however many
	// subscriptions it has, at the price of competing consumers sharing no
	// load. By default (false) a group's subscriptions share its queue
	// round-robin and per-key order holds within each subscription. A queue
	// keeps the mode it was declared with: changing it needs the queue
	// deleted first.
	SingleActiveConsumer bool

	// DialTimeout bounds one connection attempt. Default 5s.
	DialTimeout time.Duration

	// Heartbeat is the AMQP heartbeat interval. Default 10s.
	Heartbeat time.Duration

	// ReconnectMin and ReconnectMax bound the exponential backoff between
	// reconnection attempts (and publish retries) after the server went
	// away. Defaults 100ms and 5s.
	ReconnectMin time.Duration
	ReconnectMax time.Duration

	// TLS configures amqps connections; nil uses the system roots.
	TLS *tls.Config
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.URL == "" {
		c.URL = DefaultURL
	}
	c.Options = c.Options.WithDefaults()
	if c.Prefetch <= 0 {
		c.Prefetch = 64
	}
	if c.Prefetch < c.Options.Concurrency {
		c.Prefetch = c.Options.Concurrency
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 5 * time.Second
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = 10 * time.Second
	}
	if c.ReconnectMin <= 0 {
		c.ReconnectMin = 100 * time.Millisecond
	}
	if c.ReconnectMax <= 0 {
		c.ReconnectMax = 5 * time.Second
	}
	return c
}

// Validate reports every problem with c at once. Zero values are valid:
// they take their defaults.
func (c Config) Validate() error {
	var errs []error
	if c.URL != "" {
		if _, err := amqp.ParseURI(c.URL); err != nil {
			errs = append(errs, fmt.Errorf("rabbitmq: URL: %w", err))
		}
	}
	if err := c.Options.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("rabbitmq: %w", err))
	}
	if c.Prefetch < 0 || c.Prefetch > 65535 {
		errs = append(errs, errors.New("rabbitmq: Prefetch must be between 0 and 65535"))
	}
	if c.DialTimeout < 0 {
		errs = append(errs, errors.New("rabbitmq: DialTimeout must not be negative"))
	}
	if c.Heartbeat < 0 {
		errs = append(errs, errors.New("rabbitmq: Heartbeat must not be negative"))
	}
	if c.ReconnectMin < 0 || c.ReconnectMax < 0 {
		errs = append(errs, errors.New("rabbitmq: ReconnectMin and ReconnectMax must not be negative"))
	}
	if c.ReconnectMin > 0 && c.ReconnectMax > 0 && c.ReconnectMin > c.ReconnectMax {
		errs = append(errs, errors.New("rabbitmq: ReconnectMin must not exceed ReconnectMax"))
	}
	return errors.Join(errs...)
}

// FromURL builds a broker from a URL (amqp or amqps scheme), for broker.Open.
// Besides what AMQP URIs carry, the query may set prefetch=N and
// single_active_consumer=true; they are removed before dialling.
func FromURL(ctx context.Context, u *url.URL, opts broker.Options, log logrus.FieldLogger) (broker.Broker, error) {
	cfg := Config{Options: opts}
	v := *u
	q := v.Query()
	var errs []error
	if s := q.Get("prefetch"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("rabbitmq: prefetch=%q: %w", s, err))
		}
		cfg.Prefetch = n
	}
	if s := q.Get("single_active_consumer"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("rabbitmq: single_active_consumer=%q: %w", s, err))
		}
		cfg.SingleActiveConsumer = b
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	q.Del("prefetch")
	q.Del("single_active_consumer")
	v.RawQuery = q.Encode()
	cfg.URL = v.String()
	b, err := New(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	return b, nil
}
