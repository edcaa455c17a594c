package arm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/intermw/intermw/arm/auth"
	"github.com/intermw/intermw/arm/delivery"
	"github.com/intermw/intermw/services/registry"
)

// RegisterClientInput is the body of POST /clients.
type RegisterClientInput = registry.Client

// UpdateClientInput is the body of PUT /clients/{clientId}: fields left
// out keep their value.
type UpdateClientInput struct {
	CallbackURL       *string                    `json:"callbackUrl"`
	ReceivingCapacity *int                       `json:"receivingCapacity"`
	ResponseFormat    *registry.ResponseFormat   `json:"responseFormat"`
	ResponseDelivery  *registry.ResponseDelivery `json:"responseDelivery"`
}

// ownClient checks that the caller may act on clientID: itself, or any
// client with the admin role.
func (c *call) ownClient(clientID string) error {
	if c.p.ID == clientID || c.p.Has(c.s.cfg.AdminRole) {
		return nil
	}
	return fmt.Errorf("%w: a client may only manage itself", auth.ErrForbidden)
}

// deliveryClient converts a registered client to its delivery settings.
func deliveryClient(c registry.Client) delivery.Client {
	d := delivery.Client{ID: c.ClientID, CallbackURL: c.CallbackURL, ReceivingCapacity: c.ReceivingCapacity, Format: delivery.FormatJSONLD, Mode: delivery.ModePull}
	if f, ok := delivery.ParseFormat(string(c.ResponseFormat)); ok {
		d.Format = f
	}
	if m, ok := delivery.ParseMode(string(c.ResponseDelivery)); ok {
		d.Mode = m
	}
	return d
}

// checkClient validates a client's settings as INTER-MW did, and its
// callback URL as the delivery layer will.
func (s *Server) checkClient(c *registry.Client) error {
	if c.ClientID == "" {
		return badRequest("clientId is required")
	}
	if c.ResponseFormat == "" {
		c.ResponseFormat = registry.FormatJSONLD
	}
	if c.ResponseDelivery == "" {
		c.ResponseDelivery = registry.DeliveryClientPull
	}
	if !c.ResponseFormat.Valid() {
		return badRequest("responseFormat %q is not JSON_LD or JSON", c.ResponseFormat)
	}
	if !c.ResponseDelivery.Valid() {
		return badRequest("responseDelivery %q is not CLIENT_PULL or SERVER_PUSH", c.ResponseDelivery)
	}
	if c.ReceivingCapacity < 0 {
		return badRequest("receivingCapacity must be positive")
	}
	if c.ResponseDelivery == registry.DeliveryServerPush && c.CallbackURL == "" {
		return badRequest("callbackUrl must be specified when using SERVER_PUSH response delivery")
	}
	if c.CallbackURL != "" {
		if err := delivery.ValidateCallbackURL(c.CallbackURL, s.cfg.WebhookAllow); err != nil {
			return fmt.Errorf("%w: invalid callbackUrl: %w", ErrBadRequest, err)
		}
	}
	return deliveryClient(*c).Validate(s.cfg.WebhookAllow)
}

func (s *Server) listClients(c *call) error {
	cs, err := s.cfg.Clients.ListClients(c.ctx())
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, nonNil(cs))
}

func (s *Server) registerClient(c *call) error {
	var in RegisterClientInput
	if err := c.decode(&in); err != nil {
		return err
	}
	if err := c.ownClient(in.ClientID); err != nil {
		return err
	}
	if err := s.checkClient(&in); err != nil {
		return err
	}
	if err := s.cfg.Clients.RegisterClient(c.ctx(), in); err != nil {
		return err
	}
	if err := s.cfg.Delivery.Upsert(c.ctx(), deliveryClient(in)); err != nil {
		if derr := s.cfg.Clients.DeleteClient(context.WithoutCancel(c.ctx()), in.ClientID); derr != nil {
			s.log.WithError(derr).WithField("clientId", in.ClientID).Error("undoing a client registration")
		}
		return err
	}
	c.w.Header().Set("Location", APIPrefix+"/clients/"+url.PathEscape(in.ClientID))
	return c.json(http.StatusCreated, in)
}

func (s *Server) getClient(c *call) error {
	id := c.path("clientId")
	if err := c.ownClient(id); err != nil {
		return err
	}
	cl, err := s.cfg.Clients.GetClient(c.ctx(), id)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, cl)
}

func (s *Server) updateClient(c *call) error {
	id := c.path("clientId")
	if err := c.ownClient(id); err != nil {
		return err
	}
	var in UpdateClientInput
	if err := c.decode(&in); err != nil {
		return err
	}
	cl, err := s.cfg.Clients.GetClient(c.ctx(), id)
	if err != nil {
		return err
	}
	if in.CallbackURL != nil {
		cl.CallbackURL = *in.CallbackURL
	}
	if in.ReceivingCapacity != nil {
		cl.ReceivingCapacity = *in.ReceivingCapacity
	}
	if in.ResponseFormat != nil {
		cl.ResponseFormat = *in.ResponseFormat
	}
	if in.ResponseDelivery != nil {
		cl.ResponseDelivery = *in.ResponseDelivery
	}
	if err := s.checkClient(&cl); err != nil {
		return err
	}
	if err := s.cfg.Clients.UpdateClient(c.ctx(), cl); err != nil {
		return err
	}
	if err := s.cfg.Delivery.Upsert(c.ctx(), deliveryClient(cl)); err != nil {
		return err
	}
	return c.json(http.StatusOK, cl)
}

// deleteClient unsubscribes the client's subscriptions (their replies have
// nowhere to go and are dropped), closes its conversations, deletes its
// queue and then its registry entry.
func (s *Server) deleteClient(c *call) error {
	id := c.path("clientId")
	if err := c.ownClient(id); err != nil {
		return err
	}
	ctx := c.ctx()
	if _, err := s.cfg.Clients.GetClient(ctx, id); err != nil {
		return err
	}
	subs, err := s.cfg.Subscriptions.ListSubscriptions(ctx, id)
	if err != nil {
		return err
	}
	for _, sub := range subs {
		m, err := s.unsubscribeMessage(ctx, id, sub)
		if err != nil {
			return err
		}
		if err := s.sendUntracked(ctx, m); err != nil {
			return err
		}
	}
	// Its platform-to-platform subscriptions end with it too.
	p2p, err := s.cfg.Subscriptions.ListP2PSubscriptions(ctx, id)
	if err != nil {
		return err
	}
	for _, sub := range p2p {
		if err := s.sendUntracked(ctx, s.virtualUnsubscribeMessage(id, sub)); err != nil {
			return err
		}
	}
	if _, err := s.cfg.Conversations.CloseClient(ctx, id); err != nil {
		return err
	}
	if err := s.cfg.Delivery.Remove(ctx, id); err != nil {
		return err
	}
	if err := s.cfg.Clients.DeleteClient(ctx, id); err != nil && !errors.Is(err, registry.ErrNotFound) {
		return err
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// DeliveryDirectory lists the registered clients for the delivery layer:
// it implements delivery.ClientDirectory over the client registry, with the
// same conversion the API uses when it tells delivery of a client.
type DeliveryDirectory struct {
	Clients interface {
		ListClients(ctx context.Context) ([]registry.Client, error)
	}
}

// List implements delivery.ClientDirectory.
func (d DeliveryDirectory) List(ctx context.Context) ([]delivery.Client, error) {
	cs, err := d.Clients.ListClients(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]delivery.Client, len(cs))
	for i, c := range cs {
		out[i] = deliveryClient(c)
	}
	return out, nil
}
