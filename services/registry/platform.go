package registry

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
)

// Platform is a registered IoT platform (the INTER-MW 2.5 body), with the
// names and versions of the IPSM alignments its translation channels use.
type Platform struct {
	PlatformID          string `json:"platformId"`
	Type                string `json:"type"`
	BaseEndpoint        string `json:"baseEndpoint,omitempty"`
	LocationID          string `json:"locationId,omitempty"`
	Name                string `json:"name,omitempty"`
	ClientID            string `json:"clientId,omitempty"`
	Username            string `json:"username,omitempty"`
	EncryptedPassword   string `json:"encryptedPassword,omitempty"`
	EncryptionAlgorithm string `json:"encryptionAlgorithm,omitempty"`
	// TimeCreated is milliseconds since the Unix epoch, as INTER-MW.
	TimeCreated int64 `json:"timeCreated,omitempty"`
	// PlatformStatistics is filled by GetPlatform and ListPlatforms.
	PlatformStatistics *PlatformStatistics `json:"platformStatistics,omitempty"`

	DownstreamInputAlignmentName     string `json:"downstreamInputAlignmentName,omitempty"`
	DownstreamInputAlignmentVersion  string `json:"downstreamInputAlignmentVersion,omitempty"`
	DownstreamOutputAlignmentName    string `json:"downstreamOutputAlignmentName,omitempty"`
	DownstreamOutputAlignmentVersion string `json:"downstreamOutputAlignmentVersion,omitempty"`
	UpstreamInputAlignmentName       string `json:"upstreamInputAlignmentName,omitempty"`
	UpstreamInputAlignmentVersion    string `json:"upstreamInputAlignmentVersion,omitempty"`
	UpstreamOutputAlignmentName      string `json:"upstreamOutputAlignmentName,omitempty"`
	UpstreamOutputAlignmentVersion   string `json:"upstreamOutputAlignmentVersion,omitempty"`
}

// PlatformStatistics are counts the registry computes per platform.
type PlatformStatistics struct {
	DeviceCount           int `json:"deviceCount"`
	SubscribedDeviceCount int `json:"subscribedDeviceCount"`
	SubscriptionCount     int `json:"subscriptionCount"`
}

// platformTextFields maps the mw: local name of each plain string field to
// the field, in one place for writing, reading and the message payload.
func (p *Platform) textFields() []struct {
	local string
	v     *string
} {
	return []struct {
		local string
		v     *string
	}{
		{"platformType", &p.Type},
		{"clientId", &p.ClientID},
		{"username", &p.Username},
		{"encryptedPassword", &p.EncryptedPassword},
		{"encryptionAlgorithm", &p.EncryptionAlgorithm},
		{"downstreamInputAlignmentName", &p.DownstreamInputAlignmentName},
		{"downstreamInputAlignmentVersion", &p.DownstreamInputAlignmentVersion},
		{"downstreamOutputAlignmentName", &p.DownstreamOutputAlignmentName},
		{"downstreamOutputAlignmentVersion", &p.DownstreamOutputAlignmentVersion},
		{"upstreamInputAlignmentName", &p.UpstreamInputAlignmentName},
		{"upstreamInputAlignmentVersion", &p.UpstreamInputAlignmentVersion},
		{"upstreamOutputAlignmentName", &p.UpstreamOutputAlignmentName},
		{"upstreamOutputAlignmentVersion", &p.UpstreamOutputAlignmentVersion},
	}
}

// check validates a platform description.
func (p *Platform) check() error {
	if err := checkResourceID("platformId", p.PlatformID); err != nil {
		return err
	}
	if err := checkText("type", p.Type); err != nil {
		return err
	}
	if p.TimeCreated < 0 {
		return fmt.Errorf("%w: timeCreated %d is negative", ErrInvalid, p.TimeCreated)
	}
	for _, f := range p.textFields() {
		if err := checkOptionalText(f.local, *f.v); err != nil {
			return err
		}
	}
	for _, f := range []struct{ n, v string }{{"name", p.Name}, {"baseEndpoint", p.BaseEndpoint}, {"locationId", p.LocationID}} {
		if err := checkOptionalText(f.n, f.v); err != nil {
			return err
		}
	}
	return nil
}

