package messages

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

// messageWithContext is a valid message whose only context is ctx (a JSON
// value); its terms resolve only if that context is loaded.
func messageWithContext(ctx string) []byte {
	return []byte(fmt.Sprintf(`{
  "@context": %s,
  "@graph": [
    {"@id": "msg:metadata", "@graph": [
      {"@id": "msg:meta/1", "@type": ["msg:meta", "msg:Query"], "msg:conversationID": "conv1", "msg:messageID": "msg1"}
    ]},
    {"@id": "msg:payload", "@graph": []}
  ]
}`, ctx))
}

const msgPrefixContext = `{"@context": {"msg": "http://inter-iot.eu/message/"}}`

func TestContextsAreNeverFetched(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/ld+json")
		fmt.Fprint(w, msgPrefixContext)
	}))
	defer srv.Close()

	// A local file that holds a context which would make the message
	// valid: had it been read, Decode would have succeeded.
	file := filepath.Join(t.TempDir(), "context.jsonld")
	if err := os.WriteFile(file, []byte(msgPrefixContext), 0o600); err != nil {
		t.Fatal(err)
	}

	c := newTestCodec(t, Config{})
	cases := []struct{ name, ctx string }{
		{"a remote URL", `"` + srv.URL + `/context.jsonld"`},
		{"a remote URL inside a context array", `["` + srv.URL + `/a.jsonld", {"x": "http://x/"}]`},
		{"an @import of a remote URL", `{"@import": "` + srv.URL + `/imported.jsonld"}`},
		{"an absolute file path", `"` + file + `"`},
		{"a file URL", `"file://` + file + `"`},
		{"/etc/hostname", `"/etc/hostname"`},
	}
	for _, tc := range cases {
		t.Run("a context naming "+tc.name+" is refused with a typed error", func(t *testing.T) {
			_, err := c.Decode(messageWithContext(tc.ctx))
			if !errors.Is(err, ErrContextRefused) {
				t.Fatalf("got %v, want ErrContextRefused", err)
			}
			var ce *ContextError
			if !errors.As(err, &ce) || ce.URL == "" {
				t.Fatalf("got %#v, want a *ContextError naming the URL", err)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the context server saw %d requests, want 0", n)
	}
}

func TestPreloadedContextsAreServedConcurrently(t *testing.T) {
	const url = "https://contexts.example.org/inter-iot.jsonld"
	c := newTestCodec(t, Config{Contexts: map[string][]byte{url: []byte(msgPrefixContext)}})
	// A bare context object works too.
	if err := c.AddContext("urn:ctx:bare", []byte(`{"msg": "http://inter-iot.eu/message/"}`)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := `"` + url + `"`
			if i%2 == 1 {
				ctx = `"urn:ctx:bare"`
			}
			m, err := c.Decode(messageWithContext(ctx))
			if err == nil && (m.Metadata.ConversationID != "conv1" || !m.Metadata.Is(Query)) {
				err = fmt.Errorf("wrong message %+v", m.Metadata)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestConfigValidateReportsEveryProblem(t *testing.T) {
	err := Config{MaxBytes: -1, MaxDepth: -2, Contexts: map[string][]byte{"": []byte("[]"), "u": []byte("{")}}.Validate()
	if !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("got %v", err)
	}
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) || len(joined.Unwrap()) != 5 {
		t.Fatalf("want 5 problems, got %v", err)
	}
	if _, err := New(Config{MaxBytes: -1}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("New accepted a bad config: %v", err)
	}
}
