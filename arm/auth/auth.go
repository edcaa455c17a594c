package auth

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

// Mode is an authentication mode.
type Mode string

// The modes.
const (
	ModeNone   Mode = "none"
	ModeBasic  Mode = "basic"
	ModeBearer Mode = "bearer"
)

// ParseMode reads a mode name ("" reads as ModeNone).
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case "", ModeNone:
		return ModeNone, nil
	case ModeBasic, ModeBearer:
		return m, nil
	}
	return "", fmt.Errorf("%w: unknown auth mode %q (want none, basic or bearer)", ErrInvalidConfig, s)
}

// ClientIDHeader names the caller in ModeNone, as in INTER-MW 2.1.
const ClientIDHeader = "Client-ID"

// DefaultAdminRole is the role platform and device management needs.
const DefaultAdminRole = "admin"

// Sentinel errors callers branch on.
var (
	// ErrUnauthenticated: the request carries no credentials, or they are
	// wrong, expired or unverifiable (the API's 401).
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden: the principal lacks a role the call needs (403).
	ErrForbidden = errors.New("forbidden")
	// ErrInvalidConfig: a Config failed validation.
	ErrInvalidConfig = errors.New("invalid auth configuration")
	// ErrUnavailable: the identity provider (JWKS or introspection
	// endpoint) could not be reached (503).
	ErrUnavailable = errors.New("identity provider unavailable")
)

// Principal is an authenticated caller.
type Principal struct {
	// ID is the clientId the caller acts as; "" when the caller did not
	// name itself (only in ModeNone).
	ID string
	// Roles the principal holds.
	Roles []string
	// AllRoles is true in ModeNone: the caller holds every role.
	AllRoles bool
}

// Has reports whether the principal holds role.
func (p Principal) Has(role string) bool {
	return p.AllRoles || slices.Contains(p.Roles, role)
}

// Authenticator names the principal of a request. It returns an error
// wrapping ErrUnauthenticated when the credentials are missing or bad, and
// ErrUnavailable when the identity provider could not be asked.
type Authenticator interface {
	Authenticate(r *http.Request) (Principal, error)
	// Challenge is the WWW-Authenticate value of a 401 ("" for none).
	Challenge() string
}

