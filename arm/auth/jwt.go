package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"
)

// jwtAuth is ModeBearer's Authenticator for JWTs signed by keys of a JWKS.
type jwtAuth struct {
	cfg   Config
	roles map[string][]string
	keys  *jwks
}

func newJWT(cfg Config, roles map[string][]string) *jwtAuth {
	return &jwtAuth{cfg: cfg, roles: roles, keys: &jwks{url: cfg.JWKSURL, client: cfg.HTTPClient, ttl: cfg.JWKSCacheTTL, minRefresh: cfg.JWKSMinRefresh, now: cfg.Now}}
}

// Challenge implements Authenticator.
func (j *jwtAuth) Challenge() string { return `Bearer realm="intermw"` }

// Authenticate implements Authenticator.
func (j *jwtAuth) Authenticate(r *http.Request) (Principal, error) {
	tok, err := bearerToken(r)
	if err != nil {
		return Principal{}, err
	}
	claims, err := j.verify(r.Context(), tok)
	if err != nil {
		return Principal{}, err
	}
	return principalFromClaims(claims, j.cfg, j.roles)
}

// bearerToken reads the token of an Authorization: Bearer header.
func bearerToken(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", fmt.Errorf("%w: bearer token required", ErrUnauthenticated)
	}
	return strings.TrimSpace(tok), nil
}

type jwtHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

// verify checks a compact JWS and the registered claims, and returns the
// claims.
func (j *jwtAuth) verify(ctx context.Context, tok string) (map[string]any, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: malformed JWT", ErrUnauthenticated)
	}
	var hdr jwtHeader
	if err := decodeSegment(parts[0], &hdr); err != nil {
		return nil, fmt.Errorf("%w: JWT header: %v", ErrUnauthenticated, err)
	}
	alg, ok := algorithms[hdr.Alg]
	if !ok {
		return nil, fmt.Errorf("%w: JWT algorithm %q not accepted", ErrUnauthenticated, hdr.Alg)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, fmt.Errorf("%w: JWT signature encoding", ErrUnauthenticated)
	}
	key, err := j.keys.key(ctx, hdr.Kid, alg.kty)
	if err != nil {
		return nil, err
	}
	if err := alg.verify(key, []byte(parts[0]+"."+parts[1]), sig); err != nil {
		return nil, fmt.Errorf("%w: JWT signature: %v", ErrUnauthenticated, err)
	}
	var claims map[string]any
	if err := decodeSegment(parts[1], &claims); err != nil {
		return nil, fmt.Errorf("%w: JWT claims: %v", ErrUnauthenticated, err)
	}
	if err := j.checkClaims(claims); err != nil {
		return nil, err
	}
	return claims, nil
}

func (j *jwtAuth) checkClaims(c map[string]any) error {
	now := j.cfg.Now()
	exp, hasExp := numericClaim(c, "exp")
	if !hasExp {
		return fmt.Errorf("%w: JWT without exp", ErrUnauthenticated)
	}
	if now.After(exp.Add(j.cfg.Leeway)) {
		return fmt.Errorf("%w: JWT expired", ErrUnauthenticated)
	}
	if nbf, ok := numericClaim(c, "nbf"); ok && now.Add(j.cfg.Leeway).Before(nbf) {
		return fmt.Errorf("%w: JWT not valid yet", ErrUnauthenticated)
	}
	if j.cfg.Issuer != "" {
		if iss, _ := c["iss"].(string); iss != j.cfg.Issuer {
			return fmt.Errorf("%w: JWT issuer %q not accepted", ErrUnauthenticated, iss)
		}
	}
	if j.cfg.Audience != "" && !audienceHas(c["aud"], j.cfg.Audience) {
		return fmt.Errorf("%w: JWT not meant for audience %q", ErrUnauthenticated, j.cfg.Audience)
	}
	return nil
}

func audienceHas(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		for _, v := range a {
			if s, _ := v.(string); s == want {
				return true
			}
		}
	}
	return false
}

