package protocol

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/services/triplestore"
	"github.com/intermw/intermw/services/triplestore/resultformat"
)

// Config configures a Handler.
type Config struct {
	// Store answers the queries and updates.
	Store triplestore.Store
	// ReadOnly refuses updates with 403.
	ReadOnly bool
	// MaxBodyBytes bounds a request body; default 8 MiB.
	MaxBodyBytes int64
	// Timeout bounds one request's work; default 60s.
	Timeout time.Duration
	// Log receives one entry per failed request; default discards.
	Log logrus.FieldLogger
}

// Validate reports every problem with the configuration.
func (c Config) Validate() error {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("protocol: Store is required"))
	}
	if c.MaxBodyBytes < 0 || c.Timeout < 0 {
		errs = append(errs, errors.New("protocol: MaxBodyBytes and Timeout may not be negative"))
	}
	return errors.Join(errs...)
}

// Handler is the SPARQL endpoint.
type Handler struct {
	cfg Config
}

// NewHandler returns the endpoint handler.
func NewHandler(cfg Config) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 8 << 20
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.Log == nil {
		l := logrus.New()
		l.Out = io.Discard
		cfg.Log = l
	}
	return &Handler{cfg: cfg}, nil
}

// Errors of the protocol layer.
var (
	errMethod      = errors.New("method not allowed: use GET or POST")
	errMissing     = errors.New("the request carries neither query nor update")
	errBoth        = errors.New("the request carries both query and update")
	errContentType = errors.New("unsupported content type")
	errTooLarge    = errors.New("request body too large")
	errNotAccept   = errors.New("no acceptable result format")
	errUpdateByGet = errors.New("updates must be sent with POST")
)

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.Timeout)
	defer cancel()
	query, update, err := h.read(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if update != "" {
		if h.cfg.ReadOnly {
			h.fail(w, r, triplestore.ErrReadOnly)
			return
		}
		if err := h.cfg.Store.Update(ctx, update); err != nil {
			h.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	res, err := h.cfg.Store.Query(ctx, query)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer res.Close()
	f, ok := resultformat.Negotiate(r.Header.Get("Accept"), res.Form)
	if !ok {
		h.fail(w, r, errNotAccept)
		return
	}
	w.Header().Set("Content-Type", f.ContentType()+"; charset=utf-8")
	if err := resultformat.Write(w, res, f); err != nil {
		// The status is sent; all we can do is log and cut the body short.
		h.cfg.Log.WithError(err).Warn("sparql result stream failed")
	}
}

func (h *Handler) read(w http.ResponseWriter, r *http.Request) (query, update string, err error) {
	switch r.Method {
	case http.MethodGet:
		q := r.URL.Query()
		if q.Has("update") {
			return "", "", errUpdateByGet
		}
		if !q.Has("query") {
			return "", "", errMissing
		}
		return q.Get("query"), "", nil
	case http.MethodPost:
	default:
		return "", "", errMethod
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return "", "", errTooLarge
		}
		return "", "", err
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/sparql-query":
		return string(body), "", nil
	case "application/sparql-update":
		return "", string(body), nil
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return "", "", fmt.Errorf("%w: malformed form: %v", errContentType, err)
		}
		switch {
		case form.Has("query") && form.Has("update"):
			return "", "", errBoth
		case form.Has("query"):
			return form.Get("query"), "", nil
		case form.Has("update"):
			return "", form.Get("update"), nil
		}
		return "", "", errMissing
	}
	return "", "", fmt.Errorf("%w %q", errContentType, mt)
}

// Status maps an error to its HTTP status: the one table for this endpoint.
func Status(err error) int {
	switch {
	case errors.Is(err, triplestore.ErrSyntax), errors.Is(err, triplestore.ErrUnknownPrefix),
		errors.Is(err, triplestore.ErrInvalidTerm), errors.Is(err, errMissing), errors.Is(err, errBoth),
		errors.Is(err, errUpdateByGet):
		return http.StatusBadRequest
	case errors.Is(err, triplestore.ErrReadOnly):
		return http.StatusForbidden
	case errors.Is(err, errMethod):
		return http.StatusMethodNotAllowed
	case errors.Is(err, errNotAccept):
		return http.StatusNotAcceptable
	case errors.Is(err, errTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, errContentType):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, triplestore.ErrResultTooBig), errors.Is(err, triplestore.ErrMemoryLimit):
		return http.StatusInsufficientStorage
	case errors.Is(err, triplestore.ErrUnsupported):
		return http.StatusNotImplemented
	case errors.Is(err, triplestore.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable
	case errors.Is(err, triplestore.ErrClosed):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := Status(err)
	if status >= 500 {
		h.cfg.Log.WithError(err).WithField("path", r.URL.Path).Warn("sparql request failed")
	}
	if status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", "GET, POST")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	msg := err.Error()
	json.NewEncoder(w).Encode(map[string]string{
		"error":   strings.ToLower(http.StatusText(status)),
		"message": msg,
	})
}
