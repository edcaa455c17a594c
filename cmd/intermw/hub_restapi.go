package main

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/arm"
	"github.com/intermw/intermw/arm/auth"
	"github.com/intermw/intermw/arm/conversation"
	"github.com/intermw/intermw/arm/delivery"
)

// armParts are the API Request Manager and what it owns.
type armParts struct {
	server   *arm.Server
	delivery *delivery.Deliverer
}

// parseCIDRs reads a comma-separated list of CIDR prefixes.
func parseCIDRs(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("webhook allow-list: %w", err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// buildARM assembles the REST API, its conversation table (a file log in the
// data directory, or a graph of the external store in distributed mode so
// that every ARM replica sees every conversation) and the clients'
// mailboxes.
func (h *hub) buildARM(ctx context.Context, cfg serveConfig, log *logrus.Logger) error {
	mode, err := auth.ParseMode(cfg.Auth)
	if err != nil {
		return err
	}
	if mode, err = auth.ResolveMode(mode, cfg.Listen, log.WithField("component", "auth")); err != nil {
		return err
	}
	authn, err := auth.New(auth.Config{Mode: mode, HTPasswdFile: cfg.HTPasswd, JWKSURL: cfg.JWKSURL,
		Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience, IntrospectionURL: cfg.IntrospectionURL,
		IntrospectionClientID: cfg.IntrospectionClientID, IntrospectionClientSecret: cfg.IntrospectionClientSecret,
		RolesClaim: cfg.RolesClaim, RolesFile: cfg.RolesFile, Log: log.WithField("component", "auth")})
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	allow, err := parseCIDRs(cfg.WebhookAllow)
	if err != nil {
		return err
	}
	var convStore conversation.Store
	if cfg.SPARQL != "" {
		if convStore, err = conversation.NewTripleStore(h.store, "http://inter-iot.eu/INTERMW#conversations"); err != nil {
			return err
		}
	} else {
		fs, err := conversation.OpenFile(conversation.FileConfig{Dir: filepath.Join(cfg.Data, "conversations"),
			Log: log.WithField("component", "conversations")})
		if err != nil {
			return fmt.Errorf("conversations: %w", err)
		}
		convStore = fs
		h.own(fs)
	}
	table, err := conversation.New(ctx, conversation.Config{Store: convStore, Log: log.WithField("component", "conversations")})
	if err != nil {
		return err
	}
	sync, ok := delivery.ParseSyncPolicy(cfg.DeliverySync)
	if !ok {
		return fmt.Errorf("delivery sync policy %q: want batch, interval or none", cfg.DeliverySync)
	}
	del, err := delivery.New(delivery.Config{Dir: filepath.Join(cfg.Data, "mailboxes"), Broker: h.broker,
		Directory: arm.DeliveryDirectory{Clients: h.registry}, Codec: h.codec, Sync: sync, WebhookAllow: allow,
		Log: log.WithField("component", "delivery")})
	if err != nil {
		return err
	}
	h.own(del)
	s, err := arm.New(arm.Config{Broker: h.broker, Subscriber: h.broker, Codec: h.codec,
		Clients: h.registry, Platforms: h.registry, Devices: h.registry, Subscriptions: h.registry,
		Locations: h.registry, Discovery: h.registry, Conversations: table, Delivery: del,
		WebhookAllow: allow, Auth: authn, Metrics: h.metrics, RequestTimeout: cfg.RequestTimeout,
		Log: log.WithField("component", "arm")})
	if err != nil {
		return err
	}
	h.own(s)
	h.arm = &armParts{server: s, delivery: del}
	return nil
}
