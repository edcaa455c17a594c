package delivery

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/rdf"
)

// Vocabulary the JSON format reads from payloads.
const (
	nsSOSA  = "http://www.w3.org/ns/sosa/"
	nsIIOT  = "http://inter-iot.eu/GOIoTP#"
	nsMW    = "http://inter-iot.eu/INTERMW#"
	typeObs = nsSOSA + "Observation"
	typeDev = nsIIOT + "IoTDevice"
)

// jsonMessage is the JSON format: INTER-MW's simplified response DTOs
// (BaseRes and its subclasses) with the same field names, plus what they
// lost. Every observation of a message is in Observations; the single-
// observation fields of INTER-MW (hasResult … hasLocation) are also set
// when there is exactly one.
type jsonMessage struct {
	MessageTypes   []string   `json:"messageTypes"`
	SenderPlatform string     `json:"senderPlatform,omitempty"`
	ConversationID string     `json:"conversationId"`
	MessageID      string     `json:"messageId,omitempty"`
	DateTimeStamp  string     `json:"dateTimeStamp,omitempty"`
	ClientID       string     `json:"clientId,omitempty"`
	SubscriptionID string     `json:"subscriptionId,omitempty"`
	Status         string     `json:"status,omitempty"`
	Error          *jsonError `json:"error,omitempty"`

	// Observation, one observation (INTER-MW's simple form).
	HasResult         string `json:"hasResult,omitempty"`
	FeatureOfInterest string `json:"featureOfInterest,omitempty"`
	ObservedProperty  string `json:"observedProperty,omitempty"`
	PhenomenonTime    string `json:"phenomenonTime,omitempty"`
	ResultTime        string `json:"resultTime,omitempty"`
	MadeBySensor      string `json:"madeBysensor,omitempty"` // INTER-MW's spelling
	HasLocation       string `json:"hasLocation,omitempty"`

	// Observation, every observation.
	IoTDeviceID  string            `json:"ioTDeviceId,omitempty"`
	Observations []jsonObservation `json:"observations,omitempty"`
	Sensors      []jsonSensor      `json:"sensors,omitempty"`

	// List_supported_platform_types.
	PlatformTypes []string `json:"platformTypes,omitempty"`
	// Device_Init, Device_Add, Discovery_List and other device payloads.
	Devices []jsonDevice `json:"devices,omitempty"`
}

type jsonError struct {
	Category    string `json:"category,omitempty"`
	ID          string `json:"id,omitempty"`
	Description string `json:"description,omitempty"`
}

type jsonObservation struct {
	ID                   string              `json:"id,omitempty"`
	Types                []string            `json:"types,omitempty"`
	MadeBySensor         string              `json:"madeBySensor,omitempty"`
	ResultTime           string              `json:"resultTime,omitempty"`
	PhenomenonTime       string              `json:"phenomenonTime,omitempty"`
	HasFeatureOfInterest string              `json:"hasFeatureOfInterest,omitempty"`
	ObservedProperty     string              `json:"observedProperty,omitempty"`
	HasLocation          string              `json:"hasLocation,omitempty"`
	Result               *jsonResult         `json:"result,omitempty"`
	Properties           map[string][]string `json:"properties,omitempty"`
}

type jsonResult struct {
	HasResultValue string `json:"hasResultValue,omitempty"`
	Datatype       string `json:"datatype,omitempty"`
	HasUnit        string `json:"hasUnit,omitempty"`
}

type jsonSensor struct {
	ID          string `json:"id"`
	HasName     string `json:"hasName,omitempty"`
	HasLocation string `json:"hasLocation,omitempty"`
	HostedBy    string `json:"hostedBy,omitempty"`
}

type jsonDevice struct {
	DeviceID string   `json:"deviceId"`
	Name     string   `json:"name,omitempty"`
	HostedBy string   `json:"hostedBy,omitempty"`
	Location string   `json:"location,omitempty"`
	Types    []string `json:"types,omitempty"`
}

