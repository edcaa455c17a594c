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

	"github.com/intermw/intermw/services/triplestore/engine"
	"github.com/intermw/intermw/services/triplestore/protocol"
)

type triplestoreConfig struct {
	Listen        string        `yaml:"listen"`
	Data          string        `yaml:"data"`
	LogLevel      string        `yaml:"logLevel"`
	ReadOnly      bool          `yaml:"readOnly"`
	QueryTimeout  time.Duration `yaml:"queryTimeout"`
	ShutdownGrace time.Duration `yaml:"shutdownGrace"`
}

// runTriplestoreServe serves the embedded engine at /sparql.
func runTriplestoreServe(ctx context.Context, args []string, stderr io.Writer) error {
	cfg := triplestoreConfig{Listen: "127.0.0.1:7878", Data: "./data/triplestore", LogLevel: "info",
		QueryTimeout: 30 * time.Second, ShutdownGrace: 15 * time.Second}
	fs := flag.NewFlagSet("intermw triplestore serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	err := loadConfig(fs, args, &cfg, []option{
		stringOpt("listen", "INTERMW_TRIPLESTORE_LISTEN", "address of the SPARQL endpoint", &cfg.Listen),
		stringOpt("data", "INTERMW_TRIPLESTORE_DATA", "data directory (write-ahead log and snapshots)", &cfg.Data),
		stringOpt("log-level", "INTERMW_LOG_LEVEL", "log level", &cfg.LogLevel),
		boolOpt("read-only", "INTERMW_TRIPLESTORE_READ_ONLY", "refuse updates", &cfg.ReadOnly),
		durationOpt("query-timeout", "INTERMW_QUERY_TIMEOUT", "bound on one query or update", &cfg.QueryTimeout),
	})
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel, stderr)
	if _, err := parseLevel(cfg.LogLevel); err != nil {
		return err
	}
	store, err := engine.Open(engine.Config{Dir: cfg.Data, Timeout: cfg.QueryTimeout, Log: log.WithField("component", "triplestore")})
	if err != nil {
		return fmt.Errorf("opening the store in %s: %w", cfg.Data, err)
	}
	defer store.Close()
	h, err := protocol.NewHandler(protocol.Config{Store: store, ReadOnly: cfg.ReadOnly, Timeout: cfg.QueryTimeout, Log: log})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/sparql", h)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
	})
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	log.WithFields(map[string]any{"listen": ln.Addr().String(), "data": cfg.Data}).Info("SPARQL endpoint ready at /sparql")
	fmt.Fprintf(stderr, "listening on %s\n", ln.Addr())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	err = serveHTTP(ctx, srv, ln, cfg.ShutdownGrace)
	log.Info("SPARQL endpoint stopped")
	return err
}
