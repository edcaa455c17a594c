package arm

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/intermw/intermw/arm/auth"
	"github.com/intermw/intermw/arm/conversation"
	"github.com/intermw/intermw/arm/delivery"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/services/registry"
	"github.com/intermw/intermw/services/triplestore"
	"github.com/intermw/intermw/swagger"
)

func TestTheErrorTableMapsSentinelsNotStrings(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
	}{
		{"a missing registry entry is 404", fmt.Errorf("lookup: %w", registry.ErrNotFound), 404},
		{"a registry conflict is 409", registry.ErrConflict, 409},
		{"a registry refusal is 400", registry.ErrInvalid, 400},
		{"an update through discovery is 400", fmt.Errorf("%w: %w", registry.ErrInvalid, triplestore.ErrReadOnly), 400},
		{"a SPARQL syntax error is 400", &triplestore.SyntaxError{Line: 1, Column: 2, Msg: "x"}, 400},
		{"an unsupported SPARQL feature is 501", triplestore.ErrUnsupported, 501},
		{"a query timeout is 503", triplestore.ErrTimeout, 503},
		{"a result too big is 413", triplestore.ErrResultTooBig, 413},
		{"a memory limit is 507", triplestore.ErrMemoryLimit, 507},
		{"an unknown conversation is 404", conversation.ErrNotFound, 404},
		{"an open conversation is 409", conversation.ErrExists, 409},
		{"an unknown mailbox is 404", delivery.ErrUnknownClient, 404},
		{"a refused webhook is 400", delivery.ErrWebhookRefused, 400},
		{"malformed JSON-LD is 400", messages.ErrInvalidJSONLD, 400},
		{"a message too large is 413", messages.ErrTooLarge, 413},
		{"a body too large is 413", ErrBodyTooLarge, 413},
		{"a schema violation is 400", swagger.ErrInvalidBody, 400},
		{"no credentials is 401", auth.ErrUnauthenticated, 401},
		{"no client is 401", ErrNoClient, 401},
		{"a missing role is 403", auth.ErrForbidden, 403},
		{"an unreachable identity provider is 503", auth.ErrUnavailable, 503},
		{"a platform that does not answer is 504", ErrTimeout, 504},
		{"a wrong media type is 415", ErrUnsupportedMediaType, 415},
		{"anything else is 500", errors.New("not found"), 500},
		{"a cancelled context is 500", context.Canceled, 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, code := statusOf(tc.err); got != tc.status || code == "" {
				t.Fatalf("status %d (%s), want %d", got, code, tc.status)
			}
		})
	}
}
