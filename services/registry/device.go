package registry

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
)

// DeviceType is the kind of an IoT device, as INTER-MW names it.
type DeviceType string

// The device types and the classes they stand for.
const (
	DeviceTypeDevice   DeviceType = "DEVICE"   // iiot:IoTDevice
	DeviceTypeSensor   DeviceType = "SENSOR"   // sosa:Sensor
	DeviceTypeActuator DeviceType = "ACTUATOR" // sosa:Actuator
	DeviceTypeVirtual  DeviceType = "VIRTUAL"  // mw:VirtualDevice
)

// ClassIRI returns the RDF class of the device type, "" if t is unknown.
func (t DeviceType) ClassIRI() string {
	switch t {
	case DeviceTypeDevice:
		return iiotIoTDevice.Value
	case DeviceTypeSensor:
		return sosaSensor.Value
	case DeviceTypeActuator:
		return sosaActuator.Value
	case DeviceTypeVirtual:
		return mwVirtualDevice.Value
	}
	return ""
}

// Valid reports whether t is one of the device types.
func (t DeviceType) Valid() bool { return t.ClassIRI() != "" }

// deviceTypeOf maps a class IRI back to its device type.
func deviceTypeOf(class string) (DeviceType, bool) {
	for _, t := range []DeviceType{DeviceTypeDevice, DeviceTypeSensor, DeviceTypeActuator, DeviceTypeVirtual} {
		if t.ClassIRI() == class {
			return t, true
		}
	}
	return "", false
}

// IoTDevice is a device a platform hosts (the INTER-MW 2.5 body). The
// list fields hold IRIs.
type IoTDevice struct {
	DeviceID            string       `json:"deviceId"`
	HostedBy            string       `json:"hostedBy,omitempty"`
	Location            string       `json:"location,omitempty"`
	Name                string       `json:"name,omitempty"`
	DeviceTypes         []DeviceType `json:"deviceTypes,omitempty"`
	Hosts               []string     `json:"hosts,omitempty"`
	ForProperty         []string     `json:"forProperty,omitempty"`
	Observes            []string     `json:"observes,omitempty"`
	MadeActuation       []string     `json:"madeActuation,omitempty"`
	MadeObservation     []string     `json:"madeObservation,omitempty"`
	ImplementsProcedure []string     `json:"implementsProcedure,omitempty"`
	Detects             []string     `json:"detects,omitempty"`

	// Extra holds further triples describing the device that the fields do
	// not carry: other types and properties, and the nodes reachable from
	// the device through blank nodes (the observed property of a
	// discovered sensor, its local id). They are stored in the device's
	// graph with it, so discovery SPARQL sees them.
	Extra []rdf.Triple `json:"-"`
}

// deviceLists maps each IRI-list field to its predicate.
func (d *IoTDevice) lists() []struct {
	pred rdf.Term
	v    *[]string
} {
	return []struct {
		pred rdf.Term
		v    *[]string
	}{
		{sosaHosts, &d.Hosts},
		{ssnForProperty, &d.ForProperty},
		{sosaObserves, &d.Observes},
		{sosaMadeActuation, &d.MadeActuation},
		{sosaMadeObservation, &d.MadeObservation},
		{ssnImplements, &d.ImplementsProcedure},
		{ssnDetects, &d.Detects},
	}
}

// check validates a device; platform, when set, is the platform the device
// belongs to whatever its hostedBy says (a bridge's Device_Init).
func (d *IoTDevice) check() error {
	if err := checkResourceID("deviceId", d.DeviceID); err != nil {
		return err
	}
	if err := checkResourceID("hostedBy", d.HostedBy); err != nil {
		return err
	}
	if err := checkOptionalIRI("location", d.Location); err != nil {
		return err
	}
	if err := checkOptionalText("name", d.Name); err != nil {
		return err
	}
	for _, t := range d.DeviceTypes {
		if !t.Valid() {
			return fmt.Errorf("%w: deviceType %q is not DEVICE, SENSOR, ACTUATOR or VIRTUAL", ErrInvalid, t)
		}
	}
	for _, l := range d.lists() {
		for _, v := range *l.v {
			if err := checkIRI(localName(l.pred.Value), v); err != nil {
				return err
			}
		}
	}
	for _, t := range d.Extra {
		for _, term := range [3]rdf.Term{t.S, t.P, t.O} {
			if _, err := triplestore.FormatTerm(term); err != nil {
				return fmt.Errorf("%w: device %q: %w", ErrInvalid, d.DeviceID, err)
			}
		}
	}
	return nil
}

func localName(iri string) string {
	if i := strings.LastIndexAny(iri, "#/"); i >= 0 {
		return iri[i+1:]
	}
	return iri
}

