package memory

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
)

// FromURL is the broker.Factory of the memory backend, for URLs like
// memory:// or memory://?capacity=100000&lanes=128 (QueueCapacity, Lanes).
func FromURL(ctx context.Context, u *url.URL, opts broker.Options, log logrus.FieldLogger) (broker.Broker, error) {
	cfg := Config{Options: opts, Log: log}
	q := u.Query()
	var errs []error
	for name, field := range map[string]*int{"capacity": &cfg.QueueCapacity, "lanes": &cfg.Lanes} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("memory broker URL: %s=%q is not an integer", name, v))
				continue
			}
			*field = n
		}
	}
	for name := range q {
		if name != "capacity" && name != "lanes" {
			errs = append(errs, fmt.Errorf("memory broker URL: unknown parameter %q (known: capacity, lanes)", name))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	b, err := New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return b, nil
}
