package emulator

import (
	"strconv"
	"strings"
	"time"

	"github.com/intermw/intermw/bridges"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/rdf"
)

// loop is the bridge's one goroutine: idle while nothing is subscribed,
// otherwise one ticker that emits a batch of observations per tick.
func (b *Bridge) loop() {
	defer close(b.done)
	for {
		if !b.hasSubscriptions() {
			select {
			case <-b.wake:
				continue
			case <-b.ctx.Done():
				return
			}
		}
		t := time.NewTicker(b.cfg.ObservationInterval)
		for b.hasSubscriptions() {
			select {
			case <-t.C:
				b.tick()
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

// tick emits one observation per subscribed, non-virtual device of every
// subscription, as one batch.
func (b *Bridge) tick() {
	b.emitMu.Lock()
	defer b.emitMu.Unlock()
	b.mu.Lock()
	var batch []emission
	for _, s := range b.subs {
		for _, id := range s.DeviceIDs {
			if d, ok := b.devices[id]; ok && d.Virtual {
				continue // fed by platform-to-platform subscriptions only
			}
			b.seq++
			batch = append(batch, emission{sub: s.ID, client: s.ClientID, device: id, seq: b.seq})
		}
	}
	b.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	now := b.cfg.Now()
	msgs := make([]*messages.Message, len(batch))
	for i, e := range batch {
		msgs[i] = b.observation(e, now)
	}
	if err := b.out.Emit(b.ctx, msgs...); err != nil && b.ctx.Err() == nil {
		b.log.WithError(err).Warn("emitting observations failed")
	}
}

// observation builds one Observation message for e.
func (b *Bridge) observation(e emission, now time.Time) *messages.Message {
	m := b.builder.Request(messages.Observation)
	m.Metadata.ConversationID = e.sub
	m.Metadata.ClientID = e.client
	m.Metadata.DateTimeStamp = now
	obs := observationBase + strings.TrimPrefix(m.Metadata.MessageID, "msg")
	m.Payload = appendObservation(make([]rdf.Triple, 0, 8), obs, e.device, "r", value(e.seq), now)
	return m
}

// value is the emulated temperature of the seq-th observation: 15.0 to
// 34.9 °C, repeating.
func value(seq uint64) string {
	v := 150 + (seq*37)%200
	return strconv.FormatUint(v/10, 10) + "." + strconv.FormatUint(v%10, 10)
}

// appendObservation appends a sosa:Observation made by device with a
// sosa:Result carrying value in °C.
func appendObservation(ts []rdf.Triple, obsIRI, device, resultLabel, val string, at time.Time) []rdf.Triple {
	o := rdf.IRI(obsIRI)
	r := rdf.Blank(resultLabel)
	typ := rdf.IRI(rdf.RDFType)
	return append(ts,
		rdf.Triple{S: o, P: typ, O: rdf.IRI(bridges.ClassObservation)},
		rdf.Triple{S: o, P: rdf.IRI(bridges.PropMadeBySensor), O: rdf.IRI(device)},
		rdf.Triple{S: o, P: rdf.IRI(bridges.PropObservedProp), O: rdf.IRI(ObservedProperty)},
		rdf.Triple{S: o, P: rdf.IRI(bridges.PropResultTime), O: rdf.Literal(at.UTC().Format(time.RFC3339Nano), rdf.XSDDateTime)},
		rdf.Triple{S: o, P: rdf.IRI(bridges.PropHasResult), O: r},
		rdf.Triple{S: r, P: typ, O: rdf.IRI(bridges.ClassResult)},
		rdf.Triple{S: r, P: rdf.IRI(bridges.PropHasResultValue), O: rdf.Literal(val, rdf.XSDDouble)},
		rdf.Triple{S: r, P: rdf.IRI(bridges.PropHasUnit), O: rdf.IRI(UnitDegreeC)},
	)
}
