package delivery

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// cgnat is the shared address space of RFC 6598, not routable publicly.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// ValidateCallbackURL checks a client's callback URL: http or https with a
// host, and when the host is an IP address (or "localhost"), one that push
// may reach (see CheckTarget). Host names are checked again at dial time,
// against the addresses they resolve to.
func ValidateCallbackURL(raw string, allow []netip.Prefix) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: callback URL %q: %v", ErrWebhookRefused, raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: callback URL %q: scheme must be http or https", ErrWebhookRefused, raw)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("%w: callback URL %q has no host", ErrWebhookRefused, raw)
	}
	if u.User != nil {
		// Credentials in the URL would end up in logs.
		return fmt.Errorf("%w: callback URL %q carries credentials", ErrWebhookRefused, raw)
	}
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return CheckTarget(netip.MustParseAddr("127.0.0.1"), allow)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return CheckTarget(ip, allow)
	}
	return nil
}

// CheckTarget refuses loopback, private, link-local, unspecified, multicast
// and shared (CGNAT) addresses unless a prefix of allow holds them.
func CheckTarget(ip netip.Addr, allow []netip.Prefix) error {
	ip = ip.Unmap()
	for _, p := range allow {
		if p.Contains(ip) {
			return nil
		}
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() || cgnat.Contains(ip) {
		return fmt.Errorf("%w: %s is a private or local address (allow it with WebhookAllow)", ErrWebhookRefused, ip)
	}
	return nil
}

// newPushClient returns an HTTP client of its own (its own connection
// pool) for one client's push worker: no proxy, no redirects, and every
// connection's resolved address checked by CheckTarget.
func newPushClient(allow []netip.Prefix, timeout time.Duration) *http.Client {
	d := &net.Dialer{
		Timeout:   timeout,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return fmt.Errorf("%w: %v", ErrWebhookRefused, err)
			}
			ip, err := netip.ParseAddr(host)
			if err != nil {
				return fmt.Errorf("%w: %v", ErrWebhookRefused, err)
			}
			return CheckTarget(ip, allow)
		},
	}
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConns:          2,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
