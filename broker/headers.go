package broker

import (
	"hash/crc32"
	"slices"
	"strings"
)

// Routing headers: a summary of an INTER-IoT message's metadata that the
// hub's components write on every message they publish on an internal
// topic, so that the components after them can route the message without
// decoding its JSON-LD body. They hold plain strings; the messages package
// is not involved here (components convert its Metadata to and from a
// Route).
//
// Trust: the headers are written only by the hub's own components, from the
// very message whose encoding is the body, and nothing outside the hub
// ever sets them (ARM never copies HTTP headers or a client's document into
// broker headers). They are still checked before use: ReadRoute accepts a
// header set only when it is complete, its conversation equals the
// message's Key, and its checksum matches the body, so headers that went
// stale (a body changed without rewriting them) or were stripped are
// ignored and the message is routed by decoding, as a message from
// another implementation is. A component that changes a body writes the
// headers anew from the changed message; one that forwards a body
// unchanged forwards its headers unchanged; one that decodes a body it
// routed by its headers compares the two (SameRoute) and sends a message
// whose body contradicts them to the error topic rather than on. The
// checksum guards against accidents, not against a publisher with access
// to the internal topics: such a publisher is inside the trust boundary,
// since it could as well forge the body itself.
const (
	// HeaderTypes lists the message's types (msg: local names such as
	// "Observation" or "Response"; "Unrecognized" stands for type IRIs
	// outside the vocabulary), in the message's order, separated by single
	// spaces. Meta is implied and not listed.
	HeaderTypes = "intermw-types"
	// HeaderConversation is the conversationID; it equals the Key.
	HeaderConversation = "intermw-conversation"
	// HeaderClient is the clientID ("" when none). Informational: the
	// client a message reaches is decided by ARM's conversation table.
	HeaderClient = "intermw-client"
	// HeaderSender is the SenderPlatformId IRI ("" when none).
	HeaderSender = "intermw-sender"
	// HeaderReceivers lists the ReceiverPlatformId IRIs separated by
	// single spaces ("" when none).
	HeaderReceivers = "intermw-receivers"
	// HeaderBodyCRC is the CRC-32C (Castagnoli) of the body, 8 lowercase
	// hex digits: it binds the other routing headers to the body they
	// describe.
	HeaderBodyCRC = "intermw-body-crc32c"
	// HeaderDateTimeStamp is the message's dateTimeStamp in RFC 3339 with
	// nanoseconds, when it has one. Optional and informational (latency
	// measurement); ReadRoute does not require it.
	HeaderDateTimeStamp = "intermw-datetimestamp"
)

// routeHeaders are the headers a complete route has.
var routeHeaders = [...]string{HeaderTypes, HeaderConversation, HeaderClient, HeaderSender, HeaderReceivers, HeaderBodyCRC}

// Route is what the routing headers say about a message.
type Route struct {
	Types        []string // msg: local names, in order
	Conversation string
	Client       string
	Sender       string
	Receivers    []string
	// DateTimeStamp is optional (RFC 3339); "" when absent.
	DateTimeStamp string
}

