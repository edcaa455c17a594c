package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
)

const usage = `intermw — a semantic interoperability hub for IoT platforms.

Usage:
  intermw serve [flags]               run the hub all-in-one
  intermw triplestore serve [flags]   run the embedded SPARQL store on its own
  intermw version

Run a command with -h for its flags.
`

var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "intermw:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stderr)
	case "triplestore":
		if len(args) < 2 || args[1] != "serve" {
			fmt.Fprint(stderr, usage)
			return errors.New(`the triplestore command takes "serve"`)
		}
		return runTriplestoreServe(ctx, args[2:], stderr)
	case "version":
		fmt.Fprintln(stdout, "intermw", version)
		return nil
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func parseLevel(s string) (logrus.Level, error) {
	l, err := logrus.ParseLevel(s)
	if err != nil {
		return 0, fmt.Errorf("logLevel %q: %w", s, err)
	}
	return l, nil
}

func newLogger(level string, out io.Writer) *logrus.Logger {
	log := logrus.New()
	log.SetOutput(out)
	log.SetFormatter(&logrus.TextFormatter{FullTimestamp: true})
	if l, err := parseLevel(level); err == nil {
		log.SetLevel(l)
	}
	return log
}

// serveHTTP runs srv on ln until ctx ends, then shuts it down gracefully
// within grace.
func serveHTTP(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