// graph indexes a payload by subject, keeping first-appearance order.
type graph struct {
	order []rdf.Term
	props map[rdf.Term][]rdf.Triple
}

func newGraph(ts []rdf.Triple) *graph {
	g := &graph{props: make(map[rdf.Term][]rdf.Triple)}
	for _, t := range ts {
		if _, ok := g.props[t.S]; !ok {
			g.order = append(g.order, t.S)
		}
		g.props[t.S] = append(g.props[t.S], t)
	}
	return g
}

func (g *graph) obj(s rdf.Term, p string) (rdf.Term, bool) {
	for _, t := range g.props[s] {
		if t.P.Value == p {
			return t.O, true
		}
	}
	return rdf.Term{}, false
}

func (g *graph) str(s rdf.Term, p string) string {
	if o, ok := g.obj(s, p); ok {
		return termString(o)
	}
	return ""
}

func (g *graph) types(s rdf.Term) []string {
	var out []string
	for _, t := range g.props[s] {
		if t.P.Value == rdf.RDFType {
			out = append(out, termString(t.O))
		}
	}
	return out
}

func (g *graph) subjectsOfType(typ string) []rdf.Term {
	var out []rdf.Term
	for _, s := range g.order {
		for _, t := range g.props[s] {
			if t.P.Value == rdf.RDFType && t.O.Value == typ && t.O.Kind == rdf.KindIRI {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// termString is a term's value: an IRI, a literal's lexical form, or
// "_:label" for a blank node.
func termString(t rdf.Term) string {
	if t.Kind == rdf.KindBlank {
		return "_:" + t.Value
	}
	return t.Value
}

// typeName is INTER-MW's enum name of a message type (PLATFORM_REGISTER).
func typeName(t messages.Type) string { return strings.ToUpper(t.String()) }

// RenderJSON renders a message in the JSON response format: INTER-MW's
// simplified DTOs, carrying every observation of the message. Output is
// deterministic for a given message.
func RenderJSON(msg *messages.Message) (json.RawMessage, error) {
	if msg == nil {
		return nil, fmt.Errorf("delivery: RenderJSON of a nil message")
	}
	md := &msg.Metadata
	out := jsonMessage{
		MessageTypes:   make([]string, 0, len(md.Types)),
		SenderPlatform: md.SenderPlatformID,
		ConversationID: md.ConversationID,
		MessageID:      md.MessageID,
		ClientID:       md.ClientID,
		SubscriptionID: md.SubscriptionID,
		Status:         md.Status,
	}
	for _, t := range md.Types {
		out.MessageTypes = append(out.MessageTypes, typeName(t))
	}
	if !md.DateTimeStamp.IsZero() {
		out.DateTimeStamp = messages.FormatDateTimeStamp(md.DateTimeStamp)
	}
	if md.Is(messages.Error) || md.ErrDesc != "" || md.ErrCategory != "" {
		out.Error = &jsonError{Category: md.ErrCategory, ID: md.ErrID, Description: md.ErrDesc}
	}
	g := newGraph(msg.Payload)
	switch {
	case md.Is(messages.Observation):
		renderObservations(&out, g)
	case md.Is(messages.ListSupportedPlatformTypes):
		for _, t := range g.types(rdf.IRI(nsMW + "platform-types")) {
			out.PlatformTypes = append(out.PlatformTypes, t)
		}
	}
	if !md.Is(messages.Observation) {
		for _, d := range g.subjectsOfType(typeDev) {
			out.Devices = append(out.Devices, jsonDevice{
				DeviceID: termString(d),
				Name:     g.str(d, nsIIOT+"hasName"),
				HostedBy: g.str(d, nsSOSA+"isHostedBy"),
				Location: g.str(d, nsIIOT+"hasLocation"),
				Types:    g.types(d),
			})
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("delivery: rendering JSON: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// observation properties the DTO names; everything else goes to Properties.
var obsKnown = map[string]bool{
	rdf.RDFType: true, nsSOSA + "madeBySensor": true, nsSOSA + "resultTime": true,
	nsSOSA + "phenomenonTime": true, nsSOSA + "hasFeatureOfInterest": true,
	nsSOSA + "observedProperty": true, nsIIOT + "hasLocation": true,
	nsSOSA + "hasResult": true, nsSOSA + "hasSimpleResult": true,
}

func renderObservations(out *jsonMessage, g *graph) {
	seenSensor := map[string]bool{}
	for _, o := range g.subjectsOfType(typeObs) {
		jo := jsonObservation{
			MadeBySensor:         g.str(o, nsSOSA+"madeBySensor"),
			ResultTime:           g.str(o, nsSOSA+"resultTime"),
			PhenomenonTime:       g.str(o, nsSOSA+"phenomenonTime"),
			HasFeatureOfInterest: g.str(o, nsSOSA+"hasFeatureOfInterest"),
			ObservedProperty:     g.str(o, nsSOSA+"observedProperty"),
			HasLocation:          g.str(o, nsIIOT+"hasLocation"),
		}
		if o.Kind == rdf.KindIRI {
			jo.ID = o.Value
		}
		for _, t := range g.types(o) {
			if t != typeObs {
				jo.Types = append(jo.Types, t)
			}
		}
		if r, ok := g.obj(o, nsSOSA+"hasResult"); ok {
			res := &jsonResult{HasUnit: g.str(r, nsIIOT+"hasUnit")}
			if v, ok := g.obj(r, nsIIOT+"hasResultValue"); ok {
				res.HasResultValue = termString(v)
				if v.Kind == rdf.KindLiteral && v.Datatype != rdf.XSDString {
					res.Datatype = v.Datatype
				}
			}
			jo.Result = res
		} else if v, ok := g.obj(o, nsSOSA+"hasSimpleResult"); ok {
			jo.Result = &jsonResult{HasResultValue: termString(v)}
			if v.Kind == rdf.KindLiteral && v.Datatype != rdf.XSDString {
				jo.Result.Datatype = v.Datatype
			}
		}
		for _, t := range g.props[o] {
			if obsKnown[t.P.Value] || t.O.Kind == rdf.KindBlank {
				continue
			}
			if jo.Properties == nil {
				jo.Properties = map[string][]string{}
			}
			jo.Properties[t.P.Value] = append(jo.Properties[t.P.Value], termString(t.O))
		}
		out.Observations = append(out.Observations, jo)
		if jo.MadeBySensor != "" && !seenSensor[jo.MadeBySensor] {
			seenSensor[jo.MadeBySensor] = true
			s, _ := g.obj(o, nsSOSA+"madeBySensor")
			out.Sensors = append(out.Sensors, jsonSensor{
				ID:          jo.MadeBySensor,
				HasName:     g.str(s, nsIIOT+"hasName"),
				HasLocation: g.str(s, nsIIOT+"hasLocation"),
				HostedBy:    g.str(s, nsSOSA+"isHostedBy"),
			})
		}
	}
	if devs := g.subjectsOfType(typeDev); len(devs) > 0 {
		out.IoTDeviceID = termString(devs[0])
	}
	if len(out.Observations) == 1 {
		o := out.Observations[0]
		if o.Result != nil {
			out.HasResult = o.Result.HasResultValue
		}
		out.FeatureOfInterest = o.HasFeatureOfInterest
		out.ObservedProperty = o.ObservedProperty
		out.PhenomenonTime = o.PhenomenonTime
		out.ResultTime = o.ResultTime
		out.MadeBySensor = o.MadeBySensor
		out.HasLocation = o.HasLocation
	}
}

// render returns an entry's body in the client's format.
func render(codec *messages.Codec, f Format, body []byte) (json.RawMessage, error) {
	if f != FormatJSON {
		return body, nil
	}
	m, err := codec.Decode(body)
	if err != nil {
		return nil, err
	}
	return RenderJSON(m)
}
