package triplestore_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/intermw/intermw/services/triplestore"
	"github.com/intermw/intermw/services/triplestore/storetest"
	"github.com/intermw/intermw/test/sparqlserver"
)

func TestRemoteStoreSuite(t *testing.T) {
	srv := sparqlserver.Start(t, sparqlserver.Options{Username: "intermw", Password: "s3cret"})
	storetest.Run(t, func(t *testing.T) triplestore.Store {
		r, err := triplestore.NewRemote(triplestore.RemoteConfig{QueryURL: srv.URL, Username: "intermw", Password: "s3cret"})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Update(context.Background(), "DROP ALL"); err != nil {
			t.Fatal(err)
		}
		return r
	})
}

func TestRemoteBasicAuthIsRequired(t *testing.T) {
	srv := sparqlserver.Start(t, sparqlserver.Options{Username: "intermw", Password: "s3cret"})
	r, err := triplestore.NewRemote(triplestore.RemoteConfig{QueryURL: srv.URL, Username: "intermw", Password: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	var re *triplestore.RemoteError
	if err := r.Ping(context.Background()); !errors.As(err, &re) || re.Status != http.StatusUnauthorized {
		t.Fatalf("got %v, want a 401 RemoteError", err)
	}
}

func TestRemoteRetriesQueriesButNotUpdates(t *testing.T) {
	var queries, updates atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.Form.Get("update") != "" {
			updates.Add(1)
		} else {
			queries.Add(1)
		}
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	r, err := triplestore.NewRemote(triplestore.RemoteConfig{QueryURL: srv.URL, Retries: 3, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Query(context.Background(), "ASK {}"); !errors.Is(err, triplestore.ErrTimeout) {
		t.Fatalf("query: got %v, want ErrTimeout for a 503", err)
	}
	if err := r.Update(context.Background(), "DROP ALL"); err == nil {
		t.Fatal("update: want an error")
	}
	if q, u := queries.Load(), updates.Load(); q != 4 || u != 1 {
		t.Fatalf("queries sent %d times (want 4), updates %d times (want 1)", q, u)
	}
}

func TestRemoteConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  triplestore.RemoteConfig
	}{
		{"a missing query URL is refused", triplestore.RemoteConfig{}},
		{"a non-http URL is refused", triplestore.RemoteConfig{QueryURL: "file:///etc/passwd"}},
		{"a password without a user is refused", triplestore.RemoteConfig{QueryURL: "http://h/sparql", Password: "x"}},
		{"a negative timeout is refused", triplestore.RemoteConfig{QueryURL: "http://h/sparql", Timeout: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := triplestore.NewRemote(tt.cfg); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}
