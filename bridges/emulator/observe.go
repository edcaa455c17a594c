package emulator

import (
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/intermw/intermw/bridges"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/rdf"
)

// loop is the bridge's one goroutine: idle while nothing is subscribed,
// otherwise one ticker that emits a batch of observations per tick. The
// interval is cut into slots (see Config.EmitSlot): each tick serves the
// next slot, so a device is observed once per interval and the stream has
// no bursts larger than a slot's share.
func (b *Bridge) loop() {
	defer close(b.done)
	slots, step := b.cfg.slots()
	slot := 0
	for {
		if !b.hasSubscriptions() {
			select {
			case <-b.wake:
				continue
			case <-b.ctx.Done():
				return
			}
		}
		t := time.NewTicker(step)
		for b.hasSubscriptions() {
			select {
			case <-t.C:
				b.tick(slot, slots)
				slot = (slot + 1) % slots
			case <-b.ctx.Done():
				t.Stop()
				return
			}
		}
		t.Stop()
	}
}

func (b *Bridge) hasSubscriptions() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs) > 0
}

// emission is one observation to emit: for which subscription, of which
// device, with which sequence number.
type emission struct {
	sub, client, device string
	seq                 uint64
}

// tick emits one observation per subscribed, non-virtual device in slot
// (of slots) of every subscription, as one batch: the subscriptions'
// devices, counted one after the other, fall in slot i when their number
// modulo slots is i. The batch's messages and payloads live in buffers the
// bridge reuses from tick to tick (Emit keeps nothing), so a tick
// allocates little beyond the strings that change.
func (b *Bridge) tick(slot, slots int) {
	b.emitMu.Lock()
	defer b.emitMu.Unlock()
	b.mu.Lock()
	batch := b.batch[:0]
	base := 0 // devices of the subscriptions before s
	for _, id := range b.subOrder {
		s := b.subs[id]
		first := ((slot-base)%slots + slots) % slots
		for j := first; j < len(s.DeviceIDs); j += slots {
			dev := s.DeviceIDs[j]
			if d, ok := b.devices[dev]; ok && d.Virtual {
				continue // fed by platform-to-platform subscriptions only
			}
			b.seq++
			batch = append(batch, emission{sub: s.ID, client: s.ClientID, device: dev, seq: b.seq})
		}
		base += len(s.DeviceIDs)
	}
	opts := b.opts
	b.mu.Unlock()
	b.batch = batch
	if len(batch) == 0 {
		return
	}
	now := b.cfg.Now()
	stamp := now.UTC().Format(time.RFC3339Nano)
	if cap(b.arena) < len(batch) {
		b.arena = make([]messages.Message, len(batch))
		b.ptrs = make([]*messages.Message, len(batch))
		b.triples = make([]rdf.Triple, obsTriples*len(batch))
		b.types = make([]messages.Type, len(batch))
	}
	msgs := b.ptrs[:len(batch)]
	for i, e := range batch {
		m := &b.arena[i]
		b.observation(m, b.types[i:i+1:i+1], b.triples[i*obsTriples:i*obsTriples:(i+1)*obsTriples], e, opts, now, stamp)
		msgs[i] = m
	}
	if err := b.out.Emit(b.ctx, msgs...); err != nil && b.ctx.Err() == nil {
		b.log.WithError(err).Warn("emitting observations failed")
	}
}

// obsTriples is how many triples appendObservation (and appendBodyCloud)
// writes.
const obsTriples = 8

// observation fills m with the Observation message for e in the profile
// of o, using types and payload as its slices' backing arrays; stamp is
// now in RFC 3339.
func (b *Bridge) observation(m *messages.Message, types []messages.Type, payload []rdf.Triple, e emission, o options, now time.Time, stamp string) {
	id := b.newUUID()
	*m = messages.Message{Metadata: messages.Metadata{
		Node:           rdf.IRI(messages.MetaNodeBase + id),
		Types:          append(types[:0], messages.Observation),
		MessageID:      "msg" + id,
		ConversationID: e.sub,
		ClientID:       e.client,
		DateTimeStamp:  now,
	}}
	if o.profile == ProfileBodyCloud {
		m.Payload = appendBodyCloud(payload[:0], "o", "d", e.device, o.user, weight(e.seq), now)
		return
	}
	m.Payload = appendObservation(payload[:0], observationBase+id, e.device, "r", value(e.seq), stamp)
}

func (b *Bridge) newUUID() string {
	if b.cfg.NewUUID != nil {
		return b.cfg.NewUUID()
	}
	return uuid.NewString()
}

// value is the emulated temperature of the seq-th observation: 15.0 to
// 34.9 °C, repeating.
func value(seq uint64) string {
	v := 150 + (seq*37)%200
	return strconv.FormatUint(v/10, 10) + "." + strconv.FormatUint(v%10, 10)
}

// appendObservation appends a sosa:Observation made by device at the
// xsd:dateTime at, with a sosa:Result carrying value in °C.
func appendObservation(ts []rdf.Triple, obsIRI, device, resultLabel, val, at string) []rdf.Triple {
	o := rdf.IRI(obsIRI)
	r := rdf.Blank(resultLabel)
	typ := rdf.IRI(rdf.RDFType)
	return append(ts,
		rdf.Triple{S: o, P: typ, O: rdf.IRI(bridges.ClassObservation)},
		rdf.Triple{S: o, P: rdf.IRI(bridges.PropMadeBySensor), O: rdf.IRI(device)},
		rdf.Triple{S: o, P: rdf.IRI(bridges.PropObservedProp), O: rdf.IRI(ObservedProperty)},
		rdf.Triple{S: o, P: rdf.IRI(bridges.PropResultTime), O: rdf.Literal(at, rdf.XSDDateTime)},
		rdf.Triple{S: o, P: rdf.IRI(bridges.PropHasResult), O: r},
		rdf.Triple{S: r, P: typ, O: rdf.IRI(bridges.ClassResult)},
		rdf.Triple{S: r, P: rdf.IRI(bridges.PropHasResultValue), O: rdf.Literal(val, rdf.XSDDouble)},
		rdf.Triple{S: r, P: rdf.IRI(bridges.PropHasUnit), O: rdf.IRI(UnitDegreeC)},
	)
}
