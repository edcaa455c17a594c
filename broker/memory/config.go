package memory

import (
	"errors"
	"fmt"
	"io"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
)

// Defaults of Config.
const (
	DefaultQueueCapacity = 8192
	DefaultLanes         = 64
)

// maxBatch is the most messages a worker takes from a lane at once.
const maxBatch = 64

// Config configures a memory broker. The zero value works.
type Config struct {
	// Options are the delivery settings (zero fields take their defaults).
	Options broker.Options
	// QueueCapacity is how many messages one group holds, queued and
	// unacknowledged together, before Publish blocks. Default 8192.
	QueueCapacity int
	// Lanes is how many ordered lanes a group spreads its keys over; it
	// bounds how many of a group's handlers run at once. Default 64.
	Lanes int
	// Log receives lifecycle logs (Info) and delivery failures (Debug, and
	// Warn for dead letters). Default: discarded.
	Log logrus.FieldLogger
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	c.Options = c.Options.WithDefaults()
	if c.QueueCapacity == 0 {
		c.QueueCapacity = DefaultQueueCapacity
	}
	if c.Lanes == 0 {
		c.Lanes = DefaultLanes
	}
	if c.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		c.Log = l
	}
	return c
}

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	if err := c.Options.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.QueueCapacity < 0 {
		errs = append(errs, fmt.Errorf("memory broker: QueueCapacity %d is negative", c.QueueCapacity))
	}
	if c.Lanes < 0 {
		errs = append(errs, fmt.Errorf("memory broker: Lanes %d is negative", c.Lanes))
	}
	if c.Lanes > 1<<16 {
		errs = append(errs, fmt.Errorf("memory broker: Lanes %d is more than 65536", c.Lanes))
	}
	return errors.Join(errs...)
}