// Triples returns the device as GOIoTP RDF: what its registry graph holds
// and what a message payload carries. A device without types is typed
// iiot:IoTDevice.
func (d IoTDevice) Triples() []rdf.Triple {
	s := rdf.IRI(d.DeviceID)
	var ts []rdf.Triple
	add := func(p, o rdf.Term) { ts = append(ts, rdf.Triple{S: s, P: p, O: o}) }
	types := d.DeviceTypes
	if len(types) == 0 {
		types = []DeviceType{DeviceTypeDevice}
	}
	for _, t := range types {
		add(rdfType, rdf.IRI(t.ClassIRI()))
	}
	if d.Name != "" {
		add(iiotHasName, lit(d.Name))
	}
	if d.HostedBy != "" {
		add(sosaIsHostedBy, rdf.IRI(d.HostedBy))
	}
	if d.Location != "" {
		add(iiotHasLocation, rdf.IRI(d.Location))
	}
	for _, l := range d.lists() {
		for _, v := range *l.v {
			add(l.pred, rdf.IRI(v))
		}
	}
	return append(ts, d.Extra...)
}

// devicesFromGraph reads devices from triples: every IRI subject typed with
// a device class (or, when ids is set, each of those ids) becomes a
// device; the triples about it fill its fields, and everything else
// reachable from it (through blank nodes) and not a field goes to Extra.
func devicesFromGraph(ts []rdf.Triple, ids []string) []IoTDevice {
	bySubject := map[rdf.Term][]rdf.Triple{}
	for _, t := range ts {
		bySubject[t.S] = append(bySubject[t.S], t)
	}
	if ids == nil {
		seen := map[string]bool{}
		for _, t := range ts {
			if t.S.IsIRI() && t.P == rdfType && t.O.IsIRI() && !seen[t.S.Value] {
				if _, ok := deviceTypeOf(t.O.Value); ok {
					seen[t.S.Value] = true
					ids = append(ids, t.S.Value)
				}
			}
		}
	}
	out := make([]IoTDevice, 0, len(ids))
	for _, id := range ids {
		d := IoTDevice{DeviceID: id}
		for _, t := range bySubject[rdf.IRI(id)] {
			if !d.setField(t) {
				d.Extra = append(d.Extra, t)
			}
		}
		// Follow blank nodes from the device, so that their descriptions
		// travel and are stored with it.
		seen := map[rdf.Term]bool{}
		queue := []rdf.Term{}
		for _, t := range bySubject[rdf.IRI(id)] {
			if t.O.IsBlank() && !seen[t.O] {
				seen[t.O] = true
				queue = append(queue, t.O)
			}
		}
		for len(queue) > 0 {
			b := queue[0]
			queue = queue[1:]
			for _, t := range bySubject[b] {
				d.Extra = append(d.Extra, t)
				if t.O.IsBlank() && !seen[t.O] {
					seen[t.O] = true
					queue = append(queue, t.O)
				}
			}
		}
		out = append(out, d)
	}
	return out
}

// setField fills one field from a triple about the device; false means
// the triple belongs in Extra.
func (d *IoTDevice) setField(t rdf.Triple) bool {
	switch t.P.Value {
	case rdf.RDFType:
		if ty, ok := deviceTypeOf(t.O.Value); ok && t.O.IsIRI() {
			for _, have := range d.DeviceTypes {
				if have == ty {
					return true
				}
			}
			d.DeviceTypes = append(d.DeviceTypes, ty)
			return true
		}
		return false
	case iiotHasName.Value:
		if t.O.IsLiteral() && d.Name == "" {
			d.Name = t.O.Value
			return true
		}
		return false
	case sosaIsHostedBy.Value:
		if t.O.IsIRI() && d.HostedBy == "" {
			d.HostedBy = t.O.Value
			return true
		}
		return false
	case iiotHasLocation.Value:
		if t.O.IsIRI() && d.Location == "" {
			d.Location = t.O.Value
			return true
		}
		return false
	}
	if !t.O.IsIRI() {
		return false
	}
	for _, l := range d.lists() {
		if t.P == l.pred {
			*l.v = append(*l.v, t.O.Value)
			return true
		}
	}
	return false
}

// relabel renames the blank nodes of a device's Extra triples so that they
// are distinct from every other device's in one update request.
func relabel(ts []rdf.Triple, prefix string) []rdf.Triple {
	names := map[string]string{}
	rename := func(t rdf.Term) rdf.Term {
		if !t.IsBlank() {
			return t
		}
		n, ok := names[t.Value]
		if !ok {
			n = fmt.Sprintf("%s_%d", prefix, len(names))
			names[t.Value] = n
		}
		return rdf.Blank(n)
	}
	out := make([]rdf.Triple, len(ts))
	for i, t := range ts {
		out[i] = rdf.Triple{S: rename(t.S), P: t.P, O: rename(t.O)}
	}
	return out
}

