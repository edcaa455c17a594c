package arm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/intermw/intermw/arm/auth"
	"github.com/intermw/intermw/arm/conversation"
	"github.com/intermw/intermw/arm/delivery"
	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/services/registry"
	"github.com/intermw/intermw/services/triplestore"
	"github.com/intermw/intermw/swagger"
)

// Sentinel errors of the REST layer itself.
var (
	// ErrBadRequest: the request is malformed (a body that is not JSON, a
	// path id that disagrees with the body, a missing field).
	ErrBadRequest = errors.New("bad request")
	// ErrNotFound: the route or the entry named does not exist (or is not
	// the caller's).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the entry exists already.
	ErrConflict = errors.New("conflict")
	// ErrNoClient: the call acts for a client and the caller named none
	// (401).
	ErrNoClient = errors.New("the call needs a client: authenticate, or name it with the Client-ID header")
	// ErrBodyTooLarge: the body is longer than Config.MaxBodyBytes (413).
	ErrBodyTooLarge = errors.New("request body too large")
	// ErrUnsupportedMediaType: the body's Content-Type is not accepted (415).
	ErrUnsupportedMediaType = errors.New("unsupported media type")
	// ErrNotAcceptable: no answer format fits the Accept header (406).
	ErrNotAcceptable = errors.New("not acceptable")
	// ErrTimeout: a synchronous call got no answer from the platform in
	// time (504).
	ErrTimeout = errors.New("no answer from the platform in time")
	// ErrUnavailable: the hub cannot serve now (503).
	ErrUnavailable = errors.New("service unavailable")
)

// errorRule maps errors matching err (errors.Is) to a status and an error
// code. The first matching rule wins, so more specific rules come first.
type errorRule struct {
	err    error
	status int
	code   string
}

// errorTable is the one place where errors become status codes.
var errorTable = []errorRule{
	{auth.ErrUnauthenticated, http.StatusUnauthorized, "unauthorized"},
	{ErrNoClient, http.StatusUnauthorized, "unauthorized"},
	{auth.ErrForbidden, http.StatusForbidden, "forbidden"},
	{auth.ErrUnavailable, http.StatusServiceUnavailable, "identity_provider_unavailable"},

	{ErrBodyTooLarge, http.StatusRequestEntityTooLarge, "body_too_large"},
	{messages.ErrTooLarge, http.StatusRequestEntityTooLarge, "body_too_large"},
	{delivery.ErrTooLarge, http.StatusRequestEntityTooLarge, "message_too_large"},
	{triplestore.ErrResultTooBig, http.StatusRequestEntityTooLarge, "result_too_large"},
	{ErrUnsupportedMediaType, http.StatusUnsupportedMediaType, "unsupported_media_type"},
	{ErrNotAcceptable, http.StatusNotAcceptable, "not_acceptable"},

	{triplestore.ErrReadOnly, http.StatusBadRequest, "update_refused"},
	{triplestore.ErrSyntax, http.StatusBadRequest, "sparql_syntax"},
	{triplestore.ErrUnknownPrefix, http.StatusBadRequest, "sparql_unknown_prefix"},
	{triplestore.ErrInvalidTerm, http.StatusBadRequest, "invalid_identifier"},
	{triplestore.ErrUnsupported, http.StatusNotImplemented, "sparql_unsupported"},
	{triplestore.ErrTimeout, http.StatusServiceUnavailable, "query_timeout"},
	{triplestore.ErrMemoryLimit, http.StatusInsufficientStorage, "query_memory_limit"},

	{swagger.ErrInvalidBody, http.StatusBadRequest, "invalid_body"},
	{ErrBadRequest, http.StatusBadRequest, "bad_request"},
	{registry.ErrInvalid, http.StatusBadRequest, "invalid_request"},
	{delivery.ErrInvalidClient, http.StatusBadRequest, "invalid_client"},
	{delivery.ErrWebhookRefused, http.StatusBadRequest, "webhook_refused"},
	{messages.ErrInvalidJSON, http.StatusBadRequest, "invalid_json"},
	{messages.ErrTooDeep, http.StatusBadRequest, "too_deep"},
	{messages.ErrContextRefused, http.StatusBadRequest, "context_refused"},
	{messages.ErrInvalidJSONLD, http.StatusBadRequest, "invalid_jsonld"},
	{messages.ErrNoMetadata, http.StatusBadRequest, "invalid_message"},
	{messages.ErrMetaNode, http.StatusBadRequest, "invalid_message"},
	{messages.ErrInvalidMessage, http.StatusBadRequest, "invalid_message"},
	{messages.ErrUnencodable, http.StatusBadRequest, "invalid_message"},

	{ErrNotFound, http.StatusNotFound, "not_found"},
	{registry.ErrNotFound, http.StatusNotFound, "not_found"},
	{conversation.ErrNotFound, http.StatusNotFound, "not_found"},
	{delivery.ErrUnknownClient, http.StatusNotFound, "unknown_client"},

	{ErrConflict, http.StatusConflict, "conflict"},
	{registry.ErrConflict, http.StatusConflict, "conflict"},
	{conversation.ErrExists, http.StatusConflict, "conflict"},

	{ErrTimeout, http.StatusGatewayTimeout, "timeout"},
	{context.DeadlineExceeded, http.StatusGatewayTimeout, "timeout"},
	{ErrUnavailable, http.StatusServiceUnavailable, "unavailable"},
	{broker.ErrClosed, http.StatusServiceUnavailable, "unavailable"},
	{broker.ErrUnreachable, http.StatusServiceUnavailable, "unavailable"},
	{delivery.ErrClosed, http.StatusServiceUnavailable, "unavailable"},
	{triplestore.ErrClosed, http.StatusServiceUnavailable, "unavailable"},
}

// statusOf maps err through errorTable; anything unknown is a 500.
func statusOf(err error) (int, string) {
	for _, r := range errorTable {
		if errors.Is(err, r.err) {
			return r.status, r.code
		}
	}
	return http.StatusInternalServerError, "internal_error"
}

// ErrorBody is the JSON body of every error answer.
type ErrorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal_error","message":"cannot encode the answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// badRequest returns an error wrapping ErrBadRequest.
func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadRequest}, args...)...)
}

func notFound(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrNotFound}, args...)...)
}

func conflict(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrConflict}, args...)...)
}
