package channels

import (
	"context"
	"errors"
	"testing"

	"github.com/intermw/intermw/ipsmrm"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/alignment"
)

func newEmbedded(t *testing.T) *Manager {
	t.Helper()
	m, err := New(Config{Alignments: testLibrary(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// step is one event in a platform's life and what data does after it.
type step struct {
	name string
	// do changes the platform (nil: nothing).
	do      func(ctx context.Context, m *Manager) error
	wantErr error // of do
	// then: a data message in dir has these ex: predicates afterwards
	// (nil: the translation fails with failWith).
	dir      ipsmrm.Direction
	want     []string
	failWith error
}

func changed(f fields) func(context.Context, *Manager) error {
	return func(ctx context.Context, m *Manager) error { return m.PlatformChanged(ctx, platformInfo(pid, f)) }
}

func TestEmbeddedChannelsFollowThePlatformsLife(t *testing.T) {
	steps := []step{
		{name: "a platform seen first in a data message is set up from what IPSMRM knows",
			dir: ipsmrm.Upstream, want: []string{"mass", "command"}},
		{name: "the downstream direction without alignments passes data through",
			dir: ipsmrm.Downstream, want: []string{"weight", "command"}},
		{name: "an update naming a missing alignment fails and keeps the old channel",
			do: changed(upstream("Up", "9")), wantErr: ErrNoAlignment,
			dir: ipsmrm.Upstream, want: []string{"mass", "command"}},
		{name: "an update with a new version recreates the channel",
			do: changed(upstream("Up", "2")), dir: ipsmrm.Upstream, want: []string{"massV2", "command"}},
		{name: "a downstream alignment translates downstream data",
			do:  changed(fields{"downstreamOutputAlignmentName": "Down", "downstreamOutputAlignmentVersion": "1"}),
			dir: ipsmrm.Downstream, want: []string{"weight", "cmd"}},
		{name: "and the upstream direction, no longer named, passes through",
			dir: ipsmrm.Upstream, want: []string{"weight", "command"}},
		{name: "an update to the identity alignment passes raw payloads",
			do: changed(nil), dir: ipsmrm.Downstream, want: []string{"weight", "command"}},
		{name: "malformed fields fail the update",
			do: changed(fields{"upstreamInputAlignmentName": "Up"}), wantErr: ErrBadChain,
			dir: ipsmrm.Upstream, want: []string{"weight", "command"}},
		{name: "a platform registered again with alignments gets channels again",
			do: changed(upstream("Up", "1")), dir: ipsmrm.Upstream, want: []string{"mass", "command"}},
		{name: "a confirmed unregistration removes the channel and refuses later data",
			do:  func(ctx context.Context, m *Manager) error { m.PlatformRemoved(ctx, pid); return nil },
			dir: ipsmrm.Upstream, failWith: ErrUnregistered},
	}
	m := newEmbedded(t)
	ctx := context.Background()
	// What IPSMRM passes: the registration it saw first.
	seen := platformInfo(pid, upstream("Up", "1"))
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.do != nil {
				err := s.do(ctx, m)
				if !errors.Is(err, s.wantErr) || (err != nil && s.wantErr == nil) {
					t.Fatalf("err = %v, want %v", err, s.wantErr)
				}
			}
			got, err := m.Translate(ctx, observation(), s.dir, seen)
			if s.failWith != nil {
				if !errors.Is(err, s.failWith) {
					t.Fatalf("err = %v, want %v", err, s.failWith)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			preds := predicates(got)
			if len(preds) != len(s.want) {
				t.Errorf("predicates %v, want %v", preds, s.want)
			}
			for _, p := range s.want {
				if !preds[p] {
					t.Errorf("predicates %v, want %v", preds, s.want)
				}
			}
		})
	}
	t.Run("after unregistering no channel is listed", func(t *testing.T) {
		if chs := m.Channels(); len(chs) != 0 {
			t.Errorf("channels %+v", chs)
		}
	})
}

func TestARegistrationNamingAMissingAlignmentFails(t *testing.T) {
	m := newEmbedded(t)
	err := m.PlatformChanged(context.Background(), platformInfo(pid, fields{
		"upstreamInputAlignmentName": "Nope", "upstreamInputAlignmentVersion": "1",
		"downstreamInputAlignmentName": "Down", "downstreamInputAlignmentVersion": "7",
	}))
	if !errors.Is(err, ErrNoAlignment) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"Nope", "Down", pid} {
		if !contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if len(m.Channels()) != 0 {
		t.Errorf("a failed registration left channels: %+v", m.Channels())
	}
}

func TestChannelsAreListedAndTheirAlignmentsInUse(t *testing.T) {
	m := newEmbedded(t)
	if err := m.PlatformChanged(context.Background(), platformInfo(pid, fields{
		"upstreamInputAlignmentName": "Up", "upstreamInputAlignmentVersion": "2",
		"downstreamOutputAlignmentName": "Down", "downstreamOutputAlignmentVersion": "1",
	})); err != nil {
		t.Fatal(err)
	}
	chs := m.Channels()
	if len(chs) != 2 || chs[0].Direction != ipsmrm.Downstream || chs[1].Direction != ipsmrm.Upstream {
		t.Fatalf("channels %+v", chs)
	}
	for _, c := range []struct {
		id   alignment.ID
		want bool
	}{{alignment.ID{Name: "Up", Version: "2"}, true}, {alignment.ID{Name: "Down", Version: "1"}, true}, {alignment.ID{Name: "Up", Version: "1"}, false}} {
		if got := m.Uses(c.id); got != c.want {
			t.Errorf("Uses(%s) = %v", c.id, got)
		}
	}
}

func TestStrictModeFailsALossyTranslation(t *testing.T) {
	l := &Library{}
	if _, err := l.Add([]byte(lossyAlignment), alignment.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		strict bool
	}{{"the default mode warns on the metadata", false}, {"strict mode fails", true}} {
		t.Run(c.name, func(t *testing.T) {
			m, err := New(Config{Alignments: l, Strict: c.strict})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			msg := observation()
			got, err := m.Translate(context.Background(), msg, ipsmrm.Upstream, platformInfo(pid, upstream("Lossy", "1")))
			if c.strict {
				if !errors.Is(err, alignment.ErrDataLoss) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			warned := false
			for _, x := range got.Metadata.Extra {
				warned = warned || x.P.Value == alignment.PropTranslationWarning
			}
			if !warned {
				t.Error("no translation warning")
			}
		})
	}
}

// lossyAlignment takes ABS of ex:command's "on", which fails.
const lossyAlignment = `<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY var "http://www.inter-iot.eu/sripas#node_"> <!ENTITY xsd "http://www.w3.org/2001/XMLSchema#"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:sripas="http://www.inter-iot.eu/sripas#"
  xmlns:var="http://www.inter-iot.eu/sripas#node_" xmlns:ex="http://example.org/ch#"
  xmlns:align="http://knowledgeweb.semanticweb.org/heterogeneity/alignment#" xmlns:dcelem="http://purl.org/dc/elements/1.1/"
  xmlns:exmo="http://exmo.inrialpes.fr/align/ext/1.0/#" xmlns:iiot="http://inter-iot.eu/GOIoTP#">
 <align:Alignment>
  <dcelem:title>Lossy</dcelem:title><exmo:version>1</exmo:version><dcelem:creator>t</dcelem:creator><dcelem:description>d</dcelem:description>
  <sripas:cellFormat><iiot:DataFormat rdf:about="http://inter-iot.eu/sripas#turtle"/></sripas:cellFormat>
  <align:onto1><align:Ontology rdf:about="http://example.org/ch#"/></align:onto1>
  <align:onto2><align:Ontology rdf:about="http://example.org/ch#"/></align:onto2>
  <sripas:steps rdf:parseType="Collection"><sripas:step sripas:order="1" sripas:cell="http://www.inter-iot.eu/sripas#c"/></sripas:steps>
  <align:map><align:Cell rdf:about="http://www.inter-iot.eu/sripas#c">
   <align:entity1>var:s ex:command var:v .</align:entity1>
   <align:entity2>var:s ex:level var:u .</align:entity2>
   <sripas:transformation rdf:parseType="Literal">
    <sripas:function sripas:about="ABS"><sripas:param sripas:order="1" sripas:about="&var;v"/><sripas:return sripas:about="&var;u"/></sripas:function>
   </sripas:transformation>
  </align:Cell></align:map>
 </align:Alignment>
</rdf:RDF>`

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

var _ = messages.Observation

func TestNeedsTellsWhichMessagesMayPassAsBytes(t *testing.T) {
	m := newEmbedded(t)
	ctx := context.Background()
	withUp := platformInfo(pid, upstream("Up", "1"))
	cases := []struct {
		name string
		do   func()
		dir  ipsmrm.Direction
		info ipsmrm.PlatformInfo
		want bool
	}{
		{"a platform not seen yet whose description names alignments needs a look", nil, ipsmrm.Upstream, withUp, true},
		{"a platform not seen yet without alignments does not", nil, ipsmrm.Upstream, platformInfo(pid, nil), false},
		{"a known platform's direction with a channel does", func() { m.PlatformChanged(ctx, withUp) }, ipsmrm.Upstream, withUp, true},
		{"a known platform's direction without one does not", nil, ipsmrm.Downstream, withUp, false},
		{"an unregistered platform's data does (to be refused)", func() { m.PlatformRemoved(ctx, pid) }, ipsmrm.Downstream, withUp, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.do != nil {
				c.do()
			}
			if got := m.Needs(c.dir, c.info); got != c.want {
				t.Errorf("Needs = %v", got)
			}
		})
	}
}
