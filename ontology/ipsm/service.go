package ipsm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/alignment"
	"github.com/intermw/intermw/services/triplestore"
)

// Sentinel errors callers branch on; the handler maps them to statuses
// in one table.
var (
	ErrNotFound = errors.New("not found")
	// ErrConflict: same name and version, other content.
	ErrConflict = errors.New("alignment with the same name and version but another definition exists")
	// ErrInUse: a channel uses the alignment.
	ErrInUse = errors.New("alignment in use by a channel")
	// ErrChannelExists: a channel with the same source and sink exists.
	ErrChannelExists = errors.New("channel already exists")
	// ErrBadRequest: a request that is not well formed.
	ErrBadRequest = errors.New("bad request")
)

// Config configures a Service.
type Config struct {
	// Store persists alignments and channels (named graphs, written
	// through triplestore.Bind only). Required.
	Store triplestore.Store
	// InUse reports whether something outside this service (the hub's
	// platform translation channels) uses an alignment, so that deleting
	// it is refused too. Optional.
	InUse func(alignment.ID) bool
	// Codec reads and writes the JSON-LD messages of POST /translation;
	// nil builds a default one.
	Codec *messages.Codec
	// Parse bounds and tunes alignment parsing.
	Parse alignment.Options
	// Strict makes translations fail instead of losing data.
	Strict bool
	// Metrics receives translation counts; may be nil.
	Metrics alignment.Metrics
	// Log receives lifecycle and error messages; nil discards them.
	Log logrus.FieldLogger
	// Now returns the time (tests); nil means time.Now.
	Now func() time.Time
}

// Validate reports every problem with the configuration.
func (c Config) Validate() error {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("ipsm: Store is required"))
	}
	if err := c.Parse.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() (Config, error) {
	if c.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		c.Log = l
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Codec == nil {
		codec, err := messages.New(messages.Config{})
		if err != nil {
			return c, err
		}
		c.Codec = codec
	}
	return c, nil
}

// AlignmentInfo describes a stored alignment (the IPSM AlignmentInfo).
type AlignmentInfo struct {
	ID                int    `json:"id"`
	DescID            string `json:"descId"`
	Date              int64  `json:"date"`
	Name              string `json:"name"`
	Version           string `json:"version"`
	SourceOntologyURI string `json:"sourceOntologyURI"`
	TargetOntologyURI string `json:"targetOntologyURI"`
	Creator           string `json:"creator"`
	Description       string `json:"description"`
}

// ChannelConfig is the body of POST /channels.
type ChannelConfig struct {
	Source              string `json:"source"`
	InpAlignmentName    string `json:"inpAlignmentName"`
	InpAlignmentVersion string `json:"inpAlignmentVersion"`
	OutAlignmentName    string `json:"outAlignmentName"`
	OutAlignmentVersion string `json:"outAlignmentVersion"`
	Sink                string `json:"sink"`
	Parallelism         int    `json:"parallelism,omitempty"`
}

// Channel is a translation channel (the IPSM ChannelInfo).
type Channel struct {
	ID     int    `json:"id"`
	DescID string `json:"descId"`
	ChannelConfig
}

// Inp and Out return the channel's alignment ids.
func (c Channel) Inp() alignment.ID {
	return alignment.ID{Name: c.InpAlignmentName, Version: c.InpAlignmentVersion}
}

// Out returns the output alignment id.
func (c Channel) Out() alignment.ID {
	return alignment.ID{Name: c.OutAlignmentName, Version: c.OutAlignmentVersion}
}

type entry struct {
	info     AlignmentInfo
	source   []byte
	compiled *alignment.Compiled
}

// Service holds the alignments and channels of the embedded IPSM: compiled
// in memory, persisted in the store. It is safe for concurrent use.
type Service struct {
	cfg        Config
	translator *alignment.Translator

	mu       sync.RWMutex
	aligns   map[alignment.ID]*entry
	channels map[int]*Channel
	nextID   int
}

