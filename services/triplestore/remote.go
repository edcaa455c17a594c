package triplestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/intermw/intermw/ontology/rdf"
)

// ErrRemote is wrapped by errors a remote endpoint reports.
var ErrRemote = errors.New("sparql endpoint error")

// RemoteError is an error answer of a SPARQL endpoint.
type RemoteError struct {
	Status int
	Body   string
}

func (e *RemoteError) Error() string {
	return fmt.Sprintf("sparql endpoint answered %d: %s", e.Status, e.Body)
}

// Unwrap maps the status to the sentinel callers branch on.
func (e *RemoteError) Unwrap() error {
	switch {
	case e.Status == http.StatusBadRequest:
		return ErrSyntax
	case e.Status == http.StatusNotImplemented:
		return ErrUnsupported
	case e.Status == http.StatusServiceUnavailable || e.Status == http.StatusGatewayTimeout:
		return ErrTimeout
	}
	return ErrRemote
}

// RemoteConfig configures a client of a SPARQL 1.1 Protocol endpoint.
type RemoteConfig struct {
	// QueryURL is the query endpoint, e.g. http://host:3030/ds/sparql.
	QueryURL string
	// UpdateURL is the update endpoint; empty means QueryURL.
	UpdateURL string
	// Username and Password enable HTTP basic auth when Username is set.
	Username, Password string
	// Timeout bounds each request; default 30s.
	Timeout time.Duration
	// Retries is how often an idempotent query is retried after a network
	// error or a 5xx answer; default 2. Updates are never retried.
	Retries int
	// RetryBackoff is the first pause between retries, doubled each time;
	// default 100ms.
	RetryBackoff time.Duration
	// Client is the HTTP client; default a client with Timeout.
	Client *http.Client
	// MaxResponseBytes bounds a response body; default 256 MiB.
	MaxResponseBytes int64
}

// Validate reports every problem with the configuration.
func (c RemoteConfig) Validate() error {
	var errs []error
	check := func(name, raw string, required bool) {
		if raw == "" {
			if required {
				errs = append(errs, fmt.Errorf("%s is required", name))
			}
			return
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s %q is not an http(s) URL", name, raw))
		}
	}
	check("QueryURL", c.QueryURL, true)
	check("UpdateURL", c.UpdateURL, false)
	if c.Timeout < 0 || c.Retries < 0 || c.RetryBackoff < 0 || c.MaxResponseBytes < 0 {
		errs = append(errs, errors.New("Timeout, Retries, RetryBackoff and MaxResponseBytes may not be negative"))
	}
	if c.Password != "" && c.Username == "" {
		errs = append(errs, errors.New("Password is set without Username"))
	}
	return errors.Join(errs...)
}

func (c RemoteConfig) withDefaults() RemoteConfig {
	if c.UpdateURL == "" {
		c.UpdateURL = c.QueryURL
	}
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	if c.Retries == 0 {
		c.Retries = 2
	}
	if c.RetryBackoff == 0 {
		c.RetryBackoff = 100 * time.Millisecond
	}
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = 256 << 20
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: c.Timeout}
	}
	return c
}

// Remote is a Store backed by a SPARQL 1.1 Protocol endpoint.
type Remote struct {
	cfg    RemoteConfig
	closed atomic.Bool
}

// NewRemote returns a client for the endpoint in cfg. It does not contact
// the endpoint; call Ping to check it is there.
func NewRemote(cfg RemoteConfig) (*Remote, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("triplestore: remote config: %w", err)
	}
	return &Remote{cfg: cfg.withDefaults()}, nil
}

const queryAccept = "application/sparql-results+json, application/sparql-results+xml;q=0.9, application/n-triples;q=0.8, text/turtle;q=0.7"

// Ping asks the endpoint a trivial query.
func (r *Remote) Ping(ctx context.Context) error {
	res, err := r.Query(ctx, "ASK {}")
	if err != nil {
		return err
	}
	return res.Close()
}

