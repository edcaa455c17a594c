package registry

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strconv"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
)

// ResponseFormat is how a client wants its messages: JSON-LD as they travel,
// or INTER-MW's simplified JSON.
type ResponseFormat string

// The response formats.
const (
	FormatJSONLD ResponseFormat = "JSON_LD"
	FormatJSON   ResponseFormat = "JSON"
)

// Valid reports whether f is one of the formats.
func (f ResponseFormat) Valid() bool { return f == FormatJSONLD || f == FormatJSON }

// ResponseDelivery is how a client receives its messages.
type ResponseDelivery string

// The delivery modes.
const (
	DeliveryClientPull ResponseDelivery = "CLIENT_PULL"
	DeliveryServerPush ResponseDelivery = "SERVER_PUSH"
)

// Valid reports whether d is one of the delivery modes.
func (d ResponseDelivery) Valid() bool { return d == DeliveryClientPull || d == DeliveryServerPush }

// Client is a registered client application (the INTER-MW 2.5 body).
type Client struct {
	ClientID          string           `json:"clientId"`
	CallbackURL       string           `json:"callbackUrl,omitempty"`
	ReceivingCapacity int              `json:"receivingCapacity,omitempty"`
	ResponseFormat    ResponseFormat   `json:"responseFormat,omitempty"`
	ResponseDelivery  ResponseDelivery `json:"responseDelivery,omitempty"`
}

// normalise fills defaults (JSON_LD, CLIENT_PULL) and checks the client.
func (c *Client) normalise() error {
	if err := checkText("clientId", c.ClientID); err != nil {
		return err
	}
	if c.ResponseFormat == "" {
		c.ResponseFormat = FormatJSONLD
	}
	if c.ResponseDelivery == "" {
		c.ResponseDelivery = DeliveryClientPull
	}
	if !c.ResponseFormat.Valid() {
		return fmt.Errorf("%w: responseFormat %q is not JSON_LD or JSON", ErrInvalid, c.ResponseFormat)
	}
	if !c.ResponseDelivery.Valid() {
		return fmt.Errorf("%w: responseDelivery %q is not CLIENT_PULL or SERVER_PUSH", ErrInvalid, c.ResponseDelivery)
	}
	if c.ReceivingCapacity < 0 {
		return fmt.Errorf("%w: receivingCapacity %d is negative", ErrInvalid, c.ReceivingCapacity)
	}
	if c.CallbackURL != "" {
		u, err := url.Parse(c.CallbackURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%w: callbackUrl %q is not an http(s) URL", ErrInvalid, c.CallbackURL)
		}
	}
	if c.ResponseDelivery == DeliveryServerPush && c.CallbackURL == "" {
		return fmt.Errorf("%w: SERVER_PUSH needs a callbackUrl", ErrInvalid)
	}
	return nil
}

func (c Client) triples() []rdf.Triple {
	s := rdf.IRI(ClientIRI(c.ClientID))
	ts := []rdf.Triple{
		{S: s, P: rdfType, O: mwClient},
		{S: s, P: mw("clientId"), O: lit(c.ClientID)},
		{S: s, P: mw("receivingCapacity"), O: rdf.Literal(strconv.Itoa(c.ReceivingCapacity), rdf.XSDInteger)},
		{S: s, P: mw("responseFormat"), O: lit(string(c.ResponseFormat))},
		{S: s, P: mw("responseDelivery"), O: lit(string(c.ResponseDelivery))},
	}
	if c.CallbackURL != "" {
		ts = append(ts, rdf.Triple{S: s, P: mw("callbackUrl"), O: lit(c.CallbackURL)})
	}
	return ts
}

// setClientField fills one field of c from a stored triple.
func setClientField(c *Client, p string, o rdf.Term) {
	switch p {
	case NSINTERMW + "clientId":
		c.ClientID = o.Value
	case NSINTERMW + "callbackUrl":
		c.CallbackURL = o.Value
	case NSINTERMW + "receivingCapacity":
		c.ReceivingCapacity, _ = strconv.Atoi(o.Value)
	case NSINTERMW + "responseFormat":
		c.ResponseFormat = ResponseFormat(o.Value)
	case NSINTERMW + "responseDelivery":
		c.ResponseDelivery = ResponseDelivery(o.Value)
	}
}

