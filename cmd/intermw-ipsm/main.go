package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/backends"
	"github.com/intermw/intermw/ipsmrm"
	"github.com/intermw/intermw/ipsmrm/channels"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/alignment"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "intermw-ipsm:", err)
		}
		os.Exit(2)
	}
}

// config is the command's configuration, from its flags.
type config struct {
	Broker        string
	Alignments    string
	AlignmentsURL string
	PlatformTypes []string
	Channels      []channels.StaticChannel
	Group         string
	Strict        bool
	LogLevel      string
	Grace         time.Duration
	ReadyFile     string
}

// validate reports every problem at once.
func (c config) validate() error {
	var errs []error
	if c.Broker == "" {
		errs = append(errs, errors.New("--broker is required (kafka://host:port)"))
	}
	if (c.Alignments == "") == (c.AlignmentsURL == "") {
		errs = append(errs, errors.New("give exactly one of --alignments DIR and --alignments-url URL"))
	}
	if len(c.PlatformTypes) == 0 && len(c.Channels) == 0 {
		errs = append(errs, errors.New("give --platform-types or --channel: nothing to translate otherwise"))
	}
	if _, err := logrus.ParseLevel(c.LogLevel); err != nil {
		errs = append(errs, fmt.Errorf("--log-level: %w", err))
	}
	if c.Grace <= 0 {
		errs = append(errs, errors.New("--shutdown-grace must be positive"))
	}
	return errors.Join(errs...)
}

// channelFlag collects --channel values.
type channelFlag struct{ chs *[]channels.StaticChannel }

func (f channelFlag) String() string { return "" }

func (f channelFlag) Set(v string) error {
	parts := strings.Split(v, ",")
	if len(parts) != 4 {
		return fmt.Errorf("%q: want direction,platformType,input,output", v)
	}
	var ch channels.StaticChannel
	switch parts[0] {
	case "downstream":
		ch.Direction = ipsmrm.Downstream
	case "upstream":
		ch.Direction = ipsmrm.Upstream
	default:
		return fmt.Errorf("%q: direction must be downstream or upstream", v)
	}
	ch.PlatformType = parts[1]
	for i, id := range []*alignment.ID{&ch.Chain.Input, &ch.Chain.Output} {
		s := parts[2+i]
		if s == "" {
			continue
		}
		at := strings.LastIndex(s, "@")
		if at <= 0 || at == len(s)-1 {
			return fmt.Errorf("%q: alignment %q is not name@version", v, s)
		}
		id.Name, id.Version = s[:at], s[at+1:]
	}
	*f.chs = append(*f.chs, ch)
	return nil
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	cfg := config{Group: channels.DefaultServerGroup, LogLevel: "info", Grace: 15 * time.Second}
	fs := flag.NewFlagSet("intermw-ipsm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Broker, "broker", "", "broker URL of the IPSM topics (kafka://host:port,host:port; any intermw broker URL works)")
	fs.StringVar(&cfg.Alignments, "alignments", "", "directory of IPSM-AF alignments (*.rdf, *.xml, *.owl)")
	fs.StringVar(&cfg.AlignmentsURL, "alignments-url", "", "IPSM REST API to fetch alignments from (GET /alignments/{name}/{version})")
	types := fs.String("platform-types", "", "comma-separated platform type IRIs whose topics to serve")
	fs.Var(channelFlag{&cfg.Channels}, "channel", "a channel for requests that name no alignments: direction,platformType,inName@inVersion,outName@outVersion (repeatable)")
	fs.StringVar(&cfg.Group, "group", cfg.Group, "consumer group on the request topics")
	fs.BoolVar(&cfg.Strict, "strict", false, "fail translations that would lose data instead of warning")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "log level (debug, info, warn, error)")
	fs.DurationVar(&cfg.Grace, "shutdown-grace", cfg.Grace, "time allowed to finish requests under way on SIGTERM")
	fs.StringVar(&cfg.ReadyFile, "ready-file", "", "file written once every topic is consumed (for supervisors and tests)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, t := range strings.Split(*types, ",") {
		if t = strings.TrimSpace(t); t != "" {
			cfg.PlatformTypes = append(cfg.PlatformTypes, t)
		}
	}
	return cfg, cfg.validate()
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	log := logrus.New()
	log.SetOutput(stderr)
	log.SetFormatter(&logrus.TextFormatter{FullTimestamp: true})
	level, _ := logrus.ParseLevel(cfg.LogLevel)
	log.SetLevel(level)

	var aligns channels.Alignments
	if cfg.Alignments != "" {
		lib, err := channels.LoadDir(cfg.Alignments, alignment.Options{})
		if err != nil {
			return err
		}
		for _, id := range lib.IDs() {
			log.WithField("alignment", id.String()).Info("alignment loaded")
		}
		aligns = lib
	} else if aligns, err = channels.NewHTTPAlignments(channels.HTTPConfig{BaseURL: cfg.AlignmentsURL}); err != nil {
		return err
	}
	codec, err := messages.New(messages.Config{})
	if err != nil {
		return err
	}
	b, err := broker.Open(ctx, cfg.Broker, backends.All(), broker.Options{}, log.WithField("component", "broker"))
	if err != nil {
		return fmt.Errorf("broker: %w", err)
	}
	defer b.Close()
	srv, err := channels.NewServer(channels.ServerConfig{Broker: b, Codec: codec, Alignments: aligns,
		PlatformTypes: cfg.PlatformTypes, Channels: cfg.Channels, Group: cfg.Group, Strict: cfg.Strict,
		Log: log})
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Run(runCtx) }()
	select {
	case <-srv.Ready():
		log.Info("intermw-ipsm ready")
		if cfg.ReadyFile != "" {
			if err := os.WriteFile(cfg.ReadyFile, []byte("ready\n"), 0o644); err != nil {
				return err
			}
		}
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	// Drain: finish and commit the requests under way, then stop.
	log.Info("draining")
	drainCtx, drainCancel := context.WithTimeout(context.Background(), cfg.Grace)
	defer drainCancel()
	drainErr := b.Drain(drainCtx)
	cancel()
	if err := <-done; err != nil {
		return err
	}
	if drainErr != nil {
		return fmt.Errorf("drain: %w", drainErr)
	}
	log.Info("intermw-ipsm stopped")
	return nil
}
