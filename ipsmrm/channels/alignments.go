package channels

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/intermw/intermw/ontology/alignment"
)

// Alignments finds compiled alignments by name and version. A missing
// alignment is an error wrapping ErrNoAlignment. Implementations are safe
// for concurrent use.
type Alignments interface {
	Alignment(ctx context.Context, id alignment.ID) (*alignment.Compiled, error)
}

// Library is an in-memory Alignments: a set of compiled alignments keyed
// by name and version. The zero Library is empty and usable.
type Library struct {
	mu sync.RWMutex
	m  map[alignment.ID]*alignment.Compiled
}

// Add parses, validates and compiles an IPSM-AF document and adds it,
// replacing one with the same name and version. It returns the ID.
func (l *Library) Add(data []byte, opts alignment.Options) (alignment.ID, error) {
	c, err := alignment.Load(data, opts)
	if err != nil {
		return alignment.ID{}, err
	}
	l.Put(c)
	return c.ID(), nil
}

// Put adds a compiled alignment, replacing one with the same ID.
func (l *Library) Put(c *alignment.Compiled) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[alignment.ID]*alignment.Compiled{}
	}
	l.m[c.ID()] = c
}

// Remove drops an alignment; it reports whether there was one.
func (l *Library) Remove(id alignment.ID) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.m[id]
	delete(l.m, id)
	return ok
}

// IDs lists the alignments held, sorted by name then version.
func (l *Library) IDs() []alignment.ID {
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := make([]alignment.ID, 0, len(l.m))
	for id := range l.m {
		out = append(out, id)
	}
	slices.SortFunc(out, func(a, b alignment.ID) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Version, b.Version)
	})
	return out
}

// Alignment implements Alignments.
func (l *Library) Alignment(_ context.Context, id alignment.ID) (*alignment.Compiled, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if c, ok := l.m[id]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("%w: %s version %q", ErrNoAlignment, id.Name, id.Version)
}

// alignmentExts are the file name endings LoadDir reads.
var alignmentExts = []string{".rdf", ".xml", ".owl"}

// LoadDir reads every IPSM-AF document (*.rdf, *.xml, *.owl) in dir into a
// new Library. Every document that fails is reported, all at once; two
// documents with one name and version are an error too.
func LoadDir(dir string, opts alignment.Options) (*Library, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("alignments directory: %w", err)
	}
	l := &Library{}
	from := map[alignment.ID]string{}
	var errs []error
	for _, e := range entries {
		if e.IsDir() || !slices.Contains(alignmentExts, strings.ToLower(filepath.Ext(e.Name()))) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c, err := alignment.Load(data, opts)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
			continue
		}
		if prev, dup := from[c.ID()]; dup {
			errs = append(errs, fmt.Errorf("%s: alignment %s is also in %s", path, c.ID(), prev))
			continue
		}
		from[c.ID()] = path
		l.Put(c)
	}
	return l, errors.Join(errs...)
}

// HTTPConfig configures an HTTPAlignments.
type HTTPConfig struct {
	// BaseURL is the IPSM REST API root (ipsm-core's, or intermw's /ipsm),
	// e.g. http://127.0.0.1:8080/ipsm. Required.
	BaseURL string
	// Client makes the requests. Default: a client with a 10s timeout.
	Client *http.Client
	// Options bound the documents fetched.
	Options alignment.Options
	// MaxBytes bounds a response body; 0 means the alignment size limit
	// (Options.MaxBytes or 4 MiB).
	MaxBytes int64
}

// Validate reports every problem with c.
func (c HTTPConfig) Validate() error {
	var errs []error
	u, err := url.Parse(c.BaseURL)
	switch {
	case c.BaseURL == "":
		errs = append(errs, errors.New("channels: HTTPConfig.BaseURL is required"))
	case err != nil:
		errs = append(errs, fmt.Errorf("channels: HTTPConfig.BaseURL: %w", err))
	case u.Scheme != "http" && u.Scheme != "https":
		errs = append(errs, fmt.Errorf("channels: HTTPConfig.BaseURL %q is not http(s)", c.BaseURL))
	}
	if c.MaxBytes < 0 {
		errs = append(errs, errors.New("channels: HTTPConfig.MaxBytes is negative"))
	}
	if err := c.Options.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// HTTPAlignments fetches alignments from an IPSM REST API
// (GET /alignments/{name}/{version}, which answers with the XML source)
// and keeps what it compiled: an alignment's name and version identify its
// content, which the API never changes in place.
type HTTPAlignments struct {
	cfg   HTTPConfig
	cache Library
}

// NewHTTPAlignments validates cfg and returns the source.
func NewHTTPAlignments(cfg HTTPConfig) (*HTTPAlignments, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = int64(cfg.Options.MaxBytes)
		if cfg.MaxBytes == 0 {
			cfg.MaxBytes = 4 << 20
		}
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &HTTPAlignments{cfg: cfg}, nil
}

// Alignment implements Alignments.
func (h *HTTPAlignments) Alignment(ctx context.Context, id alignment.ID) (*alignment.Compiled, error) {
	if c, err := h.cache.Alignment(ctx, id); err == nil {
		return c, nil
	}
	u := h.cfg.BaseURL + "/alignments/" + url.PathEscape(id.Name) + "/" + url.PathEscape(id.Version)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/xml")
	resp, err := h.cfg.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("channels: fetching alignment %s: %w", id, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, h.cfg.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("channels: fetching alignment %s: %w", id, err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusBadRequest:
		return nil, fmt.Errorf("%w: %s version %q (the IPSM API answered %s)", ErrNoAlignment, id.Name, id.Version, resp.Status)
	case resp.StatusCode/100 != 2:
		return nil, fmt.Errorf("channels: fetching alignment %s: the IPSM API answered %s", id, resp.Status)
	case int64(len(body)) > h.cfg.MaxBytes:
		return nil, fmt.Errorf("channels: alignment %s: %w (more than %d bytes)", id, alignment.ErrTooLarge, h.cfg.MaxBytes)
	}
	c, err := alignment.Load(body, h.cfg.Options)
	if err != nil {
		return nil, fmt.Errorf("channels: alignment %s from the IPSM API: %w", id, err)
	}
	if c.ID() != id {
		return nil, fmt.Errorf("channels: the IPSM API answered %s with alignment %s", id, c.ID())
	}
	h.cache.Put(c)
	return c, nil
}
