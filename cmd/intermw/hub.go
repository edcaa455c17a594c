package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/sirupsen/logrus"
	"golang.org/x/sync/errgroup"

	"github.com/intermw/intermw/bridges"
	"github.com/intermw/intermw/bridges/emulator"
	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/backends"
	"github.com/intermw/intermw/broker/metered"
	"github.com/intermw/intermw/ipsmrm"
	"github.com/intermw/intermw/ipsmrm/channels"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/alignment"
	"github.com/intermw/intermw/ontology/ipsm"
	"github.com/intermw/intermw/prm"
	"github.com/intermw/intermw/services"
	"github.com/intermw/intermw/services/registry"
	"github.com/intermw/intermw/services/triplestore"
	"github.com/intermw/intermw/services/triplestore/engine"
)

// Component names accepted by --components.
var allComponents = []string{"arm", "prm", "ipsmrm", "services", "bridges"}

func parseComponents(s string) (map[string]bool, error) {
	out := map[string]bool{}
	if s == "" || s == "all" {
		for _, c := range allComponents {
			out[c] = true
		}
		return out, nil
	}
	var errs []error
	for _, c := range strings.Split(s, ",") {
		c = strings.TrimSpace(c)
		known := false
		for _, k := range allComponents {
			known = known || k == c
		}
		if !known {
			errs = append(errs, fmt.Errorf("unknown component %q (known: %s)", c, strings.Join(allComponents, ", ")))
			continue
		}
		out[c] = true
	}
	return out, errors.Join(errs...)
}

// hub holds the assembled components of one process.
type hub struct {
	log        *logrus.Logger
	codec      *messages.Codec
	broker     broker.Broker
	store      triplestore.Store
	engine     *engine.Engine // nil with a remote store
	registry   *registry.Registry
	factories  map[string]bridges.Factory
	components map[string]bool

	services   *services.Services
	ipsm       *ipsm.Service     // the embedded semantic mediator
	channelMgr *channels.Manager // IPSMRM's translation channels
	prm        *prm.PRM
	ipsmrm     *ipsmrm.IPSMRM
	host       *bridges.Host
	arm        *armParts

	metrics *prometheus.Registry

	closers []io.Closer
}

// platformFactories is the explicit registry of the platform types this
// binary hosts.
func platformFactories(cfg serveConfig) (map[string]bridges.Factory, error) {
	emu, err := emulator.NewFactory(emulator.Config{ObservationInterval: cfg.EmulatorInterval, DeviceCount: cfg.EmulatorDevices})
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	return map[string]bridges.Factory{
		"http://inter-iot.eu/MWTestPlatform": emu,
	}, nil
}

// assemble opens the shared resources and builds every selected component.
// Nothing runs until run is called.
func assemble(ctx context.Context, cfg serveConfig, log *logrus.Logger) (*hub, error) {
	comps, err := parseComponents(cfg.Components)
	if err != nil {
		return nil, err
	}
	h := &hub{log: log, components: comps}
	ok := false
	defer func() {
		if !ok {
			h.close()
		}
	}()
	if h.codec, err = messages.New(messages.Config{}); err != nil {
		return nil, err
	}
	raw, err := broker.Open(ctx, cfg.Broker, backends.All(), broker.Options{}, log.WithField("component", "broker"))
	if err != nil {
		return nil, fmt.Errorf("broker %s: %w", redactURL(cfg.Broker), err)
	}
	h.own(raw)
	// One registry for every component's metrics, served by the ARM at
	// /metrics; the broker counts every component's traffic.
	h.metrics = prometheus.NewRegistry()
	h.metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if h.broker, err = metered.New(raw, h.metrics); err != nil {
		return nil, err
	}
	if cfg.SPARQL != "" {
		remote, err := triplestore.NewRemote(triplestore.RemoteConfig{QueryURL: cfg.SPARQL, UpdateURL: cfg.SPARQLUpdate,
			Username: cfg.SPARQLUser, Password: cfg.SPARQLPassword, Timeout: cfg.QueryTimeout})
		if err != nil {
			return nil, err
		}
		if err := remote.Ping(ctx); err != nil {
			return nil, fmt.Errorf("SPARQL endpoint %s: %w", cfg.SPARQL, err)
		}
		h.store = remote
		h.own(remote)
	} else {
		dir := filepath.Join(cfg.Data, "triplestore")
		e, err := engine.Open(engine.Config{Dir: dir, Timeout: cfg.QueryTimeout, Log: log.WithField("component", "triplestore")})
		if err != nil {
			return nil, fmt.Errorf("opening the triplestore in %s: %w", dir, err)
		}
		h.engine, h.store = e, e
		h.own(e)
	}
	if h.registry, err = registry.New(registry.Config{Store: h.store, Log: log.WithField("component", "registry")}); err != nil {
		return nil, err
	}
	if h.factories, err = platformFactories(cfg); err != nil {
		return nil, err
	}
	if comps["services"] {
		if h.services, err = services.New(services.Config{Broker: h.broker, Registry: h.registry, Codec: h.codec,
			Log: log.WithField("component", "services")}); err != nil {
			return nil, err
		}
		h.own(h.services)
	}
	if comps["bridges"] {
		if h.host, err = bridges.NewHost(bridges.Config{Broker: h.broker, Codec: h.codec, Factories: h.factories,
			Log: log.WithField("component", "bridges")}); err != nil {
			return nil, err
		}
		h.own(h.host)
	}
	if comps["ipsmrm"] || comps["arm"] {
		// The mediator's alignments and channels live in the hub's store;
		// ARM serves its REST API under /ipsm, IPSMRM translates with it.
		inUse := func(id alignment.ID) bool { return h.channelMgr != nil && h.channelMgr.Uses(id) }
		if h.ipsm, err = ipsm.New(ctx, ipsm.Config{Store: h.store, Codec: h.codec, Strict: cfg.StrictTranslation,
			InUse: inUse, Log: log.WithField("component", "ipsm")}); err != nil {
			return nil, fmt.Errorf("semantic mediator: %w", err)
		}
	}
	if comps["ipsmrm"] {
		ic := ipsmrm.Config{Broker: h.broker, Codec: h.codec, Platforms: registryPlatforms{h.registry},
			Log: log.WithField("component", "ipsmrm")}
		if cfg.IPSM != "none" {
			mgr, err := h.channels(ctx, cfg, log)
			if err != nil {
				return nil, err
			}
			ic.Translator = mgr
			h.channelMgr = mgr
		}
		if h.ipsmrm, err = ipsmrm.New(ic); err != nil {
			return nil, err
		}
		h.own(h.ipsmrm)
	}
	if comps["prm"] {
		if h.prm, err = prm.New(prm.Config{Broker: h.broker, Codec: h.codec, PlatformTypes: h.platformTypes,
			P2P: registryP2P{h.registry}, Replay: registryReplay{h.registry}, Log: log.WithField("component", "prm")}); err != nil {
			return nil, err
		}
		h.own(h.prm)
	}
	if comps["arm"] {
		if err := h.buildARM(ctx, cfg, log); err != nil {
			return nil, err
		}
	}
	ok = true
	return h, nil
}

