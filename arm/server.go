package arm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/arm/auth"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/swagger"
)

// APIPrefix is where the INTER-MW REST API lives.
const APIPrefix = "/api/mw2mw"

// access says who may call a route.
type access uint8

const (
	// anyone authenticated (in none mode: anyone).
	accessAny access = iota
	// a caller that names a client (its principal).
	accessClient
	// a caller with the admin role (location management).
	accessAdmin
	// a caller with the admin role that names a client, to whom the
	// platform's answers go (platform and device management).
	accessAdminClient
)

// route is one operation of the API.
type route struct {
	method string
	// path is the spec path (relative to /api) with Go ServeMux wildcards,
	// which use the spec's parameter names.
	path   string
	access access
	handle func(*call) error
}

// Route is a registered operation: what the contract test compares with the
// spec.
type Route struct {
	Method string
	// Path is relative to the spec's basePath (/api), e.g.
	// /mw2mw/clients/{clientId}.
	Path string
}

// Server is the ARM: the REST API handler and the prm_arm consumer (Run).
type Server struct {
	cfg     Config
	log     logrus.FieldLogger
	mux     *http.ServeMux
	routes  []route
	metrics *metrics
	valid   BodyValidator

	running   atomic.Bool
	ready     chan struct{}
	readyOnce sync.Once

	// waiters receive the replies of synchronous calls (current data),
	// by conversationID, instead of the client's queue.
	wmu     sync.Mutex
	waiters map[string]chan []byte
}

// New validates cfg and builds the ARM. It starts nothing.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, log: cfg.Log.WithField("component", "arm"), mux: http.NewServeMux(), waiters: map[string]chan []byte{}, ready: make(chan struct{})}
	if cfg.Validator != nil {
		s.valid = cfg.Validator
	} else {
		v, err := swagger.NewValidator()
		if err != nil {
			return nil, err
		}
		s.valid = v
	}
	m, err := newMetrics(cfg.Metrics, cfg.Delivery, cfg.Conversations)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	s.routes = s.apiRoutes()
	for _, rt := range s.routes {
		s.mux.Handle(rt.method+" /api"+rt.path, s.wrap(rt))
	}
	docs, err := swagger.Handler()
	if err != nil {
		return nil, err
	}
	s.mux.Handle("GET "+swagger.SpecURL, docs)
	s.mux.Handle("GET "+swagger.UIPath, docs)
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(cfg.Metrics, promhttp.HandlerOpts{}))
	// Anything else under the API is a JSON 404 (or 405), not a text page.
	s.mux.HandleFunc(APIPrefix+"/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, notFound("no route %s %s", r.Method, r.URL.EscapedPath()))
	})
	return s, nil
}

// Ready is closed once Run consumes prm_arm.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Close is a no-op: the ARM holds nothing beyond Run, which stops with its
// context. It exists for the component lifecycle and is idempotent.
func (s *Server) Close() error { return nil }

// Routes returns the API's operations.
func (s *Server) Routes() []Route {
	out := make([]Route, len(s.routes))
	for i, r := range s.routes {
		out[i] = Route{Method: r.method, Path: r.path}
	}
	return out
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// An API route that exists with another method: a JSON 405.
	if strings.HasPrefix(r.URL.Path, APIPrefix) {
		if _, pattern := s.mux.Handler(r); pattern == "" || pattern == APIPrefix+"/" {
			if allowed := s.allowed(r); allowed != "" {
				w.Header().Set("Allow", allowed)
				writeJSON(w, http.StatusMethodNotAllowed, ErrorBody{Error: "method_not_allowed", Message: r.Method + " is not allowed here"})
				return
			}
		}
	}
	s.mux.ServeHTTP(w, r)
}

// allowed lists the methods registered for r's path.
func (s *Server) allowed(r *http.Request) string {
	var ms []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := s.mux.Handler(probe); p != "" && p != APIPrefix+"/" {
			ms = append(ms, m)
		}
	}
	return strings.Join(ms, ", ")
}

// call is one API request being served.
type call struct {
	s  *Server
	w  http.ResponseWriter
	r  *http.Request
	rt *route
	p  auth.Principal
	// body is the request body, read (within the limit) and validated
	// against the spec before the handler runs.
	body []byte
}

func (c *call) ctx() context.Context { return c.r.Context() }

// path returns an unescaped path parameter.
func (c *call) path(name string) string { return c.r.PathValue(name) }

// client returns the caller's clientId.
func (c *call) client() string { return c.p.ID }

