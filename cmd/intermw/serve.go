package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/intermw/intermw/services/triplestore/protocol"
)

// runServe starts the hub: the selected components over the configured
// broker and triplestore, and the HTTP endpoints.
func runServe(ctx context.Context, args []string, stderr io.Writer) error {
	cfg := defaultServeConfig()
	fs := flag.NewFlagSet("intermw serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	err := loadConfig(fs, args, &cfg, []option{
		stringOpt("listen", "INTERMW_LISTEN", "address of the REST API, metrics and health", &cfg.Listen),
		stringOpt("data", "INTERMW_DATA", "data directory", &cfg.Data),
		stringOpt("log-level", "INTERMW_LOG_LEVEL", "log level (debug, info, warn, error)", &cfg.LogLevel),
		durationOpt("shutdown-grace", "INTERMW_SHUTDOWN_GRACE", "time allowed to drain on SIGTERM", &cfg.ShutdownGrace),
		durationOpt("query-timeout", "INTERMW_QUERY_TIMEOUT", "bound on one SPARQL query or update", &cfg.QueryTimeout),
		stringOpt("components", "INTERMW_COMPONENTS", "components to run: all, or a subset of arm,prm,ipsmrm,services,bridges", &cfg.Components),
		stringOpt("broker", "INTERMW_BROKER", "broker URL (memory://, amqp://, kafka://, mqtt://, nats://)", &cfg.Broker),
		stringOpt("sparql", "INTERMW_SPARQL", "external SPARQL 1.1 query endpoint (default: the embedded store)", &cfg.SPARQL),
		stringOpt("sparql-update", "INTERMW_SPARQL_UPDATE", "external SPARQL 1.1 update endpoint (default: the query endpoint)", &cfg.SPARQLUpdate),
		stringOpt("sparql-user", "INTERMW_SPARQL_USER", "basic-auth user for the SPARQL endpoint", &cfg.SPARQLUser),
		stringOpt("sparql-password", "INTERMW_SPARQL_PASSWORD", "basic-auth password for the SPARQL endpoint", &cfg.SPARQLPassword),
		durationOpt("emulator-interval", "INTERMW_EMULATOR_INTERVAL", "MWTestPlatform: time between observations of a subscribed device", &cfg.EmulatorInterval),
		intOpt("emulator-devices", "INTERMW_EMULATOR_DEVICES", "MWTestPlatform: devices reported on discovery", &cfg.EmulatorDevices),
		stringOpt("ipsm", "INTERMW_IPSM", "semantic translation: embedded, none, or an external IPSM's broker URL (kafka://host:port)", &cfg.IPSM),
		durationOpt("ipsm-timeout", "INTERMW_IPSM_TIMEOUT", "external IPSM: bound on one translation", &cfg.IPSMTimeout),
		stringOpt("auth", "INTERMW_AUTH", "REST authentication: none (Client-ID header), basic or bearer", &cfg.Auth),
		stringOpt("htpasswd", "INTERMW_HTPASSWD", "basic auth: htpasswd-style file (user:sha256hex or user:bcrypt)", &cfg.HTPasswd),
		stringOpt("jwks-url", "INTERMW_JWKS_URL", "bearer auth: JWKS URL verifying JWTs", &cfg.JWKSURL),
		stringOpt("jwt-issuer", "INTERMW_JWT_ISSUER", "bearer auth: required iss claim", &cfg.JWTIssuer),
		stringOpt("jwt-audience", "INTERMW_JWT_AUDIENCE", "bearer auth: required aud claim", &cfg.JWTAudience),
		stringOpt("introspection-url", "INTERMW_INTROSPECTION_URL", "bearer auth: RFC 7662 token introspection endpoint", &cfg.IntrospectionURL),
		stringOpt("introspection-client-id", "INTERMW_INTROSPECTION_CLIENT_ID", "bearer auth: introspection client id", &cfg.IntrospectionClientID),
		stringOpt("introspection-client-secret", "INTERMW_INTROSPECTION_CLIENT_SECRET", "bearer auth: introspection client secret", &cfg.IntrospectionClientSecret),
		stringOpt("roles-claim", "INTERMW_ROLES_CLAIM", "bearer auth: claim holding roles", &cfg.RolesClaim),
		stringOpt("roles-file", "INTERMW_ROLES_FILE", "file of principal: role, role lines", &cfg.RolesFile),
		stringOpt("webhook-allow", "INTERMW_WEBHOOK_ALLOW", "private/loopback CIDRs push callbacks may target, comma-separated", &cfg.WebhookAllow),
		stringOpt("delivery-sync", "INTERMW_DELIVERY_SYNC", "client mailbox fsync policy: batch, interval or none", &cfg.DeliverySync),
		stringOpt("debug-listen", "INTERMW_DEBUG_LISTEN", "address serving /debug/pprof (loopback only; off when empty)", &cfg.DebugListen),
		durationOpt("request-timeout", "INTERMW_REQUEST_TIMEOUT", "how long a request waits for its platforms' replies", &cfg.RequestTimeout),
		boolOpt("strict-translation", "INTERMW_STRICT_TRANSLATION", "fail translations that would lose data", &cfg.StrictTranslation),
	})
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	log := newLogger(cfg.LogLevel, stderr)
	h, err := assemble(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer h.close()

	mux := http.NewServeMux()
	if h.arm != nil {
		// The ARM serves /api/..., /healthz, /readyz and /metrics.
		mux.Handle("/", h.arm.server)
	} else {
		health := func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
		}
		mux.HandleFunc("/healthz", health)
		mux.HandleFunc("/readyz", health)
	}
	if h.ipsm != nil {
		// The IPSM REST API at /ipsm, as ipsm-core clients expect, and at
		// /api/ipsm, where the hub's Swagger spec (basePath /api) puts it.
		mux.Handle("/ipsm/", http.StripPrefix("/ipsm", h.ipsm.Handler()))
		mux.Handle("/api/ipsm/", http.StripPrefix("/api/ipsm", h.ipsm.Handler()))
	}
	if h.engine != nil {
		sparqlHandler, err := protocol.NewHandler(protocol.Config{Store: h.engine, ReadOnly: true, Timeout: cfg.QueryTimeout, Log: log})
		if err != nil {
			return err
		}
		// Read-only: the registries change only through the hub.
		mux.Handle("/sparql", sparqlHandler)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if cfg.DebugListen != "" {
		dbg, err := debugServer(cfg.DebugListen)
		if err != nil {
			return err
		}
		defer dbg.Close()
	}
	serve := func(ctx context.Context) error {
		log.WithFields(map[string]any{"listen": ln.Addr().String(), "data": cfg.Data, "broker": redactURL(cfg.Broker), "components": cfg.Components}).
			Info("intermw serving")
		return serveHTTP(ctx, srv, ln, cfg.ShutdownGrace)
	}
	err = h.run(ctx, serve)
	log.Info("intermw stopped")
	return err
}