func numericClaim(c map[string]any, name string) (time.Time, bool) {
	switch v := c[name].(type) {
	case float64:
		sec := int64(v)
		return time.Unix(sec, int64((v-float64(sec))*1e9)), true
	case json.Number:
		f, err := v.Float64()
		if err == nil {
			return time.Unix(int64(f), 0), true
		}
	}
	return time.Time{}, false
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// principalFromClaims names the principal and its roles from token claims.
func principalFromClaims(c map[string]any, cfg Config, fileRoles map[string][]string) (Principal, error) {
	id := ""
	for _, name := range []string{cfg.PrincipalClaim, "client_id", "username"} {
		if s, ok := c[name].(string); ok && s != "" {
			id = s
			break
		}
	}
	if id == "" {
		return Principal{}, fmt.Errorf("%w: token names no principal (claim %q)", ErrUnauthenticated, cfg.PrincipalClaim)
	}
	roles := claimStrings(lookupPath(c, cfg.RolesClaim))
	return Principal{ID: id, Roles: mergeRoles(roles, fileRoles[id])}, nil
}

// lookupPath follows a dotted path of object members.
func lookupPath(c map[string]any, path string) any {
	var cur any = c
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// claimStrings reads a claim as a list: a JSON array of strings or a
// space-separated string (like scope).
func claimStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return strings.Fields(x)
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// algorithm is a JWS signature algorithm the hub accepts. "none" and the
// HMAC algorithms are refused: a key set holds public keys.
type algorithm struct {
	kty    string
	hash   crypto.Hash
	verify func(key any, signed, sig []byte) error
}

var algorithms = map[string]algorithm{
	"RS256": rsaAlg(crypto.SHA256),
	"RS384": rsaAlg(crypto.SHA384),
	"RS512": rsaAlg(crypto.SHA512),
	"ES256": ecAlg(crypto.SHA256, 32),
	"ES384": ecAlg(crypto.SHA384, 48),
}

func digest(h crypto.Hash, b []byte) []byte {
	switch h {
	case crypto.SHA384:
		s := sha512.Sum384(b)
		return s[:]
	case crypto.SHA512:
		s := sha512.Sum512(b)
		return s[:]
	}
	s := sha256.Sum256(b)
	return s[:]
}

func rsaAlg(h crypto.Hash) algorithm {
	return algorithm{kty: "RSA", hash: h, verify: func(key any, signed, sig []byte) error {
		pub, ok := key.(*rsa.PublicKey)
		if !ok {
			return errors.New("key is not RSA")
		}
		return rsa.VerifyPKCS1v15(pub, h, digest(h, signed), sig)
	}}
}

func ecAlg(h crypto.Hash, size int) algorithm {
	return algorithm{kty: "EC", hash: h, verify: func(key any, signed, sig []byte) error {
		pub, ok := key.(*ecdsa.PublicKey)
		if !ok {
			return errors.New("key is not EC")
		}
		if (pub.Curve.Params().BitSize+7)/8 != size || len(sig) != 2*size {
			return errors.New("signature size does not fit the curve")
		}
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		if !ecdsa.Verify(pub, digest(h, signed), r, s) {
			return errors.New("verification failed")
		}
		return nil
	}}
}

// jwks caches a JSON Web Key Set. It is refetched after ttl, and early
// (at most every minRefresh) when a token names a key id it lacks: that is
// how rotated keys are picked up.
type jwks struct {
	url        string
	client     *http.Client
	ttl        time.Duration
	minRefresh time.Duration
	now        func() time.Time

	mu      sync.Mutex
	keys    map[string]any // kid → public key
	fetched time.Time
}

func (k *jwks) key(ctx context.Context, kid, kty string) (any, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	if k.keys == nil || now.Sub(k.fetched) >= k.ttl {
		if err := k.fetchLocked(ctx, now); err != nil && k.keys == nil {
			return nil, err
		}
	}
	if key := k.findLocked(kid, kty); key != nil {
		return key, nil
	}
	if now.Sub(k.fetched) >= k.minRefresh {
		if err := k.fetchLocked(ctx, now); err != nil {
			return nil, err
		}
		if key := k.findLocked(kid, kty); key != nil {
			return key, nil
		}
	}
	return nil, fmt.Errorf("%w: no %s key with id %q in the key set", ErrUnauthenticated, kty, kid)
}

// findLocked returns the key with kid; a token without kid may use the
// only key of its type.
func (k *jwks) findLocked(kid, kty string) any {
	if kid != "" {
		key := k.keys[kid]
		if key != nil && keyType(key) == kty {
			return key
		}
		return nil
	}
	var found any
	for _, key := range k.keys {
		if keyType(key) == kty {
			if found != nil {
				return nil
			}
			found = key
		}
	}
	return found
}

func keyType(key any) string {
	switch key.(type) {
	case *rsa.PublicKey:
		return "RSA"
	case *ecdsa.PublicKey:
		return "EC"
	}
	return ""
}

type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Crv string `json:"crv"`
	N   string `json:"n"`
	E   string `json:"e"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

func (k *jwks) fetchLocked(ctx context.Context, now time.Time) error {
	k.fetched = now // also on failure: do not hammer a failing endpoint
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := k.client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: fetching JWKS: %v", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: JWKS endpoint answered %d", ErrUnavailable, resp.StatusCode)
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return fmt.Errorf("%w: JWKS document: %v", ErrUnavailable, err)
	}
	keys := map[string]any{}
	for i, j := range set.Keys {
		if j.Use != "" && j.Use != "sig" {
			continue
		}
		pub, err := j.publicKey()
		if err != nil {
			continue // a key of a kind we do not use
		}
		kid := j.Kid
		if kid == "" {
			kid = fmt.Sprintf("#%d", i)
		}
		keys[kid] = pub
	}
	k.keys = keys
	return nil
}

func (j jwk) publicKey() (any, error) {
	b := func(s string) (*big.Int, error) {
		raw, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(raw) == 0 {
			return nil, errors.New("bad key member")
		}
		return new(big.Int).SetBytes(raw), nil
	}
	switch j.Kty {
	case "RSA":
		n, err := b(j.N)
		if err != nil {
			return nil, err
		}
		e, err := b(j.E)
		if err != nil || !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31 {
			return nil, errors.New("bad RSA exponent")
		}
		if n.BitLen() < 2048 {
			return nil, errors.New("RSA key too short")
		}
		return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
	case "EC":
		var curve elliptic.Curve
		switch j.Crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		default:
			return nil, errors.New("unsupported curve")
		}
		x, err := b(j.X)
		if err != nil {
			return nil, err
		}
		y, err := b(j.Y)
		if err != nil {
			return nil, err
		}
		size := (curve.Params().BitSize + 7) / 8
		point := make([]byte, 1+2*size)
		point[0] = 4
		x.FillBytes(point[1 : 1+size])
		y.FillBytes(point[1+size:])
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, point)
		if err != nil {
			return nil, err
		}
		return pub, nil
	}
	return nil, errors.New("unsupported key type")
}