// Query sends a query and decodes the answer by its content type.
func (r *Remote) Query(ctx context.Context, query string) (*Result, error) {
	if r.closed.Load() {
		return nil, ErrClosed
	}
	form := url.Values{"query": {query}}.Encode()
	var lastErr error
	backoff := r.cfg.RetryBackoff
	for attempt := 0; attempt <= r.cfg.Retries; attempt++ {
		if attempt > 0 {
			pause := backoff/2 + rand.N(backoff/2+1)
			select {
			case <-ctx.Done():
				return nil, r.ctxErr(ctx)
			case <-time.After(pause):
			}
			backoff *= 2
		}
		res, retry, err := r.queryOnce(ctx, form)
		if err == nil {
			return res, nil
		}
		lastErr = err
		if !retry || ctx.Err() != nil {
			break
		}
	}
	if ctx.Err() != nil {
		return nil, r.ctxErr(ctx)
	}
	return nil, lastErr
}

func (r *Remote) ctxErr(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: %v", ErrTimeout, ctx.Err())
	}
	return ctx.Err()
}

func (r *Remote) queryOnce(ctx context.Context, form string) (res *Result, retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.cfg.QueryURL, strings.NewReader(form))
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", queryAccept)
	r.auth(req)
	resp, err := r.cfg.Client.Do(req)
	if err != nil {
		return nil, true, fmt.Errorf("%w: %v", ErrRemote, err)
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, r.cfg.MaxResponseBytes+1)
	if resp.StatusCode/100 != 2 {
		return nil, resp.StatusCode >= 500, remoteError(resp.StatusCode, body)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, true, fmt.Errorf("%w: reading answer: %v", ErrRemote, err)
	}
	if int64(len(data)) > r.cfg.MaxResponseBytes {
		return nil, false, fmt.Errorf("%w: answer larger than %d bytes", ErrResultTooBig, r.cfg.MaxResponseBytes)
	}
	res, err = decodeAnswer(resp.Header.Get("Content-Type"), data)
	return res, false, err
}

// decodeAnswer reads a query answer by its media type.
func decodeAnswer(contentType string, data []byte) (*Result, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "application/sparql-results+json", "application/json":
		return DecodeJSONResults(bytes.NewReader(data))
	case "application/sparql-results+xml", "application/xml", "text/xml":
		return DecodeXMLResults(bytes.NewReader(data))
	case "application/n-triples", "text/plain":
		g, err := rdf.ParseNTriples(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrRemote, err)
		}
		return &Result{Form: FormConstruct, Graph: g}, nil
	case "text/turtle", "application/x-turtle":
		g, err := rdf.ParseTurtle(bytes.NewReader(data), "")
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrRemote, err)
		}
		return &Result{Form: FormConstruct, Graph: g}, nil
	}
	return nil, fmt.Errorf("%w: unexpected answer type %q", ErrRemote, contentType)
}

func remoteError(status int, body io.Reader) error {
	data, _ := io.ReadAll(io.LimitReader(body, 4096))
	return &RemoteError{Status: status, Body: strings.TrimSpace(string(data))}
}

func (r *Remote) auth(req *http.Request) {
	if r.cfg.Username != "" {
		req.SetBasicAuth(r.cfg.Username, r.cfg.Password)
	}
}

// Update sends an update. It is not retried: the endpoint may have applied
// it before the connection failed.
func (r *Remote) Update(ctx context.Context, update string) error {
	if r.closed.Load() {
		return ErrClosed
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.cfg.UpdateURL, strings.NewReader(url.Values{"update": {update}}.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.auth(req)
	resp, err := r.cfg.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return r.ctxErr(ctx)
		}
		return fmt.Errorf("%w: %v", ErrRemote, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return remoteError(resp.StatusCode, resp.Body)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return nil
}

// Close marks the client closed. It is idempotent.
func (r *Remote) Close() error {
	r.closed.Store(true)
	return nil
}
