package quadstore

import (
	"errors"
	"io"

	"github.com/sirupsen/logrus"
)

// Config configures a Store.
type Config struct {
	// Dir is the data directory. Empty means in memory only: no files are
	// created and everything is lost on Close.
	Dir string

	// SnapshotEvery is the number of WAL records after which a snapshot
	// file is written (in the background) and the log is trimmed.
	// 0 means DefaultSnapshotEvery. Ignored in memory.
	SnapshotEvery int

	// NoSync skips fsync. Commits are then not durable across a power
	// failure or OS crash (they still survive a process crash). For tests
	// and benchmarks.
	NoSync bool

	// Log receives lifecycle messages and warnings (such as a truncated
	// WAL tail). nil discards them. In-memory stores log nothing.
	Log logrus.FieldLogger
}

// DefaultSnapshotEvery is the default Config.SnapshotEvery.
const DefaultSnapshotEvery = 10000

// withDefaults returns c with every unset field filled in.
func (c Config) withDefaults() Config {
	if c.SnapshotEvery == 0 {
		c.SnapshotEvery = DefaultSnapshotEvery
	}
	if c.Log == nil && c.Dir != "" {
		// In memory nothing is logged, so throwaway stores skip this.
		l := logrus.New()
		l.SetOutput(io.Discard)
		c.Log = l
	}
	return c
}

// Validate reports every problem with the configuration.
func (c Config) Validate() error {
	var errs []error
	if c.SnapshotEvery < 0 {
		errs = append(errs, errors.New("quadstore: SnapshotEvery must not be negative"))
	}
	return errors.Join(errs...)
}