// deviceGraphs returns what to insert for devices: their index entries and
// their own graphs.
func deviceGraphs(devices []IoTDevice) []graphTriples {
	index := graphTriples{graph: GraphDevices}
	graphs := []graphTriples{}
	for i, d := range devices {
		d.Extra = relabel(d.Extra, fmt.Sprintf("d%d", i))
		index.triples = append(index.triples, rdf.Triple{S: rdf.IRI(d.DeviceID), P: sosaIsHostedBy, O: rdf.IRI(d.HostedBy)})
		graphs = append(graphs, graphTriples{d.DeviceID, d.Triples()})
	}
	return append([]graphTriples{index}, graphs...)
}

// checkDevices validates devices and that no id repeats.
func checkDevices(devices []IoTDevice) error {
	seen := map[string]bool{}
	for i := range devices {
		if err := devices[i].check(); err != nil {
			return err
		}
		if seen[devices[i].DeviceID] {
			return fmt.Errorf("%w: device %q appears twice", ErrInvalid, devices[i].DeviceID)
		}
		seen[devices[i].DeviceID] = true
	}
	return nil
}

// AddDevices registers new devices. ErrConflict if any is registered (or
// names a platform); nothing is written then.
func (r *Registry) AddDevices(ctx context.Context, devices []IoTDevice) error {
	if err := checkDevices(devices); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range devices {
		if ok, err := r.deviceExists(ctx, d.DeviceID); err != nil {
			return err
		} else if ok {
			return fmt.Errorf("%w: device %q", ErrConflict, d.DeviceID)
		}
	}
	return r.putDevicesLocked(ctx, devices)
}

// UpdateDevices replaces registered devices' descriptions. ErrNotFound if
// any is not registered; nothing is written then.
func (r *Registry) UpdateDevices(ctx context.Context, devices []IoTDevice) error {
	if err := checkDevices(devices); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range devices {
		if ok, err := r.deviceExists(ctx, d.DeviceID); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("%w: device %q", ErrNotFound, d.DeviceID)
		}
	}
	return r.putDevicesLocked(ctx, devices)
}

// PutDevices registers devices or replaces their descriptions: what a
// platform's confirmation of Platform_create_Device or
// Platform_update_Device, or a bridge's Device_Add, does. Idempotent.
func (r *Registry) PutDevices(ctx context.Context, devices []IoTDevice) error {
	if err := checkDevices(devices); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.putDevicesLocked(ctx, devices)
}

func (r *Registry) putDevicesLocked(ctx context.Context, devices []IoTDevice) error {
	if len(devices) == 0 {
		return nil
	}
	ids := make([]rdf.Term, len(devices))
	for i, d := range devices {
		ids[i] = rdf.IRI(d.DeviceID)
		if ok, err := r.platformExists(ctx, d.DeviceID); err != nil {
			return err
		} else if ok {
			return fmt.Errorf("%w: deviceId %q already names a platform", ErrConflict, d.DeviceID)
		}
	}
	r.log.WithField("devices", len(devices)).Debug("writing devices")
	return r.write(ctx, deleteDevicesTemplate, map[string]any{"ids": ids}, deviceGraphs(devices)...)
}

// deleteDevicesTemplate clears the graphs and index entries of the devices
// in %{ids}.
const deleteDevicesTemplate = `
DELETE { GRAPH ?d { ?s ?p ?o } } WHERE { VALUES ?d { %{ids} } GRAPH ?d { ?s ?p ?o } } ;
DELETE { GRAPH <` + GraphDevices + `> { ?d ?p ?o } } WHERE { VALUES ?d { %{ids} } GRAPH <` + GraphDevices + `> { ?d ?p ?o } }`

