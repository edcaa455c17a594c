package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// serveConfig is the configuration of `intermw serve`.
type serveConfig struct {
	Listen        string        `yaml:"listen"`
	Data          string        `yaml:"data"`
	LogLevel      string        `yaml:"logLevel"`
	ShutdownGrace time.Duration `yaml:"shutdownGrace"`
	QueryTimeout  time.Duration `yaml:"queryTimeout"`
	// Components this process runs: "all" or a comma-separated subset of
	// arm, prm, ipsmrm, services, bridges.
	Components string `yaml:"components"`
	// Broker is the broker URL: memory://, amqp://…, kafka://…, mqtt://…,
	// nats://….
	Broker string `yaml:"broker"`
	// SPARQL is an external SPARQL 1.1 endpoint for the registries; empty
	// means the embedded store in Data.
	SPARQL         string `yaml:"sparql"`
	SPARQLUpdate   string `yaml:"sparqlUpdate"`
	SPARQLUser     string `yaml:"sparqlUser"`
	SPARQLPassword string `yaml:"sparqlPassword"`
	// EmulatorInterval is the MWTestPlatform's time between two
	// observations of a subscribed device; EmulatorDevices the size of its
	// inventory.
	EmulatorInterval time.Duration `yaml:"emulatorInterval"`
	EmulatorDevices  int           `yaml:"emulatorDevices"`
	// StrictTranslation fails a translation that would lose data instead
	// of passing it on with a warning.
	StrictTranslation bool `yaml:"strictTranslation"`
	// IPSM is where semantic translation runs: "embedded" (in process),
	// "none" (no translation), or the broker URL of an external IPSM
	// (kafka://host:port,…). IPSMTimeout bounds one external translation.
	IPSM        string        `yaml:"ipsm"`
	IPSMTimeout time.Duration `yaml:"ipsmTimeout"`

	// Auth is the REST API's authentication: none (the Client-ID header;
	// the default on loopback only), basic or bearer, with its settings.
	Auth                      string `yaml:"auth"`
	HTPasswd                  string `yaml:"htpasswd"`
	JWKSURL                   string `yaml:"jwksUrl"`
	JWTIssuer                 string `yaml:"jwtIssuer"`
	JWTAudience               string `yaml:"jwtAudience"`
	IntrospectionURL          string `yaml:"introspectionUrl"`
	IntrospectionClientID     string `yaml:"introspectionClientId"`
	IntrospectionClientSecret string `yaml:"introspectionClientSecret"`
	RolesClaim                string `yaml:"rolesClaim"`
	RolesFile                 string `yaml:"rolesFile"`
	// WebhookAllow lists private or loopback CIDRs push callbacks may
	// target (comma-separated).
	WebhookAllow string `yaml:"webhookAllow"`
	// DeliverySync is when client mailboxes reach the disk: batch (fsync
	// before the broker ack), interval (fsync every 10ms) or none.
	DeliverySync string `yaml:"deliverySync"`
	// RequestTimeout is how long a request's conversation waits for its
	// platforms' replies before the client gets an Error.
	RequestTimeout time.Duration `yaml:"requestTimeout"`
	// DebugListen, when set, serves Go's pprof profiles on that address
	// (keep it on loopback).
	DebugListen string `yaml:"debugListen"`
}

func defaultServeConfig() serveConfig {
	return serveConfig{
		Listen:           "127.0.0.1:8080",
		Data:             "./data",
		LogLevel:         "info",
		ShutdownGrace:    15 * time.Second,
		QueryTimeout:     30 * time.Second,
		Components:       "all",
		Broker:           "memory://",
		EmulatorInterval: time.Second,
		EmulatorDevices:  5,
		IPSM:             "embedded",
		IPSMTimeout:      10 * time.Second,
		Auth:             "none",
		DeliverySync:     "interval",
		RequestTimeout:   30 * time.Second,
	}
}

// Validate reports every problem at once.
func (c serveConfig) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("listen %q: %v", c.Listen, err))
	}
	if c.Data == "" {
		errs = append(errs, errors.New("data: a data directory is required"))
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	if c.ShutdownGrace <= 0 {
		errs = append(errs, errors.New("shutdownGrace must be positive"))
	}
	if c.QueryTimeout < 0 {
		errs = append(errs, errors.New("queryTimeout may not be negative"))
	}
	if _, err := parseComponents(c.Components); err != nil {
		errs = append(errs, err)
	}
	if c.Broker == "" {
		errs = append(errs, errors.New("broker: a broker URL is required (memory:// for all-in-one)"))
	}
	if c.IPSM == "" {
		errs = append(errs, errors.New(`ipsm: "embedded", "none" or an external IPSM's broker URL`))
	}
	if c.IPSMTimeout <= 0 {
		errs = append(errs, errors.New("ipsmTimeout must be positive"))
	}
	if c.EmulatorInterval <= 0 || c.EmulatorDevices < 0 {
		errs = append(errs, errors.New("emulatorInterval must be positive and emulatorDevices not negative"))
	}
	return errors.Join(errs...)
}

// option binds one setting to its flag, environment variable and YAML key.
type option struct {
	flag, env, usage string
	set              func(string) error
	get              func() string
}

// loadConfig fills cfg from the YAML file (if --config or INTERMW_CONFIG
// names one), then the environment, then the flags.
func loadConfig(fs *flag.FlagSet, args []string, cfg any, opts []option) error {
	configPath := fs.String("config", os.Getenv("INTERMW_CONFIG"), "YAML configuration file (env INTERMW_CONFIG)")
	values := map[string]*string{}
	for _, o := range opts {
		values[o.flag] = fs.String(o.flag, o.get(), o.usage+" (env "+o.env+")")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *configPath != "" {
		data, err := os.ReadFile(*configPath)
		if err != nil {
			return fmt.Errorf("config file: %w", err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		if err := dec.Decode(cfg); err != nil {
			return fmt.Errorf("config file %s: %w", *configPath, err)
		}
	}
	setByFlag := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { setByFlag[f.Name] = true })
	var errs []error
	for _, o := range opts {
		v, fromEnv := os.LookupEnv(o.env)
		switch {
		case setByFlag[o.flag]:
			v = *values[o.flag]
		case fromEnv:
		default:
			continue
		}
		if err := o.set(v); err != nil {
			errs = append(errs, fmt.Errorf("--%s / %s: %w", o.flag, o.env, err))
		}
	}
	return errors.Join(errs...)
}

func stringOpt(name, env, usage string, p *string) option {
	return option{flag: name, env: env, usage: usage,
		set: func(s string) error { *p = s; return nil },
		get: func() string { return *p }}
}

func durationOpt(name, env, usage string, p *time.Duration) option {
	return option{flag: name, env: env, usage: usage,
		set: func(s string) error {
			d, err := time.ParseDuration(s)
			if err != nil {
				return err
			}
			*p = d
			return nil
		},
		get: func() string { return p.String() }}
}

func boolOpt(name, env, usage string, p *bool) option {
	return option{flag: name, env: env, usage: usage,
		set: func(s string) error {
			v, err := strconv.ParseBool(s)
			if err != nil {
				return err
			}
			*p = v
			return nil
		},
		get: func() string { return strconv.FormatBool(*p) }}
}

func intOpt(name, env, usage string, p *int) option {
	return option{flag: name, env: env, usage: usage,
		set: func(s string) error {
			v, err := strconv.Atoi(s)
			if err != nil {
				return err
			}
			*p = v
			return nil
		},
		get: func() string { return strconv.Itoa(*p) }}
}
