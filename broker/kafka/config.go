package kafka

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/intermw/intermw/broker"
)

// Config configures a Kafka broker. The zero value plus Brokers is usable:
// New fills every other field with its default.
type Config struct {
	// Brokers are the bootstrap servers, "host:port" each. Required.
	Brokers []string

	// ClientID is sent to the servers in every request, so that operators
	// can tell intermw's connections apart. Default "intermw".
	ClientID string

	// Options are the delivery settings (MaxDeliveries, RedeliveryDelay,
	// Concurrency); zero fields take broker.Options' defaults.
	Options broker.Options

	// Partitions is the partition count of the topics this broker creates.
	// Competing consumers of one group share a topic's partitions, so a
	// group never has more busy members than this. Default 4.
	Partitions int

	// ReplicationFactor of the topics this broker creates. Default 1.
	ReplicationFactor int

	// DisableTopicCreation stops the broker from creating topics before it
	// publishes to or subscribes to them; the topics must then exist
	// already (or the servers must create them on first use).
	DisableTopicCreation bool

	// DialTimeout bounds each connection attempt and the reachability check
	// New makes. Default 5s.
	DialTimeout time.Duration

	// BatchTimeout is how long the producer waits to fill a batch before it
	// sends what it has. Publish waits for the produce to be acknowledged,
	// so this is also the floor of Publish's latency. Default 1ms.
	BatchTimeout time.Duration

	// MaxWait is the longest a fetch waits on the server for new messages.
	// Default 250ms.
	MaxWait time.Duration

	// HeartbeatInterval, SessionTimeout and RebalanceTimeout are the
	// consumer-group timings. A dead consumer's partitions move to another
	// member after SessionTimeout. Defaults 1s, 10s and 10s.
	HeartbeatInterval time.Duration
	SessionTimeout    time.Duration
	RebalanceTimeout  time.Duration

	// JoinGroupBackoff is the pause before a consumer rejoins its group
	// after an error. Default 500ms.
	JoinGroupBackoff time.Duration
}

// Defaults for Config.
const (
	DefaultClientID          = "intermw"
	DefaultPartitions        = 4
	DefaultReplicationFactor = 1
	DefaultDialTimeout       = 5 * time.Second
	DefaultBatchTimeout      = time.Millisecond
	DefaultMaxWait           = 250 * time.Millisecond
	DefaultHeartbeatInterval = time.Second
	DefaultSessionTimeout    = 10 * time.Second
	DefaultRebalanceTimeout  = 10 * time.Second
	DefaultJoinGroupBackoff  = 500 * time.Millisecond
)

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	c.Options = c.Options.WithDefaults()
	setDefault(&c.ClientID, DefaultClientID)
	setDefault(&c.Partitions, DefaultPartitions)
	setDefault(&c.ReplicationFactor, DefaultReplicationFactor)
	setDefault(&c.DialTimeout, DefaultDialTimeout)
	setDefault(&c.BatchTimeout, DefaultBatchTimeout)
	setDefault(&c.MaxWait, DefaultMaxWait)
	setDefault(&c.HeartbeatInterval, DefaultHeartbeatInterval)
	setDefault(&c.SessionTimeout, DefaultSessionTimeout)
	setDefault(&c.RebalanceTimeout, DefaultRebalanceTimeout)
	setDefault(&c.JoinGroupBackoff, DefaultJoinGroupBackoff)
	return c
}

func setDefault[T comparable](field *T, def T) {
	var zero T
	if *field == zero {
		*field = def
	}
}

// Validate reports every problem with c at once. Zero fields are valid:
// they take their defaults.
func (c Config) Validate() error {
	var errs []error
	if len(c.Brokers) == 0 {
		errs = append(errs, errors.New("kafka: Brokers is empty"))
	}
	for _, b := range c.Brokers {
		if _, port, ok := strings.Cut(b, ":"); !ok || port == "" || strings.TrimSpace(b) != b {
			errs = append(errs, fmt.Errorf("kafka: broker address %q is not host:port", b))
		}
	}
	if err := c.Options.Validate(); err != nil {
		errs = append(errs, err)
	}
	negative := map[string]int64{
		"Partitions":        int64(c.Partitions),
		"ReplicationFactor": int64(c.ReplicationFactor),
		"DialTimeout":       int64(c.DialTimeout),
		"BatchTimeout":      int64(c.BatchTimeout),
		"MaxWait":           int64(c.MaxWait),
		"HeartbeatInterval": int64(c.HeartbeatInterval),
		"SessionTimeout":    int64(c.SessionTimeout),
		"RebalanceTimeout":  int64(c.RebalanceTimeout),
		"JoinGroupBackoff":  int64(c.JoinGroupBackoff),
	}
	for _, name := range slices.Sorted(maps.Keys(negative)) {
		if negative[name] < 0 {
			errs = append(errs, fmt.Errorf("kafka: %s is negative", name))
		}
	}
	d := c.withDefaults()
	if d.HeartbeatInterval >= d.SessionTimeout {
		errs = append(errs, fmt.Errorf("kafka: HeartbeatInterval (%s) must be shorter than SessionTimeout (%s)", d.HeartbeatInterval, d.SessionTimeout))
	}
	return errors.Join(errs...)
}

// ConfigFromURL reads a Config from a URL of the form
//
//	kafka://host:port,host2:port?client_id=hub&partitions=8&replication_factor=3
//
// Query parameters (all optional): client_id, partitions,
// replication_factor, create_topics (true/false), dial_timeout,
// batch_timeout, max_wait, heartbeat_interval, session_timeout,
// rebalance_timeout, join_group_backoff (durations in Go syntax, "250ms").
func ConfigFromURL(u *url.URL, opts broker.Options) (Config, error) {
	if u.Scheme != "kafka" {
		return Config{}, fmt.Errorf("kafka: URL scheme %q: %w", u.Scheme, broker.ErrUnknownScheme)
	}
	if u.User != nil {
		return Config{}, errors.New("kafka: credentials in the URL are not supported (no SASL yet)")
	}
	cfg := Config{Options: opts}
	for _, h := range strings.Split(u.Host, ",") {
		if h != "" {
			cfg.Brokers = append(cfg.Brokers, h)
		}
	}
	q := u.Query()
	var errs []error
	ints := map[string]*int{"partitions": &cfg.Partitions, "replication_factor": &cfg.ReplicationFactor}
	durations := map[string]*time.Duration{
		"dial_timeout":       &cfg.DialTimeout,
		"batch_timeout":      &cfg.BatchTimeout,
		"max_wait":           &cfg.MaxWait,
		"heartbeat_interval": &cfg.HeartbeatInterval,
		"session_timeout":    &cfg.SessionTimeout,
		"rebalance_timeout":  &cfg.RebalanceTimeout,
		"join_group_backoff": &cfg.JoinGroupBackoff,
	}
	for name, vals := range q {
		v := vals[len(vals)-1]
		switch {
		case name == "client_id":
			cfg.ClientID = v
		case name == "create_topics":
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("kafka: URL parameter create_topics=%q: %w", v, err))
			}
			cfg.DisableTopicCreation = !b
		case ints[name] != nil:
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("kafka: URL parameter %s=%q: %w", name, v, err))
			}
			*ints[name] = n
		case durations[name] != nil:
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("kafka: URL parameter %s=%q: %w", name, v, err))
			}
			*durations[name] = d
		default:
			errs = append(errs, fmt.Errorf("kafka: unknown URL parameter %q", name))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return cfg, cfg.Validate()
}