// ReplaceDevices makes devices the whole device set of platformID (a
// bridge's Device_Init): the platform's other devices are removed, and
// every device is recorded as hosted by platformID whatever its hostedBy
// said. One atomic update.
func (r *Registry) ReplaceDevices(ctx context.Context, platformID string, devices []IoTDevice) error {
	if err := checkIRI("platformId", platformID); err != nil {
		return err
	}
	devices = append([]IoTDevice(nil), devices...)
	for i := range devices {
		devices[i].HostedBy = platformID
	}
	if err := checkDevices(devices); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := make([]rdf.Term, len(devices))
	for i, d := range devices {
		ids[i] = rdf.IRI(d.DeviceID)
		if ok, err := r.platformExists(ctx, d.DeviceID); err != nil {
			return err
		} else if ok {
			return fmt.Errorf("%w: deviceId %q already names a platform", ErrConflict, d.DeviceID)
		}
	}
	r.log.WithFields(map[string]any{"platformId": platformID, "devices": len(devices)}).Debug("replacing devices")
	return r.write(ctx, `
DELETE { GRAPH ?d { ?s ?p ?o } } WHERE { GRAPH <`+GraphDevices+`> { ?d sosa:isHostedBy %{plat} } GRAPH ?d { ?s ?p ?o } } ;
DELETE WHERE { GRAPH <`+GraphDevices+`> { ?d sosa:isHostedBy %{plat} } } ;`+deleteDevicesTemplate,
		map[string]any{"plat": rdf.IRI(platformID), "ids": ids}, deviceGraphs(devices)...)
}

// RemoveDevices unregisters devices. ErrNotFound if any is not registered;
// nothing is removed then.
func (r *Registry) RemoveDevices(ctx context.Context, deviceIDs []string) error {
	ids := make([]rdf.Term, len(deviceIDs))
	for i, id := range deviceIDs {
		if err := checkIRI("deviceId", id); err != nil {
			return err
		}
		ids[i] = rdf.IRI(id)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range deviceIDs {
		if ok, err := r.deviceExists(ctx, id); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("%w: device %q", ErrNotFound, id)
		}
	}
	return r.removeDevicesLocked(ctx, ids)
}

