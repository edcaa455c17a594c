package routing

import (
	"time"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
)

// Route is the route the headers of a message with metadata md carry.
func Route(md *messages.Metadata) broker.Route {
	r := broker.Route{
		Conversation: md.ConversationID,
		Client:       md.ClientID,
		Sender:       md.SenderPlatformID,
		Receivers:    md.ReceiverPlatformIDs,
		Types:        make([]string, 0, len(md.Types)+1),
	}
	unrecognized := false
	for _, t := range md.Types {
		r.Types = append(r.Types, t.String())
		unrecognized = unrecognized || t == messages.Unrecognized
	}
	if len(md.UnknownTypes) > 0 && !unrecognized {
		r.Types = append(r.Types, messages.Unrecognized.String())
	}
	if !md.DateTimeStamp.IsZero() {
		r.DateTimeStamp = md.DateTimeStamp.UTC().Format(time.RFC3339Nano)
	}
	return r
}

// Metadata turns a trusted route into the metadata components route on. It
// fails on a type name outside the vocabulary.
func Metadata(r broker.Route) (*messages.Metadata, bool) {
	md := &messages.Metadata{
		ConversationID:      r.Conversation,
		ClientID:            r.Client,
		SenderPlatformID:    r.Sender,
		ReceiverPlatformIDs: r.Receivers,
		Types:               make([]messages.Type, 0, len(r.Types)),
	}
	for _, name := range r.Types {
		t, ok := messages.ParseType(name)
		if !ok || t == messages.Meta {
			return nil, false
		}
		md.Types = append(md.Types, t)
	}
	return md, true
}

// Headers returns the headers to publish body with: base's, with the
// routing headers of md written anew (or removed when they cannot be
// written). base is not modified.
func Headers(base map[string]string, md *messages.Metadata, body []byte) map[string]string {
	h := make(map[string]string, len(base)+7)
	for k, v := range base {
		h[k] = v
	}
	if !broker.SetRouteHeaders(h, Route(md), body) {
		broker.DeleteRouteHeaders(h)
	}
	return h
}