// locationTerm writes a locationId as an IRI when it is one, else as a
// literal, so that any text round-trips.
func locationTerm(loc string) rdf.Term {
	if checkIRI("location", loc) == nil {
		return rdf.IRI(loc)
	}
	return lit(loc)
}

// triples returns the platform as stored in its graph: the GOIoTP
// description (iiot:SoftwarePlatform, hasName, hasBaseEndpoint,
// hasLocation) and the INTER-MW properties flat on the platform node.
func (p Platform) triples() []rdf.Triple {
	s := rdf.IRI(p.PlatformID)
	ts := []rdf.Triple{{S: s, P: rdfType, O: iiotSoftwarePlatform}}
	add := func(pred rdf.Term, o rdf.Term) { ts = append(ts, rdf.Triple{S: s, P: pred, O: o}) }
	if p.Name != "" {
		add(iiotHasName, lit(p.Name))
	}
	if p.BaseEndpoint != "" {
		add(iiotHasBaseEndpoint, lit(p.BaseEndpoint))
	}
	if p.LocationID != "" {
		add(iiotHasLocation, locationTerm(p.LocationID))
	}
	if p.TimeCreated != 0 {
		add(mw("created"), rdf.Literal(strconv.FormatInt(p.TimeCreated, 10), NSXSD+"long"))
	}
	for _, f := range p.textFields() {
		if *f.v != "" {
			add(mw(f.local), lit(*f.v))
		}
	}
	return ts
}

// setField fills one field from a triple about the platform node; it
// reports whether the predicate was one of the platform's.
func (p *Platform) setField(pred string, o rdf.Term) bool {
	switch pred {
	case iiotHasName.Value:
		p.Name = o.Value
	case iiotHasBaseEndpoint.Value:
		p.BaseEndpoint = o.Value
	case iiotHasLocation.Value:
		p.LocationID = o.Value
	case NSINTERMW + "created":
		p.TimeCreated, _ = strconv.ParseInt(o.Value, 10, 64)
	default:
		for _, f := range p.textFields() {
			if pred == NSINTERMW+f.local {
				*f.v = o.Value
				return true
			}
		}
		return false
	}
	return true
}

