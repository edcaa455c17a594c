package emulator

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/bridges"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/rdf"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestOptionsOf(t *testing.T) {
	cases := []struct {
		name     string
		endpoint string
		want     options
		wantErr  bool
	}{
		{"no endpoint gives SOSA without echo", "", options{profile: ProfileSOSA}, false},
		{"an endpoint without a query gives the defaults", "http://localhost:4568/", options{profile: ProfileSOSA}, false},
		{"profile=bodycloud selects BodyCloud", "http://localhost:4568/?profile=bodycloud", options{profile: ProfileBodyCloud}, false},
		{"the profile is case-insensitive", "http://localhost:4568/?profile=BodyCloud", options{profile: ProfileBodyCloud}, false},
		{"profile=sosa is the default spelled out", "http://h/?profile=sosa", options{profile: ProfileSOSA}, false},
		{"actuation=echo echoes", "http://h/?actuation=echo&profile=bodycloud", options{profile: ProfileBodyCloud, echo: true}, false},
		{"an unknown profile is refused", "http://h/?profile=fiware", options{}, true},
		{"an unknown actuation mode is refused", "http://h/?actuation=drop", options{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := optionsOf(bridges.Platform{ID: "http://t/p#1", BaseEndpoint: c.endpoint})
			if c.wantErr {
				if !errors.Is(err, ErrBadOptions) {
					t.Fatalf("err = %v, want ErrBadOptions", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.want.user = "http://t/p/1/users/emulated"
			if got != c.want {
				t.Errorf("options = %+v, want %+v", got, c.want)
			}
		})
	}
}

// payloadEmitter keeps the payloads of the observations emitted.
type payloadEmitter struct {
	mu       sync.Mutex
	payloads [][]rdf.Triple
}

func (e *payloadEmitter) Emit(_ context.Context, msgs ...*messages.Message) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, m := range msgs {
		e.payloads = append(e.payloads, slices.Clone(m.Payload))
	}
	return nil
}

func testBridge(t *testing.T, endpoint string, em bridges.Emitter) *Bridge {
	t.Helper()
	log := logrus.New()
	log.SetOutput(io.Discard)
	cfg := Config{NoDevices: true, ObservationInterval: time.Hour, EmitSlot: time.Hour,
		Now: func() time.Time { return time.Date(2017, 8, 30, 21, 0, 0, 0, time.UTC) }}.withDefaults()
	f, err := NewFactory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	br, err := f(context.Background(), bridges.Setup{Platform: bridges.Platform{ID: "http://t/bodycloud#1", Type: PlatformType,
		BaseEndpoint: endpoint}, Emitter: em, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	b := br.(*Bridge)
	t.Cleanup(func() { b.Close() })
	return b
}

// golden compares got with testdata/name (N-Triples), isomorphically;
// -update rewrites the file.
func golden(t *testing.T, name string, got []rdf.Triple) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		var b bytes.Buffer
		if err := rdf.WriteNTriples(&b, got); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want, err := rdf.ParseNTriples(f)
	if err != nil {
		t.Fatal(err)
	}
	if !rdf.IsomorphicGraphs(got, want) {
		var b strings.Builder
		_ = rdf.WriteNTriples(&b, got)
		t.Errorf("payload differs from %s; got:\n%s", path, b.String())
	}
}

func TestBodyCloudProfile(t *testing.T) {
	t.Run("a subscribed device's observation is a BodyCloud weight-scale message", func(t *testing.T) {
		em := &payloadEmitter{}
		b := testBridge(t, "http://localhost:4568/?profile=bodycloud", em)
		if err := b.Subscribe(context.Background(), bridges.Subscription{ID: "conv1", DeviceIDs: []string{"http://t/bodycloud/device_0"}}); err != nil {
			t.Fatal(err)
		}
		b.tick(0, 1)
		em.mu.Lock()
		defer em.mu.Unlock()
		if len(em.payloads) != 1 {
			t.Fatalf("%d observations emitted, want 1", len(em.payloads))
		}
		golden(t, "bodycloud-observation.nt", em.payloads[0])
	})
	t.Run("a query answers in the BodyCloud shape", func(t *testing.T) {
		b := testBridge(t, "http://localhost:4568/?profile=bodycloud", &payloadEmitter{})
		got, err := b.Query(context.Background(), []string{"http://t/bodycloud/device_0"})
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "bodycloud-observation.nt", got)
	})
	t.Run("an update to the SOSA profile switches the shape", func(t *testing.T) {
		b := testBridge(t, "http://localhost:4568/?profile=bodycloud", &payloadEmitter{})
		if err := b.UpdatePlatform(context.Background(), bridges.Platform{ID: "http://t/bodycloud#1", Type: PlatformType, BaseEndpoint: "http://localhost:4568/"}); err != nil {
			t.Fatal(err)
		}
		got, _ := b.Query(context.Background(), []string{"http://t/bodycloud/device_0"})
		if !slices.ContainsFunc(got, func(tr rdf.Triple) bool { return tr.O.Value == bridges.ClassObservation }) {
			t.Errorf("after switching to SOSA, the query answers %v", got)
		}
	})
	t.Run("an update asking for an unknown profile is refused and changes nothing", func(t *testing.T) {
		b := testBridge(t, "http://localhost:4568/?profile=bodycloud", &payloadEmitter{})
		err := b.UpdatePlatform(context.Background(), bridges.Platform{ID: "http://t/bodycloud#1", BaseEndpoint: "http://h/?profile=nope"})
		if !errors.Is(err, ErrBadOptions) {
			t.Fatalf("err = %v, want ErrBadOptions", err)
		}
		got, _ := b.Query(context.Background(), []string{"http://t/bodycloud/device_0"})
		golden(t, "bodycloud-observation.nt", got)
	})
	t.Run("registering with an unknown profile fails", func(t *testing.T) {
		f, err := NewFactory(Config{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f(context.Background(), bridges.Setup{Platform: bridges.Platform{ID: "http://t/x", BaseEndpoint: "http://h/?profile=nope"}}); !errors.Is(err, ErrBadOptions) {
			t.Fatalf("err = %v, want ErrBadOptions", err)
		}
	})
}

func TestActuation(t *testing.T) {
	req := &messages.Message{Payload: []rdf.Triple{
		{S: rdf.Blank("a"), P: rdf.IRI(rdf.RDFType), O: rdf.IRI("http://www.w3.org/ns/sosa/Actuation")},
		{S: rdf.Blank("a"), P: rdf.IRI("http://www.w3.org/2003/01/geo/wgs84_pos#lat"), O: rdf.Literal("45", rdf.XSDInteger)},
	}}
	for _, c := range []struct {
		name, endpoint string
		wantEcho       bool
	}{
		{"a platform with actuation=echo answers with the payload it received", "http://h/?actuation=echo", true},
		{"a platform without it answers with an empty payload", "http://h/", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := testBridge(t, c.endpoint, &payloadEmitter{})
			if got := b.LastActuation(); got != nil {
				t.Errorf("LastActuation before any = %v", got)
			}
			got, err := b.Actuate(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if c.wantEcho != (len(got) > 0) || (c.wantEcho && !rdf.IsomorphicGraphs(got, req.Payload)) {
				t.Errorf("Actuate answered %v (echo %v)", got, c.wantEcho)
			}
			if !rdf.IsomorphicGraphs(b.LastActuation(), req.Payload) {
				t.Errorf("LastActuation = %v, want %v", b.LastActuation(), req.Payload)
			}
		})
	}
}
