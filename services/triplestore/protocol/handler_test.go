package protocol

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
)

// fakeStore answers by the query text, and records updates.
type fakeStore struct {
	updates []string
}

func (f *fakeStore) Query(ctx context.Context, q string) (*triplestore.Result, error) {
	switch {
	case strings.Contains(q, "SYNTAX"):
		return nil, &triplestore.SyntaxError{Line: 1, Column: 3, Msg: "bad"}
	case strings.Contains(q, "SERVICE"):
		return nil, fmt.Errorf("%w: SERVICE", triplestore.ErrUnsupported)
	case strings.Contains(q, "SLOW"):
		return nil, fmt.Errorf("%w: after 1s", triplestore.ErrTimeout)
	case strings.HasPrefix(q, "ASK"):
		return &triplestore.Result{Form: triplestore.FormAsk, Boolean: true}, nil
	case strings.HasPrefix(q, "CONSTRUCT"):
		return &triplestore.Result{Form: triplestore.FormConstruct, Graph: []rdf.Triple{{S: rdf.IRI("http://a"), P: rdf.IRI("http://b"), O: rdf.String("c")}}}, nil
	}
	return &triplestore.Result{Form: triplestore.FormSelect, Vars: []string{"x"},
		Rows: triplestore.SliceRows([]triplestore.Binding{{"x": rdf.IRI("http://a")}})}, nil
}

func (f *fakeStore) Update(ctx context.Context, u string) error {
	if strings.Contains(u, "SYNTAX") {
		return &triplestore.SyntaxError{Line: 2, Column: 1, Msg: "bad"}
	}
	f.updates = append(f.updates, u)
	return nil
}

func (f *fakeStore) Close() error { return nil }

func TestHandler(t *testing.T) {
	form := func(k, v string) string { return url.Values{k: {v}}.Encode() }
	tests := []struct {
		name        string
		method      string
		target      string
		contentType string
		accept      string
		body        string
		readOnly    bool
		status      int
		wantType    string
		wantBody    string
	}{
		{"a GET query answers SPARQL JSON", "GET", "/sparql?query=" + url.QueryEscape("SELECT * {}"), "", "", "", false, 200, "application/sparql-results+json", `"uri"`},
		{"a form query answers SPARQL XML when asked", "POST", "/sparql", "application/x-www-form-urlencoded", "application/sparql-results+xml", form("query", "SELECT * {}"), false, 200, "application/sparql-results+xml", "<uri>http://a</uri>"},
		{"a direct POST query answers CSV when asked", "POST", "/sparql", "application/sparql-query", "text/csv", "SELECT * {}", false, 200, "text/csv", "x\r\nhttp://a"},
		{"ASK answers a boolean", "GET", "/sparql?query=ASK%7B%7D", "", "", "", false, 200, "application/sparql-results+json", `"boolean":true`},
		{"CONSTRUCT answers Turtle by default", "GET", "/sparql?query=CONSTRUCT%7B%7D", "", "", "", false, 200, "text/turtle", `"c"`},
		{"CONSTRUCT answers N-Triples when asked", "GET", "/sparql?query=CONSTRUCT%7B%7D", "", "application/n-triples", "", false, 200, "application/n-triples", `<http://a> <http://b> "c" .`},
		{"an unacceptable format is 406", "GET", "/sparql?query=" + url.QueryEscape("SELECT * {}"), "", "text/turtle", "", false, 406, "application/json", "no acceptable"},
		{"a form update is applied", "POST", "/sparql", "application/x-www-form-urlencoded", "", form("update", "INSERT DATA {}"), false, 204, "", ""},
		{"a direct update is applied", "POST", "/sparql", "application/sparql-update", "", "INSERT DATA {}", false, 204, "", ""},
		{"an update is refused on a read-only endpoint", "POST", "/sparql", "application/sparql-update", "", "INSERT DATA {}", true, 403, "application/json", "read-only"},
		{"an update by GET is refused", "GET", "/sparql?update=DROP+ALL", "", "", "", false, 400, "application/json", "POST"},
		{"a syntax error is 400 with its position", "GET", "/sparql?query=SYNTAX", "", "", "", false, 400, "application/json", "line 1, column 3"},
		{"an unsupported feature is 501", "GET", "/sparql?query=SERVICE", "", "", "", false, 501, "application/json", "SERVICE"},
		{"a timeout is 503", "GET", "/sparql?query=SLOW", "", "", "", false, 503, "application/json", "timed out"},
		{"a request without query or update is 400", "POST", "/sparql", "application/x-www-form-urlencoded", "", "x=1", false, 400, "application/json", "neither"},
		{"both query and update is 400", "POST", "/sparql", "application/x-www-form-urlencoded", "", "query=a&update=b", false, 400, "application/json", "both"},
		{"an unknown content type is 415", "POST", "/sparql", "text/plain", "", "SELECT", false, 415, "application/json", "text/plain"},
		{"PUT is 405", "PUT", "/sparql", "", "", "", false, 405, "application/json", "method"},
		{"an oversized body is 413", "POST", "/sparql", "application/sparql-query", "", strings.Repeat("x", 2048), false, 413, "application/json", "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &fakeStore{}
			h, err := NewHandler(Config{Store: store, ReadOnly: tt.readOnly, MaxBodyBytes: 1024})
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body.String())
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, tt.wantType) {
				t.Errorf("content type %q, want %q", ct, tt.wantType)
			}
			if !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("body %q lacks %q", rec.Body.String(), tt.wantBody)
			}
			if tt.status >= 400 {
				var e map[string]string
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e["error"] == "" || e["message"] == "" {
					t.Errorf("error body is not {error, message}: %s", rec.Body.String())
				}
			}
			if tt.status == 204 && len(store.updates) != 1 {
				t.Errorf("update not applied: %v", store.updates)
			}
			if tt.status != 204 && len(store.updates) != 0 {
				t.Errorf("a refused request applied an update: %v", store.updates)
			}
		})
	}
}

func TestNewHandlerValidates(t *testing.T) {
	if _, err := NewHandler(Config{}); err == nil {
		t.Fatal("a handler without a store must be refused")
	}
	if s := Status(fmt.Errorf("wrapped: %w", triplestore.ErrUnknownPrefix)); s != http.StatusBadRequest {
		t.Fatalf("unknown prefix maps to %d", s)
	}
}