// RegisterPlatform stores a new platform. ErrConflict if the platformId is
// registered (or names a device), ErrInvalid for a bad description.
func (r *Registry) RegisterPlatform(ctx context.Context, p Platform) error {
	if err := p.check(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if exists, err := r.platformExists(ctx, p.PlatformID); err != nil {
		return err
	} else if exists {
		return fmt.Errorf("%w: platform %q", ErrConflict, p.PlatformID)
	}
	return r.putPlatformLocked(ctx, p)
}

// UpdatePlatform replaces a registered platform's description. A zero
// TimeCreated keeps the stored one. ErrNotFound if it is not registered.
func (r *Registry) UpdatePlatform(ctx context.Context, p Platform) error {
	if err := p.check(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old, err := r.getPlatform(ctx, p.PlatformID)
	if err != nil {
		return err
	}
	if p.TimeCreated == 0 {
		p.TimeCreated = old.TimeCreated
	}
	return r.putPlatformLocked(ctx, p)
}

// PutPlatform registers p or replaces its description: what a platform's
// confirmation of Platform_register or Platform_update does, idempotent so
// that a redelivered confirmation is harmless. A zero TimeCreated keeps the
// stored one.
func (r *Registry) PutPlatform(ctx context.Context, p Platform) error {
	if err := p.check(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if p.TimeCreated == 0 {
		if old, err := r.getPlatform(ctx, p.PlatformID); err == nil {
			p.TimeCreated = old.TimeCreated
		}
	}
	return r.putPlatformLocked(ctx, p)
}

func (r *Registry) putPlatformLocked(ctx context.Context, p Platform) error {
	if isDev, err := r.deviceExists(ctx, p.PlatformID); err != nil {
		return err
	} else if isDev {
		return fmt.Errorf("%w: platformId %q already names a device", ErrConflict, p.PlatformID)
	}
	r.log.WithField("platformId", p.PlatformID).Debug("writing platform")
	return r.write(ctx, `DROP SILENT GRAPH %{p}`, map[string]any{"p": rdf.IRI(p.PlatformID)},
		graphTriples{GraphPlatforms, []rdf.Triple{{S: rdf.IRI(p.PlatformID), P: rdfType, O: iiotSoftwarePlatform}}},
		graphTriples{p.PlatformID, p.triples()})
}

func (r *Registry) platformExists(ctx context.Context, id string) (bool, error) {
	return r.ask(ctx, `ASK { GRAPH <`+GraphPlatforms+`> { %{p} a iiot:SoftwarePlatform } }`, map[string]any{"p": rdf.IRI(id)})
}

// GetPlatform returns a platform with its statistics. ErrNotFound if it is
// not registered.
func (r *Registry) GetPlatform(ctx context.Context, platformID string) (Platform, error) {
	if err := checkIRI("platformId", platformID); err != nil {
		return Platform{}, err
	}
	p, err := r.getPlatform(ctx, platformID)
	if err != nil {
		return Platform{}, err
	}
	stats, err := r.statistics(ctx, platformID)
	if err != nil {
		return Platform{}, err
	}
	s := stats[platformID]
	p.PlatformStatistics = &s
	return p, nil
}

func (r *Registry) getPlatform(ctx context.Context, platformID string) (Platform, error) {
	rows, err := r.rows(ctx, `SELECT ?p ?o WHERE { GRAPH <`+GraphPlatforms+`> { %{s} a iiot:SoftwarePlatform } GRAPH %{s} { %{s} ?p ?o } }`,
		map[string]any{"s": rdf.IRI(platformID)})
	if err != nil {
		return Platform{}, err
	}
	if len(rows) == 0 {
		return Platform{}, fmt.Errorf("%w: platform %q", ErrNotFound, platformID)
	}
	p := Platform{PlatformID: platformID}
	for _, b := range rows {
		p.setField(b["p"].Value, b["o"])
	}
	return p, nil
}

// ListPlatforms returns every registered platform with its statistics,
// ordered by platformId.
func (r *Registry) ListPlatforms(ctx context.Context) ([]Platform, error) {
	rows, err := r.rows(ctx, `SELECT ?s ?p ?o WHERE { GRAPH <`+GraphPlatforms+`> { ?s a iiot:SoftwarePlatform } GRAPH ?s { ?s ?p ?o } }`, nil)
	if err != nil {
		return nil, err
	}
	byID := map[string]*Platform{}
	for _, b := range rows {
		id := b["s"].Value
		p := byID[id]
		if p == nil {
			p = &Platform{PlatformID: id}
			byID[id] = p
		}
		p.setField(b["p"].Value, b["o"])
	}
	stats, err := r.statistics(ctx, "")
	if err != nil {
		return nil, err
	}
	out := make([]Platform, 0, len(byID))
	for id, p := range byID {
		s := stats[id]
		p.PlatformStatistics = &s
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PlatformID < out[j].PlatformID })
	return out, nil
}

// Statistics returns a platform's statistics. ErrNotFound if it is not
// registered.
func (r *Registry) Statistics(ctx context.Context, platformID string) (PlatformStatistics, error) {
	if err := checkIRI("platformId", platformID); err != nil {
		return PlatformStatistics{}, err
	}
	if ok, err := r.platformExists(ctx, platformID); err != nil {
		return PlatformStatistics{}, err
	} else if !ok {
		return PlatformStatistics{}, fmt.Errorf("%w: platform %q", ErrNotFound, platformID)
	}
	stats, err := r.statistics(ctx, platformID)
	if err != nil {
		return PlatformStatistics{}, err
	}
	return stats[platformID], nil
}

// statistics counts, per platform (or for one platform when platformID is
// set), its devices, its devices named by a subscription, and the
// subscriptions that name one of its devices.
func (r *Registry) statistics(ctx context.Context, platformID string) (map[string]PlatformStatistics, error) {
	args := map[string]any{"p": triplestore.Var("p")}
	if platformID != "" {
		args["p"] = rdf.IRI(platformID)
	}
	devices, err := r.rows(ctx, `SELECT ?plat (COUNT(DISTINCT ?d) AS ?n) WHERE {
  GRAPH <`+GraphDevices+`> { ?d sosa:isHostedBy %{p} }
  BIND(%{p} AS ?plat)
} GROUP BY ?plat`, args)
	if err != nil {
		return nil, err
	}
	subs, err := r.rows(ctx, `SELECT ?plat (COUNT(DISTINCT ?d) AS ?nd) (COUNT(DISTINCT ?s) AS ?ns) WHERE {
  GRAPH <`+GraphDevices+`> { ?d sosa:isHostedBy %{p} }
  GRAPH <`+GraphSubscriptions+`> { ?s mw:deviceId ?d }
  BIND(%{p} AS ?plat)
} GROUP BY ?plat`, args)
	if err != nil {
		return nil, err
	}
	out := map[string]PlatformStatistics{}
	for _, b := range devices {
		s := out[b["plat"].Value]
		s.DeviceCount, _ = strconv.Atoi(b["n"].Value)
		out[b["plat"].Value] = s
	}
	for _, b := range subs {
		s := out[b["plat"].Value]
		s.SubscribedDeviceCount, _ = strconv.Atoi(b["nd"].Value)
		s.SubscriptionCount, _ = strconv.Atoi(b["ns"].Value)
		out[b["plat"].Value] = s
	}
	return out, nil
}

// RemovePlatform unregisters a platform and everything that depends on it:
// its devices (their graphs and index entries), every subscription that
// names one of its devices or was made on it, and every platform-to-platform
// subscription whose source or target is on it. It is one atomic update.
// ErrNotFound if it is not registered.
func (r *Registry) RemovePlatform(ctx context.Context, platformID string) error {
	if err := checkIRI("platformId", platformID); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if ok, err := r.platformExists(ctx, platformID); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("%w: platform %q", ErrNotFound, platformID)
	}
	r.log.WithField("platformId", platformID).Debug("removing platform")
	return r.update(ctx, `
DELETE { GRAPH <`+GraphSubscriptions+`> { ?s ?sp ?so } } WHERE {
  GRAPH <`+GraphSubscriptions+`> {
    { ?s mw:platformId %{p} } UNION { ?s mw:deviceId ?d . GRAPH <`+GraphDevices+`> { ?d sosa:isHostedBy %{p} } }
    ?s ?sp ?so
  }
} ;
DELETE { GRAPH <`+GraphP2P+`> { ?s ?sp ?so } } WHERE {
  GRAPH <`+GraphP2P+`> {
    { ?s mw:sourcePlatformId %{p} } UNION { ?s mw:targetPlatformId %{p} }
    ?s ?sp ?so
  }
} ;
DELETE { GRAPH ?d { ?ds ?dp ?do } } WHERE {
  GRAPH <`+GraphDevices+`> { ?d sosa:isHostedBy %{p} }
  GRAPH ?d { ?ds ?dp ?do }
} ;
DELETE WHERE { GRAPH <`+GraphDevices+`> { ?d sosa:isHostedBy %{p} } } ;
DROP SILENT GRAPH %{p} ;
DELETE DATA { GRAPH <`+GraphPlatforms+`> { %{p} a iiot:SoftwarePlatform } }`,
		map[string]any{"p": rdf.IRI(platformID)})
}
