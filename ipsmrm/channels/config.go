package channels

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/alignment"
)

// Sentinel errors callers branch on.
var (
	// ErrNoAlignment: a platform names an alignment the store does not
	// hold.
	ErrNoAlignment = errors.New("alignment not found")
	// ErrBadChain: a platform's alignment fields are malformed (a name
	// without a version, a field given twice).
	ErrBadChain = errors.New("malformed alignment fields")
	// ErrNoPlatformType: the external IPSM needs the platform's type to
	// name its topics, and the registration gives none.
	ErrNoPlatformType = errors.New("platform type unknown")
	// ErrChannelConflict: in external mode channels are per platform type
	// and direction (the design's topics), and another platform of the
	// same type already uses the topic with other alignments.
	ErrChannelConflict = errors.New("translation channel conflict")
	// ErrUnregistered: a data message for or from a platform whose
	// unregistration its bridge confirmed.
	ErrUnregistered = errors.New("platform unregistered")
	// ErrTimeout: the external IPSM did not answer in time.
	ErrTimeout = errors.New("external IPSM did not answer in time")
	// ErrTranslation: the external IPSM answered with an Error.
	ErrTranslation = errors.New("external IPSM failed to translate")
	// ErrClosed: the Manager is closed.
	ErrClosed = errors.New("translation channels closed")
)

// PubSub is what the external mode needs from the broker that reaches the
// IPSM (the Kafka backend, for an ipsm-core).
type PubSub interface {
	broker.Publisher
	broker.Subscriber
}

// Defaults of Config and ExternalConfig.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultReplyGroup  = "ipsmrm-reply"
	DefaultErrCategory = "IPSM_ERROR"
)

// Config configures a Manager. The zero value with Alignments translates
// embedded.
type Config struct {
	// Alignments resolves the alignment names platforms give. Required in
	// embedded mode. In external mode it is optional: when set, a
	// registration naming an alignment it lacks fails at once; when nil
	// the external IPSM alone decides (and answers with an Error).
	Alignments Alignments
	// Strict fails a translation that would lose data (embedded mode)
	// instead of recording a warning on the message's metadata.
	Strict bool
	// Metrics counts embedded translations and losses. Optional.
	Metrics alignment.Metrics
	// External, when set, sends translations to an external IPSM over a
	// broker instead of translating in-process.
	External *ExternalConfig
	// Log receives lifecycle logs (Info), per message logs (Debug) and
	// late answers (Warn). Default: discarded.
	Log logrus.FieldLogger
}

// ExternalConfig configures the external (ipsm-core compatible) mode.
type ExternalConfig struct {
	// Broker reaches the IPSM: the mw-ipsm-… topics are published on it
	// and the ipsm-mw-… topics consumed from it. Required.
	Broker PubSub
	// Codec writes and reads the messages on those topics. Required.
	Codec *messages.Codec
	// Errors receives a copy of every message the IPSM did not answer in
	// time, on broker.ErrorTopic, so that nothing is lost silently: the
	// hub's broker. Default: Broker.
	Errors broker.Publisher
	// Timeout bounds one translation round trip. Default 10s.
	Timeout time.Duration
	// ReplyGroup is this instance's consumer group on the ipsm-mw-…
	// topics. Every replica of IPSMRM must receive every answer (only the
	// one that asked waits for it), so the default is "ipsmrm-reply-"
	// plus a random suffix; give a stable name only to a single instance.
	ReplyGroup string
}

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	if c.External == nil && c.Alignments == nil {
		errs = append(errs, errors.New("channels: Alignments is required to translate embedded"))
	}
	if e := c.External; e != nil {
		if e.Broker == nil {
			errs = append(errs, errors.New("channels: External.Broker is required"))
		}
		if e.Codec == nil {
			errs = append(errs, errors.New("channels: External.Codec is required"))
		}
		if e.Timeout < 0 {
			errs = append(errs, fmt.Errorf("channels: External.Timeout %v is negative", e.Timeout))
		}
		if e.ReplyGroup != "" {
			if err := broker.ValidateGroup(e.ReplyGroup); err != nil {
				errs = append(errs, fmt.Errorf("channels: External.ReplyGroup: %w", err))
			}
		}
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	if c.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		c.Log = l
	}
	if c.External != nil {
		e := *c.External
		if e.Errors == nil {
			e.Errors = e.Broker
		}
		if e.Timeout == 0 {
			e.Timeout = DefaultTimeout
		}
		if e.ReplyGroup == "" {
			e.ReplyGroup = DefaultReplyGroup + "-" + uuid.NewString()[:8]
		}
		c.External = &e
	}
	return c
}
