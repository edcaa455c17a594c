package mqtt

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/intermw/intermw/broker"
)

// Config configures an MQTT broker. The zero value plus Servers is usable:
// New fills every other field with its default.
type Config struct {
	// Servers are the MQTT servers' URLs, tried in turn:
	// mqtt:// or tcp:// for plain TCP, mqtts://, ssl:// or tls:// for TLS.
	// Required.
	Servers []*url.URL

	// ClientID is this process's identity on the server; every MQTT client
	// ID the broker uses starts with it. It must differ between processes
	// connected at the same time (a second connection with the same ID
	// throws the first off) and should stay the same across restarts of
	// one process (a pod or unit name), so that a restarted process resumes
	// its sessions and gets the messages they hold. Default:
	// "intermw-{hostname}-{pid}", unique but not stable.
	ClientID string

	// KeepSessions makes Close and Drain keep each subscription's session
	// and shared subscription on the server, so that a process restarted
	// with the same ClientID resumes them with every message published
	// meanwhile. Set it only with a stable ClientID: the server goes on
	// giving a share of the group's messages to a kept session until it
	// expires, and those reach no one unless the same ClientID comes back.
	// Without it, Close and Drain leave the groups as Subscription.Close
	// does (unsubscribe and hand unfinished messages to the other members).
	KeepSessions bool

	// Username and Password authenticate to the server when Username is set.
	Username string
	Password string

	// Options are the delivery settings (MaxDeliveries, RedeliveryDelay,
	// Concurrency); zero fields take broker.Options' defaults.
	Options broker.Options

	// TopicPrefix is put in front of every topic name on the server, to keep
	// intermw's topics apart from others on a shared server ("intermw/").
	// Default none.
	TopicPrefix string

	// SessionExpiry is how long the server keeps a subscription's session
	// (its subscription and the messages queued for it) while it is
	// disconnected. Default 1h.
	SessionExpiry time.Duration

	// ReceiveMaximum is how many unacknowledged messages the server may
	// have in flight to one subscription. Default 100.
	ReceiveMaximum int

	// KeepAlive is the MQTT keep-alive period. Default 30s.
	KeepAlive time.Duration

	// ConnectTimeout bounds each connection attempt, and how long New waits
	// for the first connection. Default 5s.
	ConnectTimeout time.Duration

	// ReconnectMin and ReconnectMax bound the exponential backoff between
	// reconnection attempts. Defaults 100ms and 5s.
	ReconnectMin time.Duration
	ReconnectMax time.Duration
}

// Defaults for Config.
const (
	DefaultSessionExpiry  = time.Hour
	DefaultReceiveMaximum = 100
	DefaultKeepAlive      = 30 * time.Second
	DefaultConnectTimeout = 5 * time.Second
	DefaultReconnectMin   = 100 * time.Millisecond
	DefaultReconnectMax   = 5 * time.Second
)

