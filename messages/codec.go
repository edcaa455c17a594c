package messages

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/intermw/intermw/ontology/rdf"
)

// Defaults for Config.
const (
	DefaultMaxBytes = 4 << 20
	DefaultMaxDepth = 64
)

// Config configures a Codec. The zero Config is usable: New fills defaults.
type Config struct {
	// MaxBytes is the largest document Decode accepts, in bytes.
	// Zero means DefaultMaxBytes (4 MiB).
	MaxBytes int64
	// MaxDepth is the deepest nesting of JSON objects and arrays Decode
	// accepts; it is checked before any JSON-LD processing. Zero means
	// DefaultMaxDepth (64); real INTER-IoT messages nest about 8 deep.
	MaxDepth int
	// Contexts are JSON-LD context documents a message may name by URL in
	// its @context, keyed by that URL exactly as the processor resolves it.
	// The value is a JSON object, either a whole context document (with an
	// "@context" member) or the context object itself. Nothing else is ever
	// loaded: no file, no network.
	Contexts map[string][]byte
	// Strict makes Decode also run Message.Validate, so that every decoded
	// message carries the metadata INTER-MW routes on.
	Strict bool
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.MaxDepth == 0 {
		c.MaxDepth = DefaultMaxDepth
	}
	return c
}

// Validate reports every problem with the configuration at once.
func (c Config) Validate() error {
	var errs []error
	if c.MaxBytes < 0 {
		errs = append(errs, fmt.Errorf("%w: MaxBytes must not be negative (got %d)", ErrInvalidConfig, c.MaxBytes))
	}
	if c.MaxDepth < 0 {
		errs = append(errs, fmt.Errorf("%w: MaxDepth must not be negative (got %d)", ErrInvalidConfig, c.MaxDepth))
	}
	for url, doc := range c.Contexts {
		if url == "" {
			errs = append(errs, fmt.Errorf("%w: Contexts has an empty URL", ErrInvalidConfig))
		}
		var v any
		if err := json.Unmarshal(doc, &v); err != nil {
			errs = append(errs, fmt.Errorf("%w: context %q is not JSON: %v", ErrInvalidConfig, url, err))
		} else if _, ok := v.(map[string]any); !ok {
			errs = append(errs, fmt.Errorf("%w: context %q is not a JSON object", ErrInvalidConfig, url))
		}
	}
	return errors.Join(errs...)
}

// Codec reads and writes INTER-IoT messages. It is safe for concurrent use.
type Codec struct {
	cfg    Config
	loader *contextLoader
}

// New validates cfg and returns a Codec.
func New(cfg Config) (*Codec, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	c := &Codec{cfg: cfg, loader: newContextLoader()}
	for url, doc := range cfg.Contexts {
		if err := c.loader.add(url, doc); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// AddContext makes a context document available to messages that name url
// in their @context, as Config.Contexts does. It is safe to call while the
// codec is in use.
func (c *Codec) AddContext(url string, doc []byte) error {
	if url == "" {
		return fmt.Errorf("%w: empty context URL", ErrInvalidConfig)
	}
	return c.loader.add(url, doc)
}

// Decode reads one message in any JSON-LD form. The canonical form that
// Encode writes is read on a fast path; anything else is expanded with a
// JSON-LD processor first.
func (c *Codec) Decode(data []byte) (*Message, error) {
	d, err := c.decodeDataset(data)
	if err != nil {
		return nil, err
	}
	m, err := d.message()
	if err != nil {
		return nil, err
	}
	if c.cfg.Strict {
		if err := m.Validate(); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// DecodeReader reads one message from r, reading at most MaxBytes+1 bytes.
func (c *Codec) DecodeReader(r io.Reader) (*Message, error) {
	data, err := c.readAll(r)
	if err != nil {
		return nil, err
	}
	return c.Decode(data)
}

func (c *Codec) readAll(r io.Reader) ([]byte, error) {
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, c.cfg.MaxBytes+1))
	if err != nil {
		return nil, err
	}
	if n > c.cfg.MaxBytes {
		return nil, &LimitError{What: "bytes", Limit: c.cfg.MaxBytes, Found: n}
	}
	return buf.Bytes(), nil
}

// DecodeDataset reads any JSON-LD document, within the same limits and with
// the same context loader as Decode, and returns its RDF dataset without
// requiring the shape of a message. Blank nodes are relabelled b0, b1, ….
func (c *Codec) DecodeDataset(data []byte) ([]rdf.Quad, error) {
	d, err := c.decodeDataset(data)
	if err != nil {
		return nil, err
	}
	return d.quads(), nil
}

func (c *Codec) decodeDataset(data []byte) (*dataset, error) {
	if int64(len(data)) > c.cfg.MaxBytes {
		return nil, &LimitError{What: "bytes", Limit: c.cfg.MaxBytes, Found: int64(len(data))}
	}
	// The fast path recurses at most three levels whatever the input, so
	// only the JSON-LD path needs the depth check.
	if d, ok := decodeFast(data); ok {
		return d, nil
	}
	if depth := maxDepth(data, c.cfg.MaxDepth); depth > c.cfg.MaxDepth {
		return nil, &LimitError{What: "depth", Limit: int64(c.cfg.MaxDepth), Found: int64(depth)}
	}
	return c.decodeExpanded(data)
}

// Encode writes m in the canonical compact form (see the package
// documentation).
func (c *Codec) Encode(m *Message) ([]byte, error) {
	// About 64 bytes per triple in the canonical form.
	n := 64 * (16 + len(m.Metadata.Extra) + len(m.Payload) + len(m.Other))
	return AppendEncode(make([]byte, 0, n), m)
}

// maxDepth returns the deepest nesting of objects and arrays in data, stopping
// early once it passes limit. It does not validate the JSON.
func maxDepth(data []byte, limit int) int {
	depth, deepest := 0, 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			// Skip the string, honouring escapes.
			for i++; i < len(data); i++ {
				if data[i] == '\\' {
					i++
				} else if data[i] == '"' {
					break
				}
			}
		case '{', '[':
			depth++
			if depth > deepest {
				deepest = depth
				if deepest > limit {
					return deepest
				}
			}
		case '}', ']':
			depth--
		}
	}
	return deepest
}

// jsonSyntaxError converts an encoding/json error into a *SyntaxError.
func jsonSyntaxError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &SyntaxError{Offset: se.Offset, Err: err}
	}
	return &SyntaxError{Offset: -1, Err: err}
}