// channels builds IPSMRM's translation channels: alignments come from the
// embedded mediator's store (uploaded through /ipsm); translation runs
// in-process, or on an external IPSM reached over the broker --ipsm names.
func (h *hub) channels(ctx context.Context, cfg serveConfig, log *logrus.Logger) (*channels.Manager, error) {
	mc := channels.Config{Alignments: mediatorAlignments{h.ipsm}, Strict: cfg.StrictTranslation, Log: log.WithField("component", "channels")}
	if cfg.IPSM != "embedded" {
		ext, err := broker.Open(ctx, cfg.IPSM, backends.All(), broker.Options{}, log.WithField("component", "ipsm-broker"))
		if err != nil {
			return nil, fmt.Errorf("external IPSM %s: %w", redactURL(cfg.IPSM), err)
		}
		h.own(ext)
		mc.External = &channels.ExternalConfig{Broker: ext, Codec: h.codec, Errors: h.broker, Timeout: cfg.IPSMTimeout}
	}
	mgr, err := channels.New(mc)
	if err != nil {
		return nil, err
	}
	h.own(mgr)
	return mgr, nil
}

func (h *hub) platformTypes() []string {
	types := make([]string, 0, len(h.factories))
	for t := range h.factories {
		types = append(types, t)
	}
	sort.Strings(types)
	return types
}

// runner is a component's lifecycle.
type runner interface {
	Run(ctx context.Context) error
	Ready() <-chan struct{}
}

// run starts the components in dependency order, consumers before
// producers, so that no message is published to a topic before its
// consumers have subscribed (the memory broker drops such messages). It
// returns when ctx ends or a component fails.
func (h *hub) run(ctx context.Context, serve func(ctx context.Context) error) error {
	g, ctx := errgroup.WithContext(ctx)
	start := func(name string, r runner) error {
		g.Go(func() error {
			if err := r.Run(ctx); err != nil && ctx.Err() == nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			return nil
		})
		select {
		case <-r.Ready():
			h.log.WithField("component", name).Info("component ready")
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	order := []struct {
		name string
		r    runner
		on   bool
	}{
		{"bridges", h.host, h.host != nil},
		{"ipsmrm", h.ipsmrm, h.ipsmrm != nil},
		{"services", readyServices{h.services}, h.services != nil},
		{"prm", h.prm, h.prm != nil},
	}
	if h.arm != nil {
		order = append(order,
			struct {
				name string
				r    runner
				on   bool
			}{"delivery", h.arm.delivery, true},
			struct {
				name string
				r    runner
				on   bool
			}{"arm", h.arm.server, true})
	}
	for _, c := range order {
		if !c.on {
			continue
		}
		if err := start(c.name, c.r); err != nil {
			g.Wait()
			return err
		}
	}
	if serve != nil {
		g.Go(func() error { return serve(ctx) })
	}
	return g.Wait()
}

// close releases everything assemble opened, in reverse order.
func (h *hub) close() {
	for i := len(h.closers) - 1; i >= 0; i-- {
		h.closers[i].Close()
	}
	h.closers = nil
}

// own records a resource for close.
func (h *hub) own(c io.Closer) { h.closers = append(h.closers, c) }

// readyServices gives Services, which is ready once Run has subscribed, the
// runner shape.
type readyServices struct{ s *services.Services }

func (r readyServices) Run(ctx context.Context) error { return r.s.Run(ctx) }

func (r readyServices) Ready() <-chan struct{} {
	if rr, ok := any(r.s).(interface{ Ready() <-chan struct{} }); ok {
		return rr.Ready()
	}
	ch := make(chan struct{})
	close(ch)
	return ch
}

func redactURL(raw string) string {
	if i := strings.Index(raw, "@"); i >= 0 {
		if j := strings.Index(raw, "://"); j >= 0 && j < i {
			return raw[:j+3] + "…@" + raw[i+1:]
		}
	}
	return raw
}
