package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"go.uber.org/goleak"
	"golang.org/x/crypto/bcrypt"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNoneModeNamesTheCallerByClientIDHeader(t *testing.T) {
	a, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	p, err := a.Authenticate(r)
	if err != nil || p.ID != "" || !p.Has("admin") {
		t.Fatalf("anonymous: %+v %v", p, err)
	}
	r.Header.Set("Client-ID", "app1")
	p, _ = a.Authenticate(r)
	if p.ID != "app1" || !p.Has("anything") {
		t.Fatalf("named: %+v", p)
	}
}

func TestBasicMode(t *testing.T) {
	sum := sha256.Sum256([]byte("s3cret"))
	bc, err := bcrypt.GenerateFromPassword([]byte("pw2"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	file := writeFile(t, "htpasswd", "# users\nalice:"+hex.EncodeToString(sum[:])+"\nbob:"+string(bc)+"\n")
	roles := writeFile(t, "roles", "alice: admin, operator\n")
	a, err := New(Config{Mode: ModeBasic, HTPasswdFile: file, RolesFile: roles, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		user, pass string
		noAuth     bool
		wantID     string
		wantAdmin  bool
		wantErr    error
	}{
		{name: "a SHA-256 hex password is accepted", user: "alice", pass: "s3cret", wantID: "alice", wantAdmin: true},
		{name: "a bcrypt password is accepted", user: "bob", pass: "pw2", wantID: "bob"},
		{name: "a bcrypt password is accepted again from the cache", user: "bob", pass: "pw2", wantID: "bob"},
		{name: "a wrong SHA-256 password is refused", user: "alice", pass: "nope", wantErr: ErrUnauthenticated},
		{name: "a wrong bcrypt password is refused", user: "bob", pass: "nope", wantErr: ErrUnauthenticated},
		{name: "an unknown user is refused", user: "carol", pass: "s3cret", wantErr: ErrUnauthenticated},
		{name: "a request without credentials is refused", noAuth: true, wantErr: ErrUnauthenticated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if !tc.noAuth {
				r.SetBasicAuth(tc.user, tc.pass)
			}
			p, err := a.Authenticate(r)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if p.ID != tc.wantID || p.Has("admin") != tc.wantAdmin {
				t.Fatalf("principal = %+v", p)
			}
		})
	}
	if !strings.HasPrefix(a.Challenge(), "Basic ") {
		t.Fatalf("challenge %q", a.Challenge())
	}
}

func TestConfigValidateReportsEveryProblem(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{name: "an unknown mode is refused", cfg: Config{Mode: "kerberos"}, want: []string{"kerberos"}},
		{name: "basic needs a file", cfg: Config{Mode: ModeBasic}, want: []string{"htpasswd"}},
		{name: "bearer needs a source of keys", cfg: Config{Mode: ModeBearer}, want: []string{"JWKS URL or an introspection"}},
		{name: "bearer takes one source only and http(s) URLs", cfg: Config{Mode: ModeBearer, JWKSURL: "ftp://x", IntrospectionURL: "http://y"}, want: []string{"not both", "not http(s)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("err = %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestResolveModeAndLoopback(t *testing.T) {
	for _, tc := range []struct {
		addr string
		loop bool
	}{
		{"127.0.0.1:8080", true}, {"localhost:80", true}, {"[::1]:8080", true},
		{":8080", false}, {"0.0.0.0:8080", false}, {"10.1.2.3:80", false}, {"example.org:80", false},
	} {
		if got := IsLoopback(tc.addr); got != tc.loop {
			t.Errorf("IsLoopback(%q) = %v", tc.addr, got)
		}
	}
	m, err := ResolveMode("", "0.0.0.0:8080", nil)
	if err != nil || m != ModeNone {
		t.Fatalf("%v %v", m, err)
	}
	if _, err := ResolveMode("weird", "127.0.0.1:1", nil); err == nil {
		t.Fatal("an unknown mode was accepted")
	}
}

// keyServer serves a JWKS whose keys the test can rotate.
type keyServer struct {
	mu      sync.Mutex
	keys    []map[string]string
	fetches atomic.Int32
	srv     *httptest.Server
}

func newKeyServer(t *testing.T) *keyServer {
	ks := &keyServer{}
	ks.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ks.fetches.Add(1)
		ks.mu.Lock()
		defer ks.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": ks.keys})
	}))
	t.Cleanup(ks.srv.Close)
	return ks
}

func (ks *keyServer) set(keys ...map[string]string) {
	ks.mu.Lock()
	ks.keys = keys
	ks.mu.Unlock()
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func rsaJWK(kid string, k *rsa.PrivateKey) map[string]string {
	e := big64(k.E)
	return map[string]string{"kty": "RSA", "kid": kid, "use": "sig", "n": b64(k.N.Bytes()), "e": b64(e)}
}

func big64(e int) []byte {
	var out []byte
	for ; e > 0; e >>= 8 {
		out = append([]byte{byte(e)}, out...)
	}
	return out
}

func ecJWK(kid string, k *ecdsa.PrivateKey) map[string]string {
	b, _ := k.PublicKey.Bytes()
	size := (len(b) - 1) / 2
	return map[string]string{"kty": "EC", "kid": kid, "crv": "P-256", "x": b64(b[1 : 1+size]), "y": b64(b[1+size:])}
}

func sign(t *testing.T, alg, kid string, key crypto.Signer, claims map[string]any) string {
	t.Helper()
	hdr, _ := json.Marshal(map[string]string{"alg": alg, "kid": kid, "typ": "JWT"})
	body, _ := json.Marshal(claims)
	signed := b64(hdr) + "." + b64(body)
	h := sha256.Sum256([]byte(signed))
	var sig []byte
	var err error
	switch k := key.(type) {
	case *rsa.PrivateKey:
		sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, h[:])
	case *ecdsa.PrivateKey:
		var r, s interface{ FillBytes([]byte) []byte }
		rr, ss, e := ecdsa.Sign(rand.Reader, k, h[:])
		r, s, err = rr, ss, e
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	}
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + b64(sig)
}

func TestBearerJWT(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	rotated, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ks := newKeyServer(t)
	ks.set(rsaJWK("r1", rsaKey), ecJWK("e1", ecKey))
	now := testNow
	a, err := New(Config{
		Mode: ModeBearer, JWKSURL: ks.srv.URL, Issuer: "https://idp", Audience: "intermw",
		RolesClaim: "realm_access.roles", Now: func() time.Time { return now }, JWKSMinRefresh: time.Nanosecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	good := func() map[string]any {
		return map[string]any{"sub": "app1", "iss": "https://idp", "aud": []string{"other", "intermw"},
			"exp": now.Add(time.Hour).Unix(), "realm_access": map[string]any{"roles": []string{"admin"}}}
	}
	with := func(k string, v any) map[string]any { c := good(); c[k] = v; return c }
	without := func(k string) map[string]any { c := good(); delete(c, k); return c }
	tests := []struct {
		name      string
		token     func() string
		header    string
		wantID    string
		wantAdmin bool
		wantErr   error
	}{
		{name: "an RS256 token from the key set is accepted", token: func() string { return sign(t, "RS256", "r1", rsaKey, good()) }, wantID: "app1", wantAdmin: true},
		{name: "an ES256 token from the key set is accepted", token: func() string { return sign(t, "ES256", "e1", ecKey, good()) }, wantID: "app1", wantAdmin: true},
		{name: "roles are optional", token: func() string { return sign(t, "RS256", "r1", rsaKey, without("realm_access")) }, wantID: "app1"},
		{name: "an expired token is refused", token: func() string { return sign(t, "RS256", "r1", rsaKey, with("exp", now.Add(-time.Hour).Unix())) }, wantErr: ErrUnauthenticated},
		{name: "a token without exp is refused", token: func() string { return sign(t, "RS256", "r1", rsaKey, without("exp")) }, wantErr: ErrUnauthenticated},
		{name: "a token not valid yet is refused", token: func() string { return sign(t, "RS256", "r1", rsaKey, with("nbf", now.Add(time.Hour).Unix())) }, wantErr: ErrUnauthenticated},
		{name: "a token from another issuer is refused", token: func() string { return sign(t, "RS256", "r1", rsaKey, with("iss", "https://evil")) }, wantErr: ErrUnauthenticated},
		{name: "a token for another audience is refused", token: func() string { return sign(t, "RS256", "r1", rsaKey, with("aud", "other")) }, wantErr: ErrUnauthenticated},
		{name: "a token signed by an unknown key is refused", token: func() string { return sign(t, "RS256", "r1", rotated, good()) }, wantErr: ErrUnauthenticated},
		{name: "a token naming an unknown key id is refused", token: func() string { return sign(t, "RS256", "nope", rsaKey, good()) }, wantErr: ErrUnauthenticated},
		{name: "an alg none token is refused", token: func() string {
			return b64([]byte(`{"alg":"none"}`)) + "." + b64([]byte(`{"sub":"x","exp":9999999999}`)) + "."
		}, wantErr: ErrUnauthenticated},
		{name: "an HS256 token is refused", token: func() string {
			return b64([]byte(`{"alg":"HS256","kid":"r1"}`)) + "." + b64([]byte(`{"sub":"x","exp":9999999999}`)) + ".AAAA"
		}, wantErr: ErrUnauthenticated},
		{name: "garbage is refused", token: func() string { return "a.b" }, wantErr: ErrUnauthenticated},
		{name: "a basic header is refused", header: "Basic YTpi", wantErr: ErrUnauthenticated},
		{name: "a token without principal is refused", token: func() string { return sign(t, "RS256", "r1", rsaKey, without("sub")) }, wantErr: ErrUnauthenticated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			} else {
				r.Header.Set("Authorization", "Bearer "+tc.token())
			}
			p, err := a.Authenticate(r)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if p.ID != tc.wantID || p.Has("admin") != tc.wantAdmin {
				t.Fatalf("principal = %+v", p)
			}
		})
	}

	t.Run("a rotated key is fetched when a token names it", func(t *testing.T) {
		ks.set(rsaJWK("r2", rotated))
		now = now.Add(time.Second)
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", "Bearer "+sign(t, "RS256", "r2", rotated, good()))
		if p, err := a.Authenticate(r); err != nil || p.ID != "app1" {
			t.Fatalf("%+v %v", p, err)
		}
	})
}

func TestBearerJWTCachesTheKeySet(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	ks := newKeyServer(t)
	ks.set(rsaJWK("k", key))
	a, err := New(Config{Mode: ModeBearer, JWKSURL: ks.srv.URL, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	tok := sign(t, "RS256", "k", key, map[string]any{"client_id": "c", "exp": testNow.Add(time.Minute).Unix(), "roles": "admin ops"})
	for range 5 {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		p, err := a.Authenticate(r)
		if err != nil || p.ID != "c" || !p.Has("ops") {
			t.Fatalf("%+v %v", p, err)
		}
	}
	// An unknown kid within JWKSMinRefresh of the last fetch is not refetched.
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+sign(t, "RS256", "other", key, map[string]any{"sub": "c", "exp": testNow.Add(time.Minute).Unix()}))
	if _, err := a.Authenticate(r); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("err = %v", err)
	}
	if n := ks.fetches.Load(); n != 1 {
		t.Fatalf("the key set was fetched %d times, want 1", n)
	}
}

func TestBearerIntrospection(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		id, secret, ok := r.BasicAuth()
		if !ok || id != "hub" || secret != "hubsecret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_ = r.ParseForm()
		switch r.PostForm.Get("token") {
		case "good":
			_ = json.NewEncoder(w).Encode(map[string]any{"active": true, "client_id": "app7", "scope": "read admin", "exp": testNow.Add(time.Hour).Unix()})
		case "expired":
			_ = json.NewEncoder(w).Encode(map[string]any{"active": true, "sub": "app7", "exp": testNow.Add(-time.Hour).Unix()})
		case "broken":
			w.WriteHeader(http.StatusInternalServerError)
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{"active": false})
		}
	}))
	defer srv.Close()
	a, err := New(Config{Mode: ModeBearer, IntrospectionURL: srv.URL, IntrospectionClientID: "hub", IntrospectionClientSecret: "hubsecret",
		RolesClaim: "scope", Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		token     string
		wantID    string
		wantAdmin bool
		wantErr   error
	}{
		{name: "an active token names its client", token: "good", wantID: "app7", wantAdmin: true},
		{name: "an active token is then served from the cache", token: "good", wantID: "app7", wantAdmin: true},
		{name: "an inactive token is refused", token: "revoked", wantErr: ErrUnauthenticated},
		{name: "an expired token is refused", token: "expired", wantErr: ErrUnauthenticated},
		{name: "an endpoint failure is unavailability, not a refusal", token: "broken", wantErr: ErrUnavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", "Bearer "+tc.token)
			p, err := a.Authenticate(r)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if p.ID != tc.wantID || p.Has("admin") != tc.wantAdmin {
				t.Fatalf("principal = %+v", p)
			}
		})
	}
	if n := calls.Load(); n != 4 {
		t.Fatalf("introspection called %d times, want 4 (one answer cached)", n)
	}
}

func TestResolveModeWarnsLoudlyOffLoopback(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mode   Mode
		listen string
		warn   bool
	}{
		{"none on loopback is quiet", "", "127.0.0.1:8080", false},
		{"none on all interfaces warns", "", ":8080", true},
		{"none on a public address warns", ModeNone, "192.0.2.1:80", true},
		{"basic on a public address is quiet", ModeBasic, "192.0.2.1:80", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf strings.Builder
			l := logrus.New()
			l.Out = &buf
			if _, err := ResolveMode(tc.mode, tc.listen, l); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(buf.String(), "AUTHENTICATION IS OFF"); got != tc.warn {
				t.Fatalf("warned %v: %q", got, buf.String())
			}
		})
	}
}
