package messages

import (
	"slices"

	"github.com/intermw/intermw/ontology/rdf"
)

// dataset collects the quads a decoder produces, already split by graph.
type dataset struct {
	meta    []rdf.Triple
	payload []rdf.Triple
	other   []rdf.Quad
}

func (d *dataset) add(s, p, o, g rdf.Term) {
	if dst := d.graph(g); dst != nil {
		*dst = append(*dst, rdf.Triple{S: s, P: p, O: o})
		return
	}
	d.other = append(d.other, rdf.Quad{S: s, P: p, O: o, G: g})
}

// graph returns the triple slice that holds graph g, or nil when g's quads
// go to other.
func (d *dataset) graph(g rdf.Term) *[]rdf.Triple {
	if g.Kind == rdf.KindIRI {
		switch g.Value {
		case MetadataGraph:
			return &d.meta
		case PayloadGraph:
			return &d.payload
		}
	}
	return nil
}

// quads returns the whole dataset.
func (d *dataset) quads() []rdf.Quad {
	out := make([]rdf.Quad, 0, len(d.meta)+len(d.payload)+len(d.other))
	mg, pg := rdf.IRI(MetadataGraph), rdf.IRI(PayloadGraph)
	for _, t := range d.meta {
		out = append(out, t.InGraph(mg))
	}
	for _, t := range d.payload {
		out = append(out, t.InGraph(pg))
	}
	return append(out, d.other...)
}

// dedupe removes repeated quads (an RDF dataset is a set; JSON-LD may state
// a triple twice).
func (d *dataset) dedupe() {
	d.meta = dedupeTriples(d.meta)
	d.payload = dedupeTriples(d.payload)
	if len(d.other) > 1 {
		seen := make(map[rdf.Quad]struct{}, len(d.other))
		out := d.other[:0]
		for _, q := range d.other {
			if _, dup := seen[q]; !dup {
				seen[q] = struct{}{}
				out = append(out, q)
			}
		}
		d.other = out
	}
}

func dedupeTriples(ts []rdf.Triple) []rdf.Triple {
	if len(ts) < 2 {
		return ts
	}
	seen := make(map[rdf.Triple]struct{}, len(ts))
	out := ts[:0]
	for _, t := range ts {
		if _, dup := seen[t]; !dup {
			seen[t] = struct{}{}
			out = append(out, t)
		}
	}
	return out
}

// FromQuads builds a Message from an RDF dataset. Quads in the metadata graph
// become Metadata, those in the payload graph the Payload, the rest Other.
// It fails with ErrNoMetadata or ErrMetaNode (as *MetaNodeError) when the
// metadata graph is empty or has other than one msg:meta node.
func FromQuads(quads []rdf.Quad) (*Message, error) {
	var d dataset
	for _, q := range quads {
		d.add(q.S, q.P, q.O, q.G)
	}
	d.dedupe()
	return d.message()
}

// message maps the dataset onto a Message.
func (d *dataset) message() (*Message, error) {
	if len(d.meta) == 0 {
		return nil, ErrNoMetadata
	}
	var nodes []rdf.Term
	for i := range d.meta {
		t := &d.meta[i]
		if t.P.Kind == rdf.KindIRI && t.P.Value == rdf.RDFType && t.O.Kind == rdf.KindIRI &&
			t.O.Value == typeIRIs[Meta] && !slices.Contains(nodes, t.S) {
			nodes = append(nodes, t.S)
		}
	}
	if len(nodes) != 1 {
		return nil, &MetaNodeError{Count: len(nodes)}
	}
	node := nodes[0]
	m := &Message{Payload: d.payload, Other: d.other}
	md := &m.Metadata
	md.Node = node
	for _, t := range d.meta {
		if t.S != node || t.P.Kind != rdf.KindIRI || !md.take(t.P.Value, t.O) {
			md.Extra = append(md.Extra, t)
		}
	}
	return m, nil
}

// take stores the value o of the meta node's property p in its field and
// reports whether it did; false means the triple belongs in Extra.
func (md *Metadata) take(p string, o rdf.Term) bool {
	if p == rdf.RDFType {
		if o.Kind != rdf.KindIRI {
			return false
		}
		t, known := TypeFromIRI(o.Value)
		switch {
		case known && t == Meta:
			return true
		case known:
			for _, have := range md.Types {
				if have == t {
					return false
				}
			}
			md.Types = append(md.Types, t)
		default:
			md.UnknownTypes = append(md.UnknownTypes, o.Value)
		}
		return true
	}
	if len(p) <= len(NS) || p[:len(NS)] != NS {
		return false
	}
	switch p[len(NS):] {
	case "messageID":
		return takeString(&md.MessageID, o)
	case "conversationID":
		return takeString(&md.ConversationID, o)
	case "dateTimeStamp":
		if !md.DateTimeStamp.IsZero() {
			return false
		}
		ts, ok := parseDateTimeStamp(o)
		if !ok {
			return false
		}
		md.DateTimeStamp, md.dateTerm = ts, o
		return true
	case "clientID":
		return takeString(&md.ClientID, o)
	case "SenderPlatformId":
		if o.Kind != rdf.KindIRI || md.SenderPlatformID != "" || o.Value == "" {
			return false
		}
		md.SenderPlatformID = o.Value
		return true
	case "ReceiverPlatformId":
		if o.Kind != rdf.KindIRI || o.Value == "" {
			return false
		}
		md.ReceiverPlatformIDs = append(md.ReceiverPlatformIDs, o.Value)
		return true
	case "subscriptionID":
		return takeString(&md.SubscriptionID, o)
	case "status":
		return takeString(&md.Status, o)
	case "query":
		return takeString(&md.Query, o)
	case "previousConversationID":
		return takeString(&md.PreviousConversationID, o)
	case "virtualDeviceID":
		return takeString(&md.VirtualDeviceID, o)
	case "errCategory":
		return takeString(&md.ErrCategory, o)
	case "errID":
		return takeString(&md.ErrID, o)
	case "errDesc":
		return takeString(&md.ErrDesc, o)
	case "errOriginalMsg":
		return takeString(&md.ErrOriginalMsg, o)
	case "errStackTrace":
		return takeString(&md.ErrStackTrace, o)
	}
	return false
}

// takeString stores a plain, non-empty string literal in an empty field.
func takeString(field *string, o rdf.Term) bool {
	if *field != "" || o.Kind != rdf.KindLiteral || o.Datatype != rdf.XSDString || o.Lang != "" || o.Value == "" {
		return false
	}
	*field = o.Value
	return true
}