// New validates cfg and loads the persisted alignments and channels.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Service{
		cfg:        cfg,
		translator: &alignment.Translator{Strict: cfg.Strict, Metrics: cfg.Metrics},
		aligns:     map[alignment.ID]*entry{},
		channels:   map[int]*Channel{},
	}
	if err := s.restore(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// UploadResult says what an upload did.
type UploadResult uint8

// Upload outcomes: created (201) or already there, identical (208).
const (
	Created UploadResult = iota + 1
	AlreadyUploaded
)

// Upload parses, validates, compiles and stores an alignment. Invalid
// documents fail with an error for which errors.Is(err,
// alignment.ErrInvalid) holds (a *alignment.ValidationError).
func (s *Service) Upload(ctx context.Context, src []byte) (UploadResult, AlignmentInfo, error) {
	c, err := alignment.Load(src, s.cfg.Parse)
	if err != nil {
		return 0, AlignmentInfo{}, err
	}
	id := c.ID()
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.aligns[id]; ok {
		if bytes.Equal(e.source, src) {
			return AlreadyUploaded, e.info, nil
		}
		return 0, e.info, fmt.Errorf("%w: %s version %s", ErrConflict, id.Name, id.Version)
	}
	s.nextID++
	a := c.Alignment
	info := AlignmentInfo{
		ID: s.nextID, DescID: id.Name + ":" + id.Version, Date: s.cfg.Now().Unix(),
		Name: id.Name, Version: id.Version, SourceOntologyURI: a.Onto1, TargetOntologyURI: a.Onto2,
		Creator: a.Creator, Description: a.Description,
	}
	if err := s.saveAlignment(ctx, info, src); err != nil {
		s.nextID--
		return 0, AlignmentInfo{}, err
	}
	s.aligns[id] = &entry{info: info, source: bytes.Clone(src), compiled: c}
	s.cfg.Log.WithField("alignment", id.String()).Info("alignment uploaded")
	return Created, info, nil
}

// Validate parses and validates an alignment without storing it; it
// returns the warnings of a valid document.
func (s *Service) Validate(src []byte) ([]alignment.Problem, error) {
	c, err := alignment.Load(src, s.cfg.Parse)
	if err != nil {
		return nil, err
	}
	return c.Alignment.Warnings, nil
}

// Alignments lists the stored alignments by id.
func (s *Service) Alignments() []AlignmentInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]AlignmentInfo, 0, len(s.aligns))
	for _, e := range s.aligns {
		out = append(out, e.info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Source returns an alignment's document as uploaded.
func (s *Service) Source(id alignment.ID) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.aligns[id]
	if !ok {
		return nil, fmt.Errorf("%w: alignment %s version %s", ErrNotFound, id.Name, id.Version)
	}
	return e.source, nil
}

// Compiled returns a compiled alignment; the identity for the empty id.
func (s *Service) Compiled(id alignment.ID) (*alignment.Compiled, error) {
	if id.IsIdentity() {
		return alignment.Identity(), nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.aligns[id]
	if !ok {
		return nil, fmt.Errorf("%w: alignment %s version %s", ErrNotFound, id.Name, id.Version)
	}
	return e.compiled, nil
}

// DeleteAlignment removes an alignment no channel uses.
func (s *Service) DeleteAlignment(ctx context.Context, id alignment.ID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.aligns[id]
	if !ok {
		return fmt.Errorf("%w: alignment %s version %s", ErrNotFound, id.Name, id.Version)
	}
	for _, c := range s.channels {
		if c.Inp() == id || c.Out() == id {
			return fmt.Errorf("%w: channel %d (%s → %s)", ErrInUse, c.ID, c.Source, c.Sink)
		}
	}
	if s.cfg.InUse != nil && s.cfg.InUse(id) {
		return fmt.Errorf("%w: a registered platform's translation channel", ErrInUse)
	}
	if err := s.deleteNode(ctx, alignmentsGraph, alignmentNode(e.info.ID)); err != nil {
		return err
	}
	delete(s.aligns, id)
	return nil
}

// Channels lists the channels by id.
func (s *Service) Channels() []Channel {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Channel, 0, len(s.channels))
	for _, c := range s.channels {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// CreateChannel records a channel whose alignments exist.
func (s *Service) CreateChannel(ctx context.Context, cfg ChannelConfig) (Channel, error) {
	var errs []error
	if cfg.Source == "" {
		errs = append(errs, fmt.Errorf("%w: source is required", ErrBadRequest))
	}
	if cfg.Sink == "" {
		errs = append(errs, fmt.Errorf("%w: sink is required", ErrBadRequest))
	}
	if cfg.Parallelism < 0 {
		errs = append(errs, fmt.Errorf("%w: parallelism must not be negative", ErrBadRequest))
	}
	if cfg.Parallelism == 0 {
		cfg.Parallelism = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range []alignment.ID{
		{Name: cfg.InpAlignmentName, Version: cfg.InpAlignmentVersion},
		{Name: cfg.OutAlignmentName, Version: cfg.OutAlignmentVersion},
	} {
		if _, ok := s.aligns[id]; !ok && !id.IsIdentity() {
			errs = append(errs, fmt.Errorf("%w: alignment %s version %s", ErrNotFound, id.Name, id.Version))
		}
	}
	if len(errs) > 0 {
		return Channel{}, errors.Join(errs...)
	}
	for _, c := range s.channels {
		if c.Source == cfg.Source && c.Sink == cfg.Sink {
			return Channel{}, fmt.Errorf("%w: %d reads %s and writes %s", ErrChannelExists, c.ID, c.Source, c.Sink)
		}
	}
	s.nextID++
	ch := &Channel{ID: s.nextID, DescID: cfg.Source + "->" + cfg.Sink, ChannelConfig: cfg}
	if err := s.saveChannel(ctx, ch); err != nil {
		s.nextID--
		return Channel{}, err
	}
	s.channels[ch.ID] = ch
	return *ch, nil
}

// DeleteChannel removes a channel.
func (s *Service) DeleteChannel(ctx context.Context, id int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.channels[id]; !ok {
		return fmt.Errorf("%w: channel %d", ErrNotFound, id)
	}
	if err := s.deleteNode(ctx, channelsGraph, channelNode(id)); err != nil {
		return err
	}
	delete(s.channels, id)
	return nil
}

// Translate applies the alignments, left to right, to a message's payload
// in place.
func (s *Service) Translate(ctx context.Context, msg *messages.Message, ids ...alignment.ID) ([]alignment.Loss, error) {
	chain := make([]*alignment.Compiled, 0, len(ids))
	for _, id := range ids {
		c, err := s.Compiled(id)
		if err != nil {
			return nil, err
		}
		chain = append(chain, c)
	}
	return s.translator.TranslateMessage(ctx, msg, chain...)
}

func itoa(n int) string { return strconv.Itoa(n) }
