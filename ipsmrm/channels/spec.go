package channels

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/intermw/intermw/ipsmrm"
	"github.com/intermw/intermw/ontology"
	"github.com/intermw/intermw/ontology/alignment"
	"github.com/intermw/intermw/ontology/rdf"
)

// Chain is what one channel applies: the input alignment, then the output
// alignment, as ipsm-core channels do. A zero ID is the identity.
type Chain struct {
	Input  alignment.ID `json:"input"`
	Output alignment.ID `json:"output"`
}

// IsIdentity reports whether the chain changes nothing, so that no channel
// is needed.
func (c Chain) IsIdentity() bool { return c.Input.IsIdentity() && c.Output.IsIdentity() }

// IDs returns the non-identity alignments of the chain, input first.
func (c Chain) IDs() []alignment.ID {
	var out []alignment.ID
	for _, id := range []alignment.ID{c.Input, c.Output} {
		if !id.IsIdentity() {
			out = append(out, id)
		}
	}
	return out
}

func (c Chain) String() string {
	return fmt.Sprintf("input %s, output %s", idText(c.Input), idText(c.Output))
}

func idText(id alignment.ID) string {
	if id.IsIdentity() {
		return "identity"
	}
	return id.Name + " " + id.Version
}

// encodeChain and decodeChain write a chain into the HeaderChain header.
func encodeChain(c Chain) string {
	b, _ := json.Marshal(c) // two structs of strings: cannot fail
	return string(b)
}

func decodeChain(s string) (Chain, error) {
	var c Chain
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return Chain{}, fmt.Errorf("%w: header %s: %v", ErrBadChain, HeaderChain, err)
	}
	return c, c.validate()
}

// validate: a name needs a version and a version needs a name.
func (c Chain) validate() error {
	var errs []error
	for _, f := range []struct {
		which string
		id    alignment.ID
	}{{"input", c.Input}, {"output", c.Output}} {
		switch {
		case f.id.Name != "" && f.id.Version == "":
			errs = append(errs, fmt.Errorf("%w: %s alignment %q has no version", ErrBadChain, f.which, f.id.Name))
		case f.id.Name == "" && f.id.Version != "":
			errs = append(errs, fmt.Errorf("%w: %s alignment version %q has no name", ErrBadChain, f.which, f.id.Version))
		}
	}
	return errors.Join(errs...)
}

// Spec is what a platform's registration says about its translation: its
// type and the chains of its two directions (the 8 alignment fields).
type Spec struct {
	PlatformID   string
	PlatformType string
	Downstream   Chain
	Upstream     Chain
}

// Chain returns the chain of direction dir.
func (s Spec) Chain(dir ipsmrm.Direction) Chain {
	if dir == ipsmrm.Downstream {
		return s.Downstream
	}
	return s.Upstream
}

// The INTER-MW properties of a platform description that carry the
// alignment fields (see services/registry's PlatformPayload).
var alignmentProps = map[string]func(s *Spec) *string{
	ontology.InterMW + "downstreamInputAlignmentName":     func(s *Spec) *string { return &s.Downstream.Input.Name },
	ontology.InterMW + "downstreamInputAlignmentVersion":  func(s *Spec) *string { return &s.Downstream.Input.Version },
	ontology.InterMW + "downstreamOutputAlignmentName":    func(s *Spec) *string { return &s.Downstream.Output.Name },
	ontology.InterMW + "downstreamOutputAlignmentVersion": func(s *Spec) *string { return &s.Downstream.Output.Version },
	ontology.InterMW + "upstreamInputAlignmentName":       func(s *Spec) *string { return &s.Upstream.Input.Name },
	ontology.InterMW + "upstreamInputAlignmentVersion":    func(s *Spec) *string { return &s.Upstream.Input.Version },
	ontology.InterMW + "upstreamOutputAlignmentName":      func(s *Spec) *string { return &s.Upstream.Output.Name },
	ontology.InterMW + "upstreamOutputAlignmentVersion":   func(s *Spec) *string { return &s.Upstream.Output.Version },
}

const propPlatformType = ontology.InterMW + "platformType"

// SpecOf reads a platform's translation spec from what IPSMRM knows of it:
// the alignment fields of the platform node in its registration payload
// (literals on the platform's IRI, as registry.PlatformPayload writes
// them) and its type (PlatformInfo.Type, else mw:platformType). A field
// given twice with different values, or a name without a version, is an
// error wrapping ErrBadChain.
func SpecOf(info ipsmrm.PlatformInfo) (Spec, error) {
	s := Spec{PlatformID: info.ID, PlatformType: info.Type}
	var errs []error
	seen := map[string]string{}
	subject := rdf.IRI(info.ID)
	for _, t := range info.Description {
		if t.S != subject {
			continue
		}
		if t.P.Value == propPlatformType && s.PlatformType == "" && t.O.IsLiteral() {
			s.PlatformType = t.O.Value
			continue
		}
		field, ok := alignmentProps[t.P.Value]
		if !ok {
			continue
		}
		if !t.O.IsLiteral() {
			errs = append(errs, fmt.Errorf("%w: %s is not a literal", ErrBadChain, t.P.Value))
			continue
		}
		if prev, dup := seen[t.P.Value]; dup && prev != t.O.Value {
			errs = append(errs, fmt.Errorf("%w: %s is both %q and %q", ErrBadChain, t.P.Value, prev, t.O.Value))
			continue
		}
		seen[t.P.Value] = t.O.Value
		*field(&s) = t.O.Value
	}
	if err := s.Downstream.validate(); err != nil {
		errs = append(errs, fmt.Errorf("downstream: %w", err))
	}
	if err := s.Upstream.validate(); err != nil {
		errs = append(errs, fmt.Errorf("upstream: %w", err))
	}
	return s, errors.Join(errs...)
}
