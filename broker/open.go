package broker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/sirupsen/logrus"
)

// Factory makes a broker of one backend from a parsed URL. It validates
// everything before connecting, and returns an error wrapping
// ErrUnreachable when the server cannot be reached at start-up.
type Factory func(ctx context.Context, u *url.URL, opts Options, log logrus.FieldLogger) (Broker, error)

// Backends maps URL schemes to the factories that handle them. It is built
// explicitly where the program is assembled (see package
// broker/backends), since package broker cannot import its backends. One
// backend usually answers several schemes: amqp and amqps, mqtt, mqtts and
// tcp.
type Backends map[string]Factory

// Schemes returns the known schemes, sorted.
func (bs Backends) Schemes() []string {
	out := make([]string, 0, len(bs))
	for s := range bs {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// Open makes the broker rawURL names, choosing the backend by the URL's
// scheme, for example:
//
//	memory://
//	amqp://guest:guest@127.0.0.1:5672/   (and amqps://)
//	kafka://127.0.0.1:9092,127.0.0.1:9093
//	mqtt://127.0.0.1:1883                (and tcp://, mqtts://)
//	nats://127.0.0.1:4222
//
// An unknown scheme gives an error wrapping ErrUnknownScheme that lists the
// known ones. opts are validated here; a nil log discards logs. Errors never
// show the URL's password.
func Open(ctx context.Context, rawURL string, backends Backends, opts Options, log logrus.FieldLogger) (Broker, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error quotes the URL, password included: report the cause only.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("broker URL: %w", err)
	}
	scheme := strings.ToLower(u.Scheme)
	factory, ok := backends[scheme]
	if !ok || factory == nil {
		known := strings.Join(backends.Schemes(), ", ")
		if scheme == "" {
			return nil, fmt.Errorf("%w: the broker URL %q has no scheme (known: %s)", ErrUnknownScheme, u.Redacted(), known)
		}
		return nil, fmt.Errorf("%w %q in %q (known: %s)", ErrUnknownScheme, scheme, u.Redacted(), known)
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		log = l
	}
	b, err := factory(ctx, u, opts, log)
	if err != nil {
		return nil, fmt.Errorf("broker %s: %w", u.Redacted(), err)
	}
	return b, nil
}