func (c Config) withDefaults() Config {
	c.Options = c.Options.WithDefaults()
	if c.ClientID == "" {
		host, _ := os.Hostname()
		c.ClientID = fmt.Sprintf("intermw-%s-%d", host, os.Getpid())
	}
	setDefault(&c.SessionExpiry, DefaultSessionExpiry)
	setDefault(&c.ReceiveMaximum, DefaultReceiveMaximum)
	setDefault(&c.KeepAlive, DefaultKeepAlive)
	setDefault(&c.ConnectTimeout, DefaultConnectTimeout)
	setDefault(&c.ReconnectMin, DefaultReconnectMin)
	setDefault(&c.ReconnectMax, DefaultReconnectMax)
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
	if len(c.Servers) == 0 {
		errs = append(errs, errors.New("mqtt: Servers is empty"))
	}
	for _, u := range c.Servers {
		if u == nil {
			errs = append(errs, errors.New("mqtt: nil server URL"))
			continue
		}
		if _, ok := serverSchemes[strings.ToLower(u.Scheme)]; !ok {
			errs = append(errs, fmt.Errorf("mqtt: server %q: scheme %q is not one of mqtt, tcp, mqtts, ssl, tls", u, u.Scheme))
		}
		if u.Host == "" {
			errs = append(errs, fmt.Errorf("mqtt: server %q has no host", u))
		}
	}
	if err := c.Options.Validate(); err != nil {
		errs = append(errs, err)
	}
	if strings.ContainsAny(c.TopicPrefix, "+#\x00") || strings.HasPrefix(c.TopicPrefix, "$") {
		errs = append(errs, fmt.Errorf("mqtt: TopicPrefix %q has a wildcard or starts with $", c.TopicPrefix))
	}
	if strings.ContainsAny(c.ClientID, "/+#") {
		errs = append(errs, fmt.Errorf("mqtt: ClientID %q has one of / + #", c.ClientID))
	}
	durations := []struct {
		name string
		d    time.Duration
	}{
		{"SessionExpiry", c.SessionExpiry}, {"KeepAlive", c.KeepAlive}, {"ConnectTimeout", c.ConnectTimeout},
		{"ReconnectMin", c.ReconnectMin}, {"ReconnectMax", c.ReconnectMax},
	}
	for _, d := range durations {
		if d.d < 0 {
			errs = append(errs, fmt.Errorf("mqtt: %s is negative", d.name))
		}
	}
	if c.SessionExpiry > 0xFFFFFFFE*time.Second {
		errs = append(errs, errors.New("mqtt: SessionExpiry is longer than MQTT allows (about 136 years)"))
	}
	if c.KeepAlive > 0xFFFF*time.Second {
		errs = append(errs, errors.New("mqtt: KeepAlive is longer than 65535s"))
	}
	if c.ReceiveMaximum < 0 || c.ReceiveMaximum > 0xFFFF {
		errs = append(errs, fmt.Errorf("mqtt: ReceiveMaximum %d is outside 1..65535", c.ReceiveMaximum))
	}
	d := c.withDefaults()
	if d.ReconnectMin >= d.ReconnectMax {
		errs = append(errs, fmt.Errorf("mqtt: ReconnectMin (%s) must be shorter than ReconnectMax (%s)", d.ReconnectMin, d.ReconnectMax))
	}
	return errors.Join(errs...)
}

var serverSchemes = map[string]struct{}{"mqtt": {}, "tcp": {}, "mqtts": {}, "ssl": {}, "tls": {}}

// ConfigFromURL reads a Config from a URL of the form
//
//	mqtt://user:password@host:1883?client_id=hub-1&keep_sessions=true
//
// (or tcp://, mqtts://). Query parameters (all optional): client_id,
// keep_sessions (true/false), topic_prefix, receive_maximum, session_expiry, keep_alive,
// connect_timeout, reconnect_min, reconnect_max (durations in Go syntax,
// "30s"). The server URL keeps only scheme and host.
func ConfigFromURL(u *url.URL, opts broker.Options) (Config, error) {
	scheme := strings.ToLower(u.Scheme)
	if _, ok := serverSchemes[scheme]; !ok {
		return Config{}, fmt.Errorf("mqtt: URL scheme %q: %w", u.Scheme, broker.ErrUnknownScheme)
	}
	cfg := Config{
		Servers: []*url.URL{{Scheme: scheme, Host: u.Host}},
		Options: opts,
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
	}
	durations := map[string]*time.Duration{
		"session_expiry":  &cfg.SessionExpiry,
		"keep_alive":      &cfg.KeepAlive,
		"connect_timeout": &cfg.ConnectTimeout,
		"reconnect_min":   &cfg.ReconnectMin,
		"reconnect_max":   &cfg.ReconnectMax,
	}
	var errs []error
	for name, vals := range u.Query() {
		v := vals[len(vals)-1]
		switch {
		case name == "client_id":
			cfg.ClientID = v
		case name == "keep_sessions":
			keep, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("mqtt: URL parameter keep_sessions=%q: %w", v, err))
			}
			cfg.KeepSessions = keep
		case name == "topic_prefix":
			cfg.TopicPrefix = v
		case name == "receive_maximum":
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("mqtt: URL parameter receive_maximum=%q: %w", v, err))
			}
			cfg.ReceiveMaximum = n
		case durations[name] != nil:
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("mqtt: URL parameter %s=%q: %w", name, v, err))
			}
			*durations[name] = d
		default:
			errs = append(errs, fmt.Errorf("mqtt: unknown URL parameter %q", name))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return cfg, cfg.Validate()
}