// Has reports whether the route lists the type with local name name.
func (r *Route) Has(name string) bool {
	for _, t := range r.Types {
		if t == name {
			return true
		}
	}
	return false
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// BodyCRC returns the HeaderBodyCRC value of body.
func BodyCRC(body []byte) string {
	var b [8]byte
	v := crc32.Checksum(body, castagnoli)
	const hexDigits = "0123456789abcdef"
	for i := 7; i >= 0; i-- {
		b[i] = hexDigits[v&0xf]
		v >>= 4
	}
	return string(b[:])
}

// SetRouteHeaders writes r's routing headers for body into h and reports
// whether it did. It writes nothing, and returns false, when a value cannot
// travel in a header faithfully: a control character anywhere, a space or
// an empty string in a list entry, or no conversation. Callers then publish
// without routing headers, and consumers decode the body.
func SetRouteHeaders(h map[string]string, r Route, body []byte) bool {
	if r.Conversation == "" || !headerSafe(r.Conversation) || !headerSafe(r.Client) ||
		!headerSafe(r.Sender) || !headerSafe(r.DateTimeStamp) || !listSafe(r.Types) || !listSafe(r.Receivers) {
		return false
	}
	h[HeaderTypes] = joinList(r.Types)
	h[HeaderConversation] = r.Conversation
	h[HeaderClient] = r.Client
	h[HeaderSender] = r.Sender
	h[HeaderReceivers] = joinList(r.Receivers)
	h[HeaderBodyCRC] = BodyCRC(body)
	if r.DateTimeStamp != "" {
		h[HeaderDateTimeStamp] = r.DateTimeStamp
	} else {
		delete(h, HeaderDateTimeStamp)
	}
	return true
}

// RouteHeaders returns a new header map holding r's routing headers for
// body, or nil when they cannot be written (see SetRouteHeaders).
func RouteHeaders(r Route, body []byte) map[string]string {
	h := make(map[string]string, len(routeHeaders)+1)
	if !SetRouteHeaders(h, r, body) {
		return nil
	}
	return h
}

// DeleteRouteHeaders removes every routing header from h, for a message
// whose body changed and whose new route cannot be written.
func DeleteRouteHeaders(h map[string]string) {
	for _, k := range routeHeaders {
		delete(h, k)
	}
	delete(h, HeaderDateTimeStamp)
}

// HasRouteHeaders reports whether m carries every routing header, without
// checking them (ReadRoute does).
func HasRouteHeaders(m *Message) bool {
	for _, k := range routeHeaders {
		if _, ok := m.Headers[k]; !ok {
			return false
		}
	}
	return true
}

// ReadRoute returns what m's routing headers say, and true when they can be
// trusted to describe m's body: every routing header is present, the
// conversation is m's Key, and the checksum matches the body. Otherwise it
// returns false and the caller decodes the body.
func ReadRoute(m *Message) (Route, bool) {
	h := m.Headers
	if !HasRouteHeaders(m) {
		return Route{}, false
	}
	r := Route{
		Types:         splitList(h[HeaderTypes]),
		Conversation:  h[HeaderConversation],
		Client:        h[HeaderClient],
		Sender:        h[HeaderSender],
		Receivers:     splitList(h[HeaderReceivers]),
		DateTimeStamp: h[HeaderDateTimeStamp],
	}
	if r.Conversation == "" || r.Conversation != m.Key || slices.Contains(r.Types, "") ||
		slices.Contains(r.Receivers, "") || h[HeaderBodyCRC] != BodyCRC(m.Body) {
		return Route{}, false
	}
	return r, true
}

// SameRoute reports whether two routes agree on every field ReadRoute
// checks: the types and receivers as sets (their order is not part of a
// message's meaning), the conversation, client and sender. The
// dateTimeStamp is informational and not compared. A component that
// decodes a message with routing headers compares them with the body's.
func SameRoute(a, b Route) bool {
	return a.Conversation == b.Conversation && a.Client == b.Client && a.Sender == b.Sender &&
		sameSet(a.Types, b.Types) && sameSet(a.Receivers, b.Receivers)
}

// sameSet reports whether a and b hold the same strings, ignoring order
// and repeats.
func sameSet(a, b []string) bool {
	if slices.Equal(a, b) {
		return true
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}

func headerSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

func listSafe(vs []string) bool {
	for _, v := range vs {
		if v == "" || strings.IndexByte(v, ' ') >= 0 || !headerSafe(v) {
			return false
		}
	}
	return true
}

func joinList(vs []string) string {
	switch len(vs) {
	case 0:
		return ""
	case 1:
		return vs[0]
	}
	return strings.Join(vs, " ")
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	if strings.IndexByte(s, ' ') < 0 {
		return []string{s}
	}
	return strings.Split(s, " ")
}
