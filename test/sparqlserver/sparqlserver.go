package sparqlserver

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// Server is a running SPARQL server process.
type Server struct {
	// URL is the /sparql endpoint.
	URL string
	// StoreURL takes bulk loads (POST an N-Quads body).
	StoreURL string
	cmd      *exec.Cmd
}

var installOnce sync.Once
var installErr error

// dir is the directory holding server.js and package.json.
func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

func install(d string) error {
	installOnce.Do(func() {
		if _, err := os.Stat(filepath.Join(d, "node_modules", "oxigraph")); err == nil {
			return
		}
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = d
		if out, err := cmd.CombinedOutput(); err != nil {
			installErr = fmt.Errorf("npm ci in %s: %v\n%s", d, err, out)
		}
	})
	return installErr
}

// Options configure Start.
type Options struct {
	// Username and Password, when set, make the server require basic auth.
	Username, Password string
}

// Start starts a server on a free port and stops it when the test ends. A
// server that cannot start fails the test under CI=true and skips it
// elsewhere, saying why.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	unavailable := func(format string, args ...any) {
		tb.Helper()
		if os.Getenv("CI") == "true" {
			tb.Fatalf("SPARQL test server unavailable (CI=true): "+format, args...)
		}
		tb.Skipf("SPARQL test server unavailable, skipping: "+format, args...)
	}
	if _, err := exec.LookPath("node"); err != nil {
		unavailable("node is not installed: %v", err)
	}
	d := dir()
	if err := install(d); err != nil {
		unavailable("%v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	args := []string{filepath.Join(d, "server.js"), fmt.Sprint(port)}
	if opts.Username != "" {
		args = append(args, "--user", opts.Username, "--password", opts.Password)
	}
	cmd := exec.Command("node", args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		unavailable("starting node: %v", err)
	}
	s := &Server{
		URL:      fmt.Sprintf("http://127.0.0.1:%d/sparql", port),
		StoreURL: fmt.Sprintf("http://127.0.0.1:%d/store", port),
		cmd:      cmd,
	}
	tb.Cleanup(s.stop)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/health", port), nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case <-ctx.Done():
			unavailable("the server did not answer on port %d", port)
			return s
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *Server) stop() {
	if s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}