// Config configures an Authenticator. Only the fields of the chosen Mode
// are used.
type Config struct {
	// Mode is the authentication mode. Default ModeNone.
	Mode Mode

	// HTPasswdFile holds user:hash lines (ModeBasic). Required for basic.
	HTPasswdFile string
	// Realm is the basic-auth realm. Default "intermw".
	Realm string

	// JWKSURL is where the JSON Web Key Set that signs bearer JWTs is
	// fetched (ModeBearer). Exactly one of JWKSURL and IntrospectionURL.
	JWKSURL string
	// Issuer, when set, must equal a JWT's iss claim.
	Issuer string
	// Audience, when set, must be in a JWT's aud claim.
	Audience string
	// JWKSCacheTTL is how long a fetched key set is used before it is
	// fetched again. Default 10 minutes.
	JWKSCacheTTL time.Duration
	// JWKSMinRefresh is the shortest time between two fetches triggered by
	// an unknown key id (a rotated key). Default 10 seconds.
	JWKSMinRefresh time.Duration
	// Leeway tolerates clock skew on exp and nbf. Default 30 seconds.
	Leeway time.Duration

	// IntrospectionURL is an RFC 7662 token introspection endpoint
	// (ModeBearer with opaque tokens).
	IntrospectionURL string
	// IntrospectionClientID and IntrospectionClientSecret are the client
	// credentials the hub introspects with (HTTP basic).
	IntrospectionClientID     string
	IntrospectionClientSecret string
	// IntrospectionCacheTTL bounds how long an active answer is reused
	// (never past the token's exp). Default 30 seconds; negative disables.
	IntrospectionCacheTTL time.Duration

	// PrincipalClaim is the claim that names the clientId. Default "sub";
	// when it is absent, client_id and then username are tried.
	PrincipalClaim string
	// RolesClaim is the claim holding roles: a dotted path to a JSON array
	// of strings or a space-separated string. Default "roles".
	RolesClaim string
	// RolesFile holds "principal: role, role" lines, added to the roles a
	// principal gets from its token (or, in basic mode, the only source).
	RolesFile string

	// HTTPClient fetches key sets and introspects. Default a client with a
	// 10s timeout.
	HTTPClient *http.Client
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Log receives warnings. Default: discarded.
	Log logrus.FieldLogger
}

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...))
	}
	mode, err := ParseMode(string(c.Mode))
	if err != nil {
		errs = append(errs, err)
	}
	switch mode {
	case ModeBasic:
		if c.HTPasswdFile == "" {
			bad("basic mode needs an htpasswd file")
		}
	case ModeBearer:
		switch {
		case c.JWKSURL == "" && c.IntrospectionURL == "":
			bad("bearer mode needs a JWKS URL or an introspection URL")
		case c.JWKSURL != "" && c.IntrospectionURL != "":
			bad("bearer mode takes a JWKS URL or an introspection URL, not both")
		}
		for name, u := range map[string]string{"JWKS URL": c.JWKSURL, "introspection URL": c.IntrospectionURL} {
			if u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				bad("%s %q is not http(s)", name, u)
			}
		}
	}
	for name, d := range map[string]time.Duration{"JWKSCacheTTL": c.JWKSCacheTTL, "JWKSMinRefresh": c.JWKSMinRefresh, "Leeway": c.Leeway} {
		if d < 0 {
			bad("%s is negative", name)
		}
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	c.Mode, _ = ParseMode(string(c.Mode))
	if c.Realm == "" {
		c.Realm = "intermw"
	}
	if c.JWKSCacheTTL == 0 {
		c.JWKSCacheTTL = 10 * time.Minute
	}
	if c.JWKSMinRefresh == 0 {
		c.JWKSMinRefresh = 10 * time.Second
	}
	if c.Leeway == 0 {
		c.Leeway = 30 * time.Second
	}
	if c.IntrospectionCacheTTL == 0 {
		c.IntrospectionCacheTTL = 30 * time.Second
	}
	if c.PrincipalClaim == "" {
		c.PrincipalClaim = "sub"
	}
	if c.RolesClaim == "" {
		c.RolesClaim = "roles"
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		l := logrus.New()
		l.Out = discard{}
		c.Log = l
	}
	return c
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// New validates cfg, reads its files and returns the Authenticator of its
// mode. It does not contact any identity provider.
func New(cfg Config) (Authenticator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	roles := map[string][]string{}
	if cfg.RolesFile != "" {
		var err error
		if roles, err = readRolesFile(cfg.RolesFile); err != nil {
			return nil, err
		}
	}
	switch cfg.Mode {
	case ModeBasic:
		return newBasic(cfg, roles)
	case ModeBearer:
		if cfg.JWKSURL != "" {
			return newJWT(cfg, roles), nil
		}
		return newIntrospector(cfg, roles), nil
	}
	return None{}, nil
}

// None is ModeNone's Authenticator: the Client-ID header names the caller,
// who holds every role.
type None struct{}

// Authenticate implements Authenticator.
func (None) Authenticate(r *http.Request) (Principal, error) {
	return Principal{ID: strings.TrimSpace(r.Header.Get(ClientIDHeader)), AllRoles: true}, nil
}

// Challenge implements Authenticator.
func (None) Challenge() string { return "" }

// ResolveMode returns the mode to run with for a server listening on
// listen: ModeNone when mode is empty. ModeNone on an address that is not
// loopback is allowed but logged as a loud warning, since anybody who can
// reach the port can then act as any client and manage platforms.
func ResolveMode(mode Mode, listen string, log logrus.FieldLogger) (Mode, error) {
	m, err := ParseMode(string(mode))
	if err != nil {
		return "", err
	}
	if m == ModeNone && !IsLoopback(listen) && log != nil {
		log.WithField("listen", listen).Warn("!!! AUTHENTICATION IS OFF (auth mode none) ON A NON-LOOPBACK ADDRESS: " +
			"anyone who reaches this port can act as any client and manage platforms; " +
			"use --auth basic or bearer, or listen on 127.0.0.1 !!!")
	}
	return m, nil
}

// IsLoopback reports whether a listen address (host:port, :port, host)
// only accepts connections from this machine. An empty host (all
// interfaces) is not loopback; "localhost" is.
func IsLoopback(listen string) bool {
	host := listen
	if h, _, err := net.SplitHostPort(listen); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "" {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if i := strings.IndexByte(host, '%'); i >= 0 {
		host = host[:i]
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// readRolesFile reads "principal: role, role" lines; blank lines and lines
// starting with # are skipped.
func readRolesFile(path string) (map[string][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: roles file: %w", ErrInvalidConfig, err)
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		user, list, ok := strings.Cut(line, ":")
		user = strings.TrimSpace(user)
		if !ok || user == "" {
			return nil, fmt.Errorf("%w: roles file %s line %d: want \"principal: role, role\"", ErrInvalidConfig, path, n)
		}
		for _, r := range strings.FieldsFunc(list, func(c rune) bool { return c == ',' || c == ' ' || c == '\t' }) {
			out[user] = append(out[user], r)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: roles file: %w", ErrInvalidConfig, err)
	}
	return out, nil
}

// mergeRoles returns a with b's roles not already in it.
func mergeRoles(a, b []string) []string {
	out := slices.Clone(a)
	for _, r := range b {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}
