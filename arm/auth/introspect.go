package auth

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// introspector is ModeBearer's Authenticator for opaque tokens, checked with
// RFC 7662 token introspection.
type introspector struct {
	cfg   Config
	roles map[string][]string

	mu    sync.Mutex
	cache map[[32]byte]cachedToken
}

type cachedToken struct {
	p     Principal
	until time.Time
}

const introspectCacheMax = 4096

func newIntrospector(cfg Config, roles map[string][]string) *introspector {
	return &introspector{cfg: cfg, roles: roles, cache: map[[32]byte]cachedToken{}}
}

// Challenge implements Authenticator.
func (in *introspector) Challenge() string { return `Bearer realm="intermw"` }

// Authenticate implements Authenticator.
func (in *introspector) Authenticate(r *http.Request) (Principal, error) {
	tok, err := bearerToken(r)
	if err != nil {
		return Principal{}, err
	}
	key := sha256.Sum256([]byte(tok))
	now := in.cfg.Now()
	in.mu.Lock()
	c, hit := in.cache[key]
	in.mu.Unlock()
	if hit && now.Before(c.until) {
		return c.p, nil
	}

	form := url.Values{"token": {tok}, "token_type_hint": {"access_token"}}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, in.cfg.IntrospectionURL, strings.NewReader(form.Encode()))
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if in.cfg.IntrospectionClientID != "" {
		req.SetBasicAuth(url.QueryEscape(in.cfg.IntrospectionClientID), url.QueryEscape(in.cfg.IntrospectionClientSecret))
	}
	resp, err := in.cfg.HTTPClient.Do(req)
	if err != nil {
		return Principal{}, fmt.Errorf("%w: introspection: %v", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Principal{}, fmt.Errorf("%w: introspection endpoint answered %d", ErrUnavailable, resp.StatusCode)
	}
	var claims map[string]any
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&claims); err != nil {
		return Principal{}, fmt.Errorf("%w: introspection answer: %v", ErrUnavailable, err)
	}
	if active, _ := claims["active"].(bool); !active {
		return Principal{}, fmt.Errorf("%w: token not active", ErrUnauthenticated)
	}
	exp, hasExp := numericClaim(claims, "exp")
	if hasExp && now.After(exp) {
		return Principal{}, fmt.Errorf("%w: token expired", ErrUnauthenticated)
	}
	p, err := principalFromClaims(claims, in.cfg, in.roles)
	if err != nil {
		return Principal{}, err
	}
	if in.cfg.IntrospectionCacheTTL > 0 {
		until := now.Add(in.cfg.IntrospectionCacheTTL)
		if hasExp && exp.Before(until) {
			until = exp
		}
		in.mu.Lock()
		if len(in.cache) >= introspectCacheMax {
			clear(in.cache)
		}
		in.cache[key] = cachedToken{p: p, until: until}
		in.mu.Unlock()
	}
	return p, nil
}