// RegisterClient stores a new client. Defaults: JSON_LD, CLIENT_PULL.
// ErrConflict if the clientId is taken, ErrInvalid for a bad body.
func (r *Registry) RegisterClient(ctx context.Context, c Client) error {
	if err := c.normalise(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	exists, err := r.clientExists(ctx, c.ClientID)
	if err != nil {
		return err
	}
	if exists {
		return fmt.Errorf("%w: client %q", ErrConflict, c.ClientID)
	}
	return r.putClient(ctx, c)
}

// UpdateClient replaces a client's settings. ErrNotFound if it does not
// exist.
func (r *Registry) UpdateClient(ctx context.Context, c Client) error {
	if err := c.normalise(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	exists, err := r.clientExists(ctx, c.ClientID)
	if err != nil {
		return err
	}
	if !exists {
		return fmt.Errorf("%w: client %q", ErrNotFound, c.ClientID)
	}
	return r.putClient(ctx, c)
}

func (r *Registry) putClient(ctx context.Context, c Client) error {
	iri := ClientIRI(c.ClientID)
	r.log.WithField("clientId", c.ClientID).Debug("writing client")
	return r.write(ctx, `DROP SILENT GRAPH %{g}`, map[string]any{"g": rdf.IRI(iri)},
		graphTriples{GraphClients, []rdf.Triple{{S: rdf.IRI(iri), P: rdfType, O: mwClient}}},
		graphTriples{iri, c.triples()})
}

func (r *Registry) clientExists(ctx context.Context, clientID string) (bool, error) {
	return r.ask(ctx, `ASK { GRAPH <`+GraphClients+`> { %{c} a mw:Client } }`,
		map[string]any{"c": rdf.IRI(ClientIRI(clientID))})
}

// GetClient returns a client. ErrNotFound if it does not exist.
func (r *Registry) GetClient(ctx context.Context, clientID string) (Client, error) {
	if err := checkText("clientId", clientID); err != nil {
		return Client{}, err
	}
	rows, err := r.rows(ctx, `SELECT ?p ?o WHERE { GRAPH <`+GraphClients+`> { %{c} a mw:Client } GRAPH %{c} { %{c} ?p ?o } }`,
		map[string]any{"c": rdf.IRI(ClientIRI(clientID))})
	if err != nil {
		return Client{}, err
	}
	if len(rows) == 0 {
		return Client{}, fmt.Errorf("%w: client %q", ErrNotFound, clientID)
	}
	c := Client{ClientID: clientID}
	for _, b := range rows {
		setClientField(&c, b["p"].Value, b["o"])
	}
	return c, nil
}

// ListClients returns every client, ordered by clientId.
func (r *Registry) ListClients(ctx context.Context) ([]Client, error) {
	rows, err := r.rows(ctx, `SELECT ?c ?p ?o WHERE { GRAPH <`+GraphClients+`> { ?c a mw:Client } GRAPH ?c { ?c ?p ?o } }`, nil)
	if err != nil {
		return nil, err
	}
	return groupClients(rows), nil
}

func groupClients(rows []triplestore.Binding) []Client {
	byIRI := map[string]*Client{}
	for _, b := range rows {
		iri := b["c"].Value
		c := byIRI[iri]
		if c == nil {
			c = &Client{}
			byIRI[iri] = c
		}
		setClientField(c, b["p"].Value, b["o"])
	}
	out := make([]Client, 0, len(byIRI))
	for _, c := range byIRI {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ClientID < out[j].ClientID })
	return out
}

// DeleteClient removes a client. Its subscriptions stay until they are
// unsubscribed (the API unsubscribes them). ErrNotFound if it does not
// exist.
func (r *Registry) DeleteClient(ctx context.Context, clientID string) error {
	if err := checkText("clientId", clientID); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	exists, err := r.clientExists(ctx, clientID)
	if err != nil {
		return err
	}
	if !exists {
		return fmt.Errorf("%w: client %q", ErrNotFound, clientID)
	}
	r.log.WithField("clientId", clientID).Debug("deleting client")
	return r.update(ctx, `DROP SILENT GRAPH %{c} ;
DELETE DATA { GRAPH <`+GraphClients+`> { %{c} a mw:Client } }`, map[string]any{"c": rdf.IRI(ClientIRI(clientID))})
}
