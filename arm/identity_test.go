package arm

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/intermw/intermw/arm/auth"
	"github.com/intermw/intermw/messages"
)

// withBasicAuth runs the ARM in basic mode: app1 is a plain client, ops an
// admin (itself a registered client too would not matter).
func withBasicAuth(t *testing.T) envOption {
	dir := t.TempDir()
	line := func(user, pass string) string {
		s := sha256.Sum256([]byte(pass))
		return user + ":" + hex.EncodeToString(s[:]) + "\n"
	}
	pw := filepath.Join(dir, "htpasswd")
	must(t, os.WriteFile(pw, []byte(line("app1", "pw1")+line("app2", "pw2")+line("ops", "pw3")), 0o600))
	roles := filepath.Join(dir, "roles")
	must(t, os.WriteFile(roles, []byte("ops: admin\n"), 0o600))
	a, err := auth.New(auth.Config{Mode: auth.ModeBasic, HTPasswdFile: pw, RolesFile: roles})
	must(t, err)
	return func(c *Config) { c.Auth = a }
}

func basic(user, pass string) map[string]string {
	return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}
}

func TestIdentityAndAccess(t *testing.T) {
	tests := []struct {
		name   string
		req    req
		status int
	}{
		{"a call without credentials answers 401 with a challenge", req{method: "GET", path: api + "/platforms"}, 401},
		{"a wrong password answers 401", req{method: "GET", path: api + "/platforms", headers: basic("app1", "nope")}, 401},
		{"the Client-ID header does not authenticate in basic mode", req{method: "GET", path: api + "/platforms", client: "app1"}, 401},
		{"an authenticated client reads platforms", req{method: "GET", path: api + "/platforms", headers: basic("app1", "pw1")}, 200},
		{"a client without the admin role cannot register a platform", req{method: "POST", path: api + "/platforms", headers: basic("app1", "pw1"), body: `{"platformId":"http://p.example/x","type":"` + typeMW + `"}`}, 403},
		{"a client without the admin role cannot delete a device", req{method: "DELETE", path: api + "/devices/" + esc(deviceA1), headers: basic("app1", "pw1")}, 403},
		{"a client without the admin role cannot write locations", req{method: "DELETE", path: api + "/location/points/" + esc(pointID), headers: basic("app1", "pw1")}, 403},
		{"an admin registers a platform", req{method: "POST", path: api + "/platforms", headers: basic("ops", "pw3"), body: `{"platformId":"http://p.example/x","type":"` + typeMW + `"}`}, 202},
		{"a client cannot list all clients", req{method: "GET", path: api + "/clients", headers: basic("app1", "pw1")}, 403},
		{"a client reads itself", req{method: "GET", path: api + "/clients/app1", headers: basic("app1", "pw1")}, 200},
		{"a client cannot read another client", req{method: "GET", path: api + "/clients/app2", headers: basic("app1", "pw1")}, 403},
		{"a client cannot register another client", req{method: "POST", path: api + "/clients", headers: basic("app1", "pw1"), body: `{"clientId":"other"}`}, 403},
		{"a client cannot delete another client", req{method: "DELETE", path: api + "/clients/app2", headers: basic("app1", "pw1")}, 403},
		{"a client cannot list another's subscriptions", req{method: "GET", path: api + "/subscriptions?clientId=app2", headers: basic("app1", "pw1")}, 403},
		{"an admin lists another's subscriptions", req{method: "GET", path: api + "/subscriptions?clientId=app2", headers: basic("ops", "pw3")}, 200},
		{"a client cannot unsubscribe another's subscription", req{method: "DELETE", path: api + "/subscriptions/conv-sub-app2", headers: basic("app1", "pw1")}, 404},
		{"even an admin cannot unsubscribe another's subscription", req{method: "DELETE", path: api + "/subscriptions/conv-sub-app2", headers: basic("ops", "pw3")}, 404},
		{"a client unsubscribes its own subscription", req{method: "DELETE", path: api + "/subscriptions/conv-sub-app2", headers: basic("app2", "pw2")}, 202},
		{"a client subscribes", req{method: "POST", path: api + "/subscriptions", headers: basic("app1", "pw1"), body: `{"deviceIds":["` + deviceB1 + `"]}`}, 202},
		{"a raw Platform_register needs the admin role", req{method: "POST", path: api + "/requests", headers: basic("app1", "pw1"), body: rawMessage(t, messages.PlatformRegister)}, 403},
		{"a raw Query needs no admin role", req{method: "POST", path: api + "/requests", headers: basic("app1", "pw1"), body: rawMessage(t, messages.Query)}, 202},
		{"health needs no credentials", req{method: "GET", path: "/healthz"}, 200},
		{"the spec needs no credentials", req{method: "GET", path: "/api/swagger.json"}, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, withBasicAuth(t))
			before := e.state()
			got := e.do(tc.req)
			if got.status != tc.status {
				t.Fatalf("status %d, want %d: %s", got.status, tc.status, got.body)
			}
			if got.status == 401 && got.header.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
			if got.status >= 400 {
				checkSpec(t, tc.req, got)
				if after := e.state(); after != before {
					t.Fatalf("side effect on a refused call")
				}
			}
		})
	}
}

func rawMessage(t *testing.T, typ messages.Type) string {
	m := messages.NewRequest(typ)
	m.Metadata.ReceiverPlatformIDs = []string{platformA}
	codec, err := messages.New(messages.Config{})
	must(t, err)
	b, err := codec.Encode(m)
	must(t, err)
	return string(b)
}

func TestTheRequestClientIsThePrincipalNotTheHeader(t *testing.T) {
	e := newEnv(t, withBasicAuth(t))
	got := e.do(req{method: "GET", path: api + "/platform-types", headers: map[string]string{
		"Authorization": basic("app2", "pw2")["Authorization"], auth.ClientIDHeader: "app1"}})
	if got.status != 202 {
		t.Fatalf("%d %s", got.status, got.body)
	}
	msgs := e.sentMessages("arm_prm")
	if len(msgs) != 1 || msgs[0].Metadata.ClientID != "app2" {
		t.Fatalf("sent for %q", msgs[0].Metadata.ClientID)
	}
}