// decode reads the JSON body into v; unknown fields are allowed (INTER-MW
// clients send more than we read), type mismatches are not.
func (c *call) decode(v any) error {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return badRequest("a JSON body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(c.body))
	if err := dec.Decode(v); err != nil {
		return badRequest("malformed JSON body: %v", err)
	}
	if dec.More() {
		return badRequest("the body holds more than one JSON value")
	}
	return nil
}

func (c *call) json(status int, v any) error {
	writeJSON(c.w, status, v)
	return nil
}

func (c *call) accepted(conversationID string) error {
	return c.json(http.StatusAccepted, AsyncResponse{ConversationID: conversationID})
}

// AsyncResponse is the 202 answer of calls that reach a platform.
type AsyncResponse struct {
	ConversationID string `json:"conversationId"`
}

// statusWriter records the status for metrics and logs.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets SSE flush through the wrapper.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// wrap is the middleware of every API route: metrics, panics, auth,
// access, body limit and validation, then the handler and the error table.
func (s *Server) wrap(rt route) http.Handler {
	label := rt.method + " /api" + rt.path
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w := &statusWriter{ResponseWriter: rw}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.WithFields(logrus.Fields{"route": label, "panic": fmt.Sprint(p)}).Error("handler panicked")
				if w.status == 0 {
					s.writeError(w, r, fmt.Errorf("internal error"))
				}
			}
			status := w.status
			if status == 0 {
				status = http.StatusOK
			}
			s.metrics.observeHTTP(label, status, time.Since(start))
		}()
		c := &call{s: s, w: w, r: r, rt: &rt}
		if err := s.admit(c); err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := c.rt.handle(c); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// admit authenticates, checks access, and reads and validates the body.
func (s *Server) admit(c *call) error {
	p, err := s.cfg.Auth.Authenticate(c.r)
	if err != nil {
		if ch := s.cfg.Auth.Challenge(); ch != "" && errors.Is(err, auth.ErrUnauthenticated) {
			c.w.Header().Set("WWW-Authenticate", ch)
		}
		return err
	}
	c.p = p
	switch c.rt.access {
	case accessClient:
		if p.ID == "" {
			return ErrNoClient
		}
	case accessAdmin, accessAdminClient:
		if c.rt.access == accessAdminClient && p.ID == "" {
			return ErrNoClient
		}
		if !p.Has(s.cfg.AdminRole) {
			return fmt.Errorf("%w: this call needs the %q role", auth.ErrForbidden, s.cfg.AdminRole)
		}
	}
	if c.r.Method == http.MethodPost || c.r.Method == http.MethodPut {
		body, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, s.cfg.MaxBodyBytes))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return fmt.Errorf("%w: the limit is %d bytes", ErrBodyTooLarge, s.cfg.MaxBodyBytes)
			}
			return badRequest("reading the body: %v", err)
		}
		c.body = body
		if ct := c.r.Header.Get("Content-Type"); ct != "" && len(body) > 0 {
			if err := checkMediaType(ct, c.rt); err != nil {
				return err
			}
		}
		if err := s.valid.ValidateBody(c.rt.method, c.rt.path, body); err != nil {
			return err
		}
	}
	return nil
}

// checkMediaType refuses bodies in a media type the route does not read.
func checkMediaType(ct string, rt *route) error {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("%w: %q", ErrUnsupportedMediaType, ct)
	}
	var ok []string
	switch rt.path {
	case "/mw2mw/query":
		ok = []string{"text/plain", "application/sparql-query"}
	case "/mw2mw/requests":
		ok = []string{"application/ld+json", "application/json"}
	default:
		ok = []string{"application/json"}
	}
	for _, o := range ok {
		if mt == o {
			return nil
		}
	}
	return fmt.Errorf("%w: %s (want %s)", ErrUnsupportedMediaType, mt, strings.Join(ok, " or "))
}

// writeError answers err through the error table as a JSON Error body.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, code := statusOf(err)
	msg := err.Error()
	if status >= 500 {
		s.log.WithError(err).WithFields(logrus.Fields{"method": r.Method, "path": r.URL.EscapedPath()}).Error("request failed")
		if status == http.StatusInternalServerError {
			msg = "internal error"
		}
	}
	writeJSON(w, status, ErrorBody{Error: code, Message: msg})
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	var err error
	switch {
	case s.cfg.Ready != nil:
		err = s.cfg.Ready(r.Context())
	case s.cfg.Subscriber != nil && !s.running.Load():
		err = errors.New("not consuming prm_arm yet")
	}
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, ErrorBody{Error: "not_ready", Message: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// encode is Codec.Encode.
func (s *Server) encode(m *messages.Message) ([]byte, error) { return s.cfg.Codec.Encode(m) }
