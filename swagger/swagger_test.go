package swagger

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestTheEmbeddedSpecLoadsAndIsServed(t *testing.T) {
	b, err := JSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil || doc["swagger"] != "2.0" {
		t.Fatalf("spec: %v %v", err, doc["swagger"])
	}
	h, err := Handler()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{SpecURL, `"swagger": "2.0"`},
		{UIPath, "swagger-ui"},
	} {
		rr := httptest.NewRecorder()
		h.ServeHTTP(rr, httptest.NewRequest("GET", tc.path, nil))
		if rr.Code != http.StatusOK || !strings.Contains(rr.Body.String(), tc.want) {
			t.Errorf("GET %s: %d %.200s", tc.path, rr.Code, rr.Body.String())
		}
	}
}

func TestEveryOperationDocumentsItsResponsesWithSchemas(t *testing.T) {
	s, err := Spec()
	if err != nil {
		t.Fatal(err)
	}
	for p, item := range s.Paths.Paths {
		for m, op := range operations(item) {
			if op == nil {
				continue
			}
			if op.ID == "" || op.Summary == "" {
				t.Errorf("%s %s lacks an operationId or summary", m, p)
			}
			if op.Responses == nil || op.Responses.Default == nil || op.Responses.Default.Schema == nil {
				t.Errorf("%s %s lacks a default Error response", m, p)
			}
		}
	}
}

func TestValidateBody(t *testing.T) {
	v, err := NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, path, body string
		ok                       bool
	}{
		{"a good client registration passes", "POST", "/mw2mw/clients", `{"clientId":"a","responseFormat":"JSON_LD","responseDelivery":"CLIENT_PULL","receivingCapacity":5}`, true},
		{"a wrong format enum fails", "POST", "/mw2mw/clients", `{"clientId":"a","responseFormat":"XML"}`, false},
		{"a wrong delivery enum fails", "POST", "/mw2mw/clients", `{"clientId":"a","responseDelivery":"CARRIER_PIGEON"}`, false},
		{"a missing clientId fails", "POST", "/mw2mw/clients", `{"callbackUrl":"http://x"}`, false},
		{"a string capacity fails", "POST", "/mw2mw/clients", `{"clientId":"a","receivingCapacity":"5"}`, false},
		{"malformed JSON fails", "POST", "/mw2mw/clients", `{"clientId":`, false},
		{"an empty required body fails", "POST", "/mw2mw/clients", ``, false},
		{"a device with a bad type fails", "POST", "/mw2mw/devices", `{"devices":[{"deviceId":"http://d","deviceTypes":["TOASTER"]}]}`, false},
		{"an empty device list fails", "POST", "/mw2mw/devices", `{"devices":[]}`, false},
		{"good devices pass", "POST", "/mw2mw/devices", `{"devices":[{"deviceId":"http://d","deviceTypes":["SENSOR","ACTUATOR"]}]}`, true},
		{"a subscription without ids fails", "POST", "/mw2mw/subscriptions", `{"deviceIds":[]}`, false},
		{"SPARQL text is not checked as JSON", "POST", "/mw2mw/query", `SELECT * WHERE {?s ?p ?o}`, true},
		{"a replay without body passes", "POST", "/mw2mw/responses/dead-letters/replay", ``, true},
		{"a platform without type fails", "POST", "/mw2mw/platforms", `{"platformId":"http://p"}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := v.ValidateBody(tc.method, tc.path, []byte(tc.body))
			if tc.ok && err != nil {
				t.Fatalf("unexpected: %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrInvalidBody) {
				t.Fatalf("err = %v, want ErrInvalidBody", err)
			}
		})
	}
	if err := v.ValidateBody("PATCH", "/mw2mw/clients", nil); !errors.Is(err, ErrUnknownOperation) {
		t.Fatalf("unknown operation: %v", err)
	}
}

func TestMatchPathPrefersLiteralSegments(t *testing.T) {
	for in, want := range map[string]string{
		"/api/mw2mw/devices/query":                    "/mw2mw/devices/query",
		"/api/mw2mw/devices/http%3A%2F%2Fd%231":       "/mw2mw/devices/{deviceId}",
		"/api/mw2mw/devices/data":                     "/mw2mw/devices/data",
		"/mw2mw/location/areas/http%3A%2F%2Fa/points": "/mw2mw/location/areas/{locationId}/points",
		"/api/mw2mw/responses/dead-letters/replay":    "/mw2mw/responses/dead-letters/replay",
	} {
		if got, ok := MatchPath(in); !ok || got != want {
			t.Errorf("MatchPath(%q) = %q, want %q", in, got, want)
		}
	}
}

type recorder struct{ errs []string }

func (r *recorder) Helper()                   {}
func (r *recorder) Errorf(f string, a ...any) { r.errs = append(r.errs, f) }

func TestValidateResponse(t *testing.T) {
	tests := []struct {
		name, method, path string
		status             int
		body               string
		ok                 bool
	}{
		{"an async answer fits", "POST", "/api/mw2mw/platforms", 202, `{"conversationId":"conv1"}`, true},
		{"an async answer without conversationId does not", "POST", "/api/mw2mw/platforms", 202, `{}`, false},
		{"an error body fits the default", "GET", "/api/mw2mw/platforms/x", 500, `{"error":"e","message":"m"}`, true},
		{"a plain-text error does not", "GET", "/api/mw2mw/platforms/x", 404, `not found`, false},
		{"a platform list fits", "GET", "/api/mw2mw/platforms?x=1", 200, `[{"platformId":"http://p","type":"http://t","platformStatistics":{"deviceCount":1,"subscribedDeviceCount":0,"subscriptionCount":0}}]`, true},
		{"a client with a bad enum does not", "GET", "/api/mw2mw/clients/a", 200, `{"clientId":"a","responseFormat":"XML"}`, false},
		{"a 204 has no body to check", "DELETE", "/api/mw2mw/clients/a", 204, ``, true},
		{"an unknown path fails", "GET", "/api/mw2mw/nothing", 200, `{}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{}
			ValidateResponse(r, tc.method, tc.path, tc.status, []byte(tc.body))
			if (len(r.errs) == 0) != tc.ok {
				t.Fatalf("errors %v, want ok=%v", r.errs, tc.ok)
			}
		})
	}
}
