package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/intermw/intermw/services/triplestore/engine"
	"github.com/intermw/intermw/services/triplestore/protocol"
)

// runServe starts the hub all-in-one. Today it assembles what exists: the
// embedded triplestore (persisted under --data) with its SPARQL endpoint,
// and the health endpoints. The REST API and the message pipeline are
// added by the hub issue.
func runServe(ctx context.Context, args []string, stderr io.Writer) error {
	cfg := defaultServeConfig()
	fs := flag.NewFlagSet("intermw serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	err := loadConfig(fs, args, &cfg, []option{
		stringOpt("listen", "INTERMW_LISTEN", "address of the REST API, SPARQL endpoint, metrics and health", &cfg.Listen),
		stringOpt("data", "INTERMW_DATA", "data directory", &cfg.Data),
		stringOpt("log-level", "INTERMW_LOG_LEVEL", "log level (debug, info, warn, error)", &cfg.LogLevel),
		durationOpt("shutdown-grace", "INTERMW_SHUTDOWN_GRACE", "time allowed to drain on SIGTERM", &cfg.ShutdownGrace),
		durationOpt("query-timeout", "INTERMW_QUERY_TIMEOUT", "bound on one SPARQL query or update", &cfg.QueryTimeout),
	})
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	log := newLogger(cfg.LogLevel, stderr)
	storeDir := filepath.Join(cfg.Data, "triplestore")
	store, err := engine.Open(engine.Config{Dir: storeDir, Timeout: cfg.QueryTimeout, Log: log.WithField("component", "triplestore")})
	if err != nil {
		return fmt.Errorf("opening the triplestore in %s: %w", storeDir, err)
	}
	defer store.Close()
	sparqlHandler, err := protocol.NewHandler(protocol.Config{Store: store, Timeout: cfg.QueryTimeout, Log: log})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/sparql", sparqlHandler)
	health := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
	}
	mux.HandleFunc("/healthz", health)
	mux.HandleFunc("/readyz", health)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]string{
			"error":   "not found",
			"message": "no such endpoint; this build serves /sparql, /healthz and /readyz (the REST API under /api/mw2mw is not assembled yet)",
		})
	})
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	log.WithFields(map[string]any{"listen": ln.Addr().String(), "data": cfg.Data}).
		Info("intermw serving: SPARQL at /sparql, health at /healthz; the REST API and message pipeline are not assembled in this build yet")
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	err = serveHTTP(ctx, srv, ln, cfg.ShutdownGrace)
	log.Info("intermw stopped")
	return err
}