// ForgetDevices unregisters whichever of the devices are registered (a
// bridge's Device_Remove, a confirmed Platform_delete_Device). Idempotent.
func (r *Registry) ForgetDevices(ctx context.Context, deviceIDs []string) error {
	ids := make([]rdf.Term, len(deviceIDs))
	for i, id := range deviceIDs {
		if err := checkIRI("deviceId", id); err != nil {
			return err
		}
		ids[i] = rdf.IRI(id)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.removeDevicesLocked(ctx, ids)
}

func (r *Registry) removeDevicesLocked(ctx context.Context, ids []rdf.Term) error {
	if len(ids) == 0 {
		return nil
	}
	r.log.WithField("devices", len(ids)).Debug("removing devices")
	return r.update(ctx, deleteDevicesTemplate, map[string]any{"ids": ids})
}

func (r *Registry) deviceExists(ctx context.Context, id string) (bool, error) {
	return r.ask(ctx, `ASK { GRAPH <`+GraphDevices+`> { %{d} sosa:isHostedBy ?p } }`, map[string]any{"d": rdf.IRI(id)})
}

// DevicePlatform returns the platform that hosts a registered device: the
// mapping PRM and ARM route device requests by. ErrNotFound if the device
// is not registered.
func (r *Registry) DevicePlatform(ctx context.Context, deviceID string) (string, error) {
	if err := checkIRI("deviceId", deviceID); err != nil {
		return "", err
	}
	rows, err := r.rows(ctx, `SELECT ?p WHERE { GRAPH <`+GraphDevices+`> { %{d} sosa:isHostedBy ?p } } LIMIT 1`,
		map[string]any{"d": rdf.IRI(deviceID)})
	if err != nil {
		return "", err
	}
	if len(rows) == 0 {
		return "", fmt.Errorf("%w: device %q", ErrNotFound, deviceID)
	}
	return rows[0]["p"].Value, nil
}

// DevicePlatforms maps each of deviceIDs that is registered to its
// platform, in one query.
func (r *Registry) DevicePlatforms(ctx context.Context, deviceIDs []string) (map[string]string, error) {
	ids := make([]rdf.Term, len(deviceIDs))
	for i, id := range deviceIDs {
		if err := checkIRI("deviceId", id); err != nil {
			return nil, err
		}
		ids[i] = rdf.IRI(id)
	}
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := r.rows(ctx, `SELECT ?d ?p WHERE { VALUES ?d { %{ids} } GRAPH <`+GraphDevices+`> { ?d sosa:isHostedBy ?p } }`,
		map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	for _, b := range rows {
		out[b["d"].Value] = b["p"].Value
	}
	return out, nil
}

// GetDevice returns a registered device. ErrNotFound if it is not.
func (r *Registry) GetDevice(ctx context.Context, deviceID string) (IoTDevice, error) {
	if err := checkIRI("deviceId", deviceID); err != nil {
		return IoTDevice{}, err
	}
	ds, err := r.queryDevices(ctx, `VALUES ?d { %{d} }`, map[string]any{"d": rdf.IRI(deviceID)})
	if err != nil {
		return IoTDevice{}, err
	}
	if len(ds) == 0 {
		return IoTDevice{}, fmt.Errorf("%w: device %q", ErrNotFound, deviceID)
	}
	return ds[0], nil
}

// ListDevices returns the devices of a platform, or every device when
// platformID is empty, ordered by deviceId.
func (r *Registry) ListDevices(ctx context.Context, platformID string) ([]IoTDevice, error) {
	if platformID == "" {
		return r.queryDevices(ctx, "", nil)
	}
	if err := checkIRI("platformId", platformID); err != nil {
		return nil, err
	}
	return r.queryDevices(ctx, "", map[string]any{"host": rdf.IRI(platformID)})
}

// DeviceFilter is the body of POST /devices/query: every set field must
// match. Location, HostedBy and Type are IRIs; Name and LocalID match the
// literal's text exactly.
type DeviceFilter struct {
	DeviceTypes []DeviceType `json:"deviceTypes,omitempty"`
	HostedBy    string       `json:"hostedBy,omitempty"`
	Location    string       `json:"location,omitempty"`
	Name        string       `json:"name,omitempty"`
	Type        string       `json:"type,omitempty"`
	LocalID     string       `json:"localId,omitempty"`
}

// QueryDevices returns the devices that match every condition of f,
// ordered by deviceId. ErrInvalid for a malformed filter.
func (r *Registry) QueryDevices(ctx context.Context, f DeviceFilter) ([]IoTDevice, error) {
	var cond strings.Builder
	args := map[string]any{}
	for i, t := range f.DeviceTypes {
		if !t.Valid() {
			return nil, fmt.Errorf("%w: deviceType %q is not DEVICE, SENSOR, ACTUATOR or VIRTUAL", ErrInvalid, t)
		}
		name := fmt.Sprintf("t%d", i)
		fmt.Fprintf(&cond, "?d rdf:type %%{%s} .\n", name)
		args[name] = rdf.IRI(t.ClassIRI())
	}
	iris := []struct{ field, value, pattern string }{
		{"hostedBy", f.HostedBy, "?d sosa:isHostedBy %{hostedBy} .\n"},
		{"location", f.Location, "?d iiot:hasLocation %{location} .\n"},
		{"type", f.Type, "?d rdf:type %{type} .\n"},
	}
	for _, c := range iris {
		if c.value == "" {
			continue
		}
		if err := checkIRI(c.field, c.value); err != nil {
			return nil, err
		}
		cond.WriteString(c.pattern)
		args[c.field] = rdf.IRI(c.value)
	}
	if f.Name != "" {
		if err := checkOptionalText("name", f.Name); err != nil {
			return nil, err
		}
		cond.WriteString("?d iiot:hasName ?fname . FILTER(STR(?fname) = %{name})\n")
		args["name"] = lit(f.Name)
	}
	if f.LocalID != "" {
		if err := checkOptionalText("localId", f.LocalID); err != nil {
			return nil, err
		}
		cond.WriteString("VALUES ?flp { iiotex:hasLocalId iiotex:hasLocalID iiot:hasLocalId } ?d ?flp ?flid . FILTER(STR(?flid) = %{localId})\n")
		args["localId"] = lit(f.LocalID)
	}
	if cond.Len() == 0 {
		return r.queryDevices(ctx, "", nil)
	}
	return r.queryDevices(ctx, "GRAPH ?d {\n"+cond.String()+"}", args)
}

// queryDevices reads the graphs of the registered devices ?d that match
// pattern, and are hosted by args["host"] when it is set, and decodes them.
func (r *Registry) queryDevices(ctx context.Context, pattern string, args map[string]any) ([]IoTDevice, error) {
	if args == nil {
		args = map[string]any{}
	}
	if _, ok := args["host"]; !ok {
		args["host"] = triplestore.Var("host")
	}
	rows, err := r.rows(ctx, `SELECT ?d ?s ?p ?o WHERE {
  GRAPH <`+GraphDevices+`> { ?d sosa:isHostedBy %{host} }
  `+pattern+`
  GRAPH ?d { ?s ?p ?o }
}`, args)
	if err != nil {
		return nil, err
	}
	byDevice := map[string][]rdf.Triple{}
	for _, b := range rows {
		id := b["d"].Value
		byDevice[id] = append(byDevice[id], rdf.Triple{S: b["s"], P: b["p"], O: b["o"]})
	}
	out := make([]IoTDevice, 0, len(byDevice))
	for id, ts := range byDevice {
		out = append(out, devicesFromGraph(ts, []string{id})...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DeviceID < out[j].DeviceID })
	return out, nil
}
