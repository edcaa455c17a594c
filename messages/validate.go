package messages

import (
	"errors"
	"strings"

	"github.com/intermw/intermw/ontology/rdf"
)

// Validate checks the rules INTER-MW routes by, reporting every problem at
// once (each a *FieldError matching ErrInvalidMessage): a msg:meta node that is
// an IRI or blank node, a messageID, a conversationID, a dateTimeStamp, at
// least one message type besides msg:meta, only declared Type values, and
// a Response type on any Error.
//
// Decode does not call it unless Config.Strict is set: real INTER-IoT
// messages (platform registrations written with @base and no @vocab, test
// messages with an empty payload) lack conversationIDs, and a hub that
// refused them could not even answer with an error.
func (m *Message) Validate() error {
	md := &m.Metadata
	var errs []error
	bad := func(field, reason string) { errs = append(errs, &FieldError{Field: field, Reason: reason}) }
	switch md.Node.Kind {
	case rdf.KindIRI, rdf.KindBlank, rdf.KindNone:
	default:
		bad("@id", "the msg:meta node must be an IRI or a blank node")
	}
	if md.MessageID == "" {
		bad("messageID", "missing")
	}
	if md.ConversationID == "" {
		bad("conversationID", "missing")
	}
	if md.DateTimeStamp.IsZero() {
		bad("dateTimeStamp", "missing")
	}
	if len(md.Types) == 0 && len(md.UnknownTypes) == 0 {
		bad("@type", "no message type besides msg:meta")
	}
	for _, t := range md.Types {
		if !t.Valid() {
			bad("@type", "undeclared message type "+t.String())
		}
	}
	for _, iri := range md.UnknownTypes {
		if _, known := TypeFromIRI(iri); known {
			bad("@type", "known type "+iri+" listed as unknown")
		}
	}
	if md.Is(Error) && !md.Is(Response) {
		bad("@type", "an Error must also be a Response")
	}
	for _, r := range md.ReceiverPlatformIDs {
		if strings.TrimSpace(r) == "" {
			bad("ReceiverPlatformId", "empty IRI")
		}
	}
	return errors.Join(errs...)
}
