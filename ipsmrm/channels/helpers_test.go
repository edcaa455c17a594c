package channels

import (
	"bytes"
	"context"
	"os"
	"sync"
	"testing"
	"text/template"
	"time"

	"go.uber.org/goleak"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/memory"
	"github.com/intermw/intermw/ipsmrm"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology"
	"github.com/intermw/intermw/ontology/alignment"
	"github.com/intermw/intermw/ontology/rdf"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	ex       = "http://example.org/ch#"
	pid      = "http://example.org/platforms/p1"
	ptype    = "http://example.org/types/T"
	waitTime = 10 * time.Second
)

// renameDoc writes the testdata alignment that renames ex:from to ex:to.
func renameDoc(t testing.TB, name, version, from, to string) []byte {
	t.Helper()
	src, err := os.ReadFile("testdata/rename.rdf.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	tmpl := template.Must(template.New("a").Parse(string(src)))
	var b bytes.Buffer
	if err := tmpl.Execute(&b, map[string]string{"Name": name, "Version": version, "From": from, "To": to}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// testLibrary holds Up 1 (weight → mass), Up 2 (weight → massV2) and
// Down 1 (command → cmd).
func testLibrary(t testing.TB) *Library {
	t.Helper()
	l := &Library{}
	for _, a := range []struct{ name, version, from, to string }{
		{"Up", "1", "weight", "mass"},
		{"Up", "2", "weight", "massV2"},
		{"Down", "1", "command", "cmd"},
	} {
		if _, err := l.Add(renameDoc(t, a.name, a.version, a.from, a.to), alignment.Options{}); err != nil {
			t.Fatalf("alignment %s %s: %v", a.name, a.version, err)
		}
	}
	return l
}

// fields are alignment fields by INTER-MW local name.
type fields map[string]string

// platformInfo describes platform id of type ptype with the given
// alignment fields, as registry.PlatformPayload writes them.
func platformInfo(id string, f fields) ipsmrm.PlatformInfo {
	s := rdf.IRI(id)
	ts := []rdf.Triple{
		{S: s, P: rdf.IRI(rdf.RDFType), O: rdf.IRI(ontology.GOIoTP + "SoftwarePlatform")},
		{S: s, P: rdf.IRI(ontology.InterMW + "platformType"), O: rdf.String(ptype)},
	}
	for k, v := range f {
		ts = append(ts, rdf.Triple{S: s, P: rdf.IRI(ontology.InterMW + k), O: rdf.String(v)})
	}
	return ipsmrm.PlatformInfo{ID: id, Type: ptype, Description: ts}
}

func upstream(name, version string) fields {
	return fields{"upstreamInputAlignmentName": name, "upstreamInputAlignmentVersion": version}
}

// observation returns a data message whose payload has one ex:weight.
func observation(types ...messages.Type) *messages.Message {
	if len(types) == 0 {
		types = []messages.Type{messages.Observation}
	}
	m := messages.NewRequest(types...)
	m.Payload = []rdf.Triple{
		{S: rdf.IRI(ex + "obs1"), P: rdf.IRI(ex + "weight"), O: rdf.Literal("68.5", ontology.XSD+"float")},
		{S: rdf.IRI(ex + "obs1"), P: rdf.IRI(ex + "command"), O: rdf.String("on")},
	}
	return m
}

// predicates returns the local names (after ex) of the payload's
// predicates in the ex namespace.
func predicates(m *messages.Message) map[string]bool {
	out := map[string]bool{}
	for _, t := range m.Payload {
		if len(t.P.Value) > len(ex) && t.P.Value[:len(ex)] == ex {
			out[t.P.Value[len(ex):]] = true
		}
	}
	return out
}

func newMemory(t testing.TB) *memory.Broker {
	t.Helper()
	b, err := memory.New(context.Background(), memory.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func newCodec(t testing.TB) *messages.Codec {
	t.Helper()
	c, err := messages.New(messages.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// inbox collects the messages published on a topic.
type inbox struct {
	mu   sync.Mutex
	msgs []*broker.Message
}

func listen(t testing.TB, b broker.Subscriber, topic string) *inbox {
	t.Helper()
	in := &inbox{}
	sub, err := b.Subscribe(context.Background(), topic, "test-"+broker.EscapeID(t.Name()), func(_ context.Context, m *broker.Message) error {
		c := *m
		in.mu.Lock()
		in.msgs = append(in.msgs, &c)
		in.mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
	return in
}

func (in *inbox) len() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.msgs)
}

// await polls until the inbox holds n messages or the deadline passes.
func (in *inbox) await(t testing.TB, n int) []*broker.Message {
	t.Helper()
	eventually(t, func() bool { return in.len() >= n }, "%d messages", n)
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]*broker.Message(nil), in.msgs...)
}

// eventually polls cond with a deadline.
func eventually(t testing.TB, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(waitTime)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for "+format, args...)
		}
		<-time.After(2 * time.Millisecond)
	}
}

func idOf(name, version string) alignment.ID { return alignment.ID{Name: name, Version: version} }
