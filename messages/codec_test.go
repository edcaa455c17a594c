package messages

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intermw/intermw/ontology/rdf"
)

var update = flag.Bool("update", false, "rewrite the golden N-Quads files in testdata/")

// sortedNQuads renders quads as N-Quads with the lines sorted, a stable form
// for golden files.
func sortedNQuads(t *testing.T, quads []rdf.Quad) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := rdf.WriteNQuads(&buf, quads); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	slices.Sort(lines)
	return []byte(strings.Join(lines, "\n") + "\n")
}

// roundTrip decodes data, encodes it canonically and decodes that again,
// failing unless both datasets are isomorphic and the canonical form takes
// the fast path and reads the same through full expansion.
func roundTrip(t *testing.T, c *Codec, data []byte) *Message {
	t.Helper()
	m, err := c.Decode(data)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	out, err := c.Encode(m)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	fast, ok := decodeFast(out)
	if !ok {
		t.Fatalf("the canonical form missed the fast path:\n%s", out)
	}
	slow, err := c.decodeExpanded(out)
	if err != nil {
		t.Fatalf("the canonical form does not expand: %v\n%s", err, out)
	}
	if !rdf.IsomorphicDatasets(fast.quads(), slow.quads()) {
		t.Fatalf("fast path and expansion disagree on\n%s", out)
	}
	m2, err := c.Decode(out)
	if err != nil {
		t.Fatalf("decode canonical: %v", err)
	}
	if !rdf.IsomorphicDatasets(m.Quads(), m2.Quads()) {
		t.Fatalf("round trip changed the dataset:\nbefore:\n%s\nafter:\n%s", sortedNQuads(t, m.Quads()), sortedNQuads(t, m2.Quads()))
	}
	again, err := c.Encode(m2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, again) {
		t.Fatalf("encoding is not stable:\n%s\n%s", out, again)
	}
	return m
}

func TestRealMessagesRoundTrip(t *testing.T) {
	c := newTestCodec(t, Config{})
	notMessages := map[string]error{
		// The pre-1.0 format: "InterIoTMsg:metadata" is a property of a
		// default-graph node, not a named graph.
		"device.json": ErrNoMetadata,
		// A string lacks its closing quote, as its _comment says.
		"misformatted_json.json": ErrInvalidJSON,
	}
	for _, dir := range []string{"fixtures/inter-iot/messages", "fixtures/inter-iot/ipsm-inputs"} {
		for _, file := range fixtureFiles(t, dir) {
			name := filepath.Base(file)
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if want, bad := notMessages[name]; bad {
				t.Run(name+" is refused as not a message", func(t *testing.T) {
					_, err := c.Decode(data)
					if !errors.Is(err, want) {
						t.Fatalf("got %v, want %v", err, want)
					}
				})
				if name == "device.json" {
					t.Run(name+" still round-trips as a dataset", func(t *testing.T) {
						quads, err := c.DecodeDataset(data)
						if err != nil {
							t.Fatal(err)
						}
						m := &Message{Other: quads}
						m.Metadata.Node = rdf.IRI(MetaNodeBase + "x")
						out, err := c.Encode(m)
						if err != nil {
							t.Fatal(err)
						}
						back, err := c.Decode(out)
						if err != nil {
							t.Fatal(err)
						}
						if !rdf.IsomorphicDatasets(quads, back.Other) {
							t.Fatal("dataset changed")
						}
					})
				}
				continue
			}
			t.Run(name+" survives decode, encode, decode", func(t *testing.T) {
				roundTrip(t, c, data)
			})
		}
	}
}

func TestRealObservationMetadata(t *testing.T) {
	c := newTestCodec(t, Config{})
	data, err := os.ReadFile(filepath.Join(sharedDir(t, "fixtures/inter-iot/messages"), "observation.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	md := m.Metadata
	checks := []struct{ name, got, want string }{
		{"node", md.Node.Value, "http://inter-iot.eu/message/meta/f836b6f9-ccdb-4c55-8f0c-64eeea2eca2c"},
		{"messageID", md.MessageID, "msg890cb71d-b567-4469-a5e9-1b6005f71ad7"},
		{"conversationID", md.ConversationID, "convf9bf37b2-fa52-4c0d-bc11-4c8393f1f2f5"},
		{"SenderPlatformId", md.SenderPlatformID, "http://www.inter-iot.eu/wso2port"},
		{"dateTimeStamp", md.DateTimeStamp.UTC().Format(time.RFC3339Nano), "2018-07-10T07:08:30.689Z"},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %q, want %q", ck.name, ck.got, ck.want)
		}
	}
	if !slices.Equal(md.Types, []Type{Observation}) || md.Kind() != Observation || len(md.Extra) != 0 {
		t.Errorf("types %v kind %v extra %v", md.Types, md.Kind(), md.Extra)
	}
	if len(m.Payload) != 99 {
		t.Errorf("payload has %d triples, want 99", len(m.Payload))
	}
}

// The same message written in five context styles reads as one dataset.
func TestContextStylesReadAlike(t *testing.T) {
	c := newTestCodec(t, Config{})
	read := func(name string) *Message {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return roundTrip(t, c, data)
	}
	want := read("observation_canonical.json").Quads()
	for _, name := range []string{"observation_vocab.json", "observation_prefixes.json", "observation_reversed.json"} {
		t.Run(name+" reads like the canonical form", func(t *testing.T) {
			if got := read(name).Quads(); !rdf.IsomorphicDatasets(got, want) {
				t.Fatalf("got\n%s\nwant\n%s", sortedNQuads(t, got), sortedNQuads(t, want))
			}
		})
	}
	data, _ := os.ReadFile(filepath.Join("testdata", "observation_canonical.json"))
	if _, ok := decodeFast(data); !ok {
		t.Error("the hand-written canonical fixture (indented) missed the fast path")
	}
}

func TestGoldenNQuads(t *testing.T) {
	c := newTestCodec(t, Config{})
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name+" matches its golden N-Quads", func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			m := roundTrip(t, c, data)
			got := sortedNQuads(t, m.Quads())
			golden := strings.TrimSuffix(file, ".json") + ".nq"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("got\n%s\nwant\n%s", got, want)
			}
			// The golden file reads back as the same message.
			back, err := ReadNQuads(bytes.NewReader(want))
			if err != nil {
				t.Fatal(err)
			}
			if !rdf.IsomorphicDatasets(back.Quads(), m.Quads()) {
				t.Fatal("N-Quads round trip changed the dataset")
			}
		})
	}
}

func TestMetadataFieldsThatDoNotFitStayInExtra(t *testing.T) {
	c := newTestCodec(t, Config{})
	data, err := os.ReadFile(filepath.Join("testdata", "error_reply.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	md := &m.Metadata
	if !md.Is(Response) || !md.Is(Error) || !md.Is(PlatformRegister) || !md.Is(Unrecognized) || !md.Is(Meta) {
		t.Errorf("types %v unknown %v", md.Types, md.UnknownTypes)
	}
	if !slices.Equal(md.UnknownTypes, []string{NS + "Thing_register"}) {
		t.Errorf("unknown types %v", md.UnknownTypes)
	}
	if md.Kind() != PlatformRegister {
		t.Errorf("kind %v", md.Kind())
	}
	if !slices.Equal(md.ReceiverPlatformIDs, []string{"http://example.org/platforms/a", "http://example.org/platforms/b"}) &&
		!slices.Equal(md.ReceiverPlatformIDs, []string{"http://example.org/platforms/b", "http://example.org/platforms/a"}) {
		t.Errorf("receivers %v", md.ReceiverPlatformIDs)
	}
	if md.ErrCategory != "PLATFORM_ERROR" || md.ErrDesc != `the platform "a" refused the registration` || md.ErrOriginalMsg != `{"@graph": []}` {
		t.Errorf("err fields %q %q %q", md.ErrCategory, md.ErrDesc, md.ErrOriginalMsg)
	}
	if md.Status != "" {
		t.Errorf("a language-tagged status went into the field: %q", md.Status)
	}
	// status@en, the note link, and the note node's two triples.
	if len(md.Extra) != 4 {
		t.Errorf("extra = %v, want 4 triples", md.Extra)
	}
	if err := m.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	out, err := c.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte(`"InterIoTMsg:Thing_register"`)) {
		t.Errorf("the unknown type IRI was not written back:\n%s", out)
	}
}

func TestDateTimeStampKeepsItsLexicalForm(t *testing.T) {
	c := newTestCodec(t, Config{})
	data, _ := os.ReadFile(filepath.Join("testdata", "empty_payload.json"))
	m, err := c.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := c.Encode(m)
	if !bytes.Contains(out, []byte(`"InterIoTMsg:dateTimeStamp":{"@value":"2024-03-01T09:00:00Z","@type":"xsd:dateTime"}`)) {
		t.Errorf("typed dateTimeStamp not kept:\n%s", out)
	}
	m.Metadata.DateTimeStamp = time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC)
	out, _ = c.Encode(m)
	if !bytes.Contains(out, []byte(`"InterIoTMsg:dateTimeStamp":"2025-01-02T03:04:05.006Z"`)) {
		t.Errorf("a changed dateTimeStamp was not rewritten:\n%s", out)
	}
}

func TestNativeJSONValuesFollowJSONLDRules(t *testing.T) {
	c := newTestCodec(t, Config{})
	data, _ := os.ReadFile(filepath.Join("testdata", "literals.json"))
	m, err := c.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	const v = "http://example.org/vocab#"
	thing := rdf.IRI("http://example.org/things/1")
	want := []rdf.Triple{
		{S: thing, P: rdf.IRI(v + "count"), O: rdf.Literal("42", rdf.XSDInteger)},
		{S: thing, P: rdf.IRI(v + "ratio"), O: rdf.Literal("1.5E0", rdf.XSDDouble)},
		{S: thing, P: rdf.IRI(v + "big"), O: rdf.Literal("1.0E21", rdf.XSDDouble)},
		{S: thing, P: rdf.IRI(v + "negative"), O: rdf.Literal("-3", rdf.XSDInteger)},
		{S: thing, P: rdf.IRI(v + "zero"), O: rdf.Literal("0", rdf.XSDInteger)},
		{S: thing, P: rdf.IRI(v + "asDouble"), O: rdf.Literal("7.0E0", rdf.XSDDouble)},
		{S: thing, P: rdf.IRI(v + "on"), O: rdf.Literal("true", rdf.XSDBoolean)},
		{S: thing, P: rdf.IRI(v + "off"), O: rdf.Literal("false", rdf.XSDBoolean)},
		{S: thing, P: rdf.IRI(v + "label"), O: rdf.LangLiteral("Lampe", "de")},
		{S: thing, P: rdf.IRI(v + "label"), O: rdf.String("lamp")},
		{S: thing, P: rdf.IRI(v + "empty"), O: rdf.IRI(rdf.RDFNS + "nil")},
		{S: rdf.IRI("http://example.org/things/0"), P: rdf.IRI(v + "hasPart"), O: thing},
		{S: thing, P: rdf.IRI(v + "escaped"), O: rdf.String("tab\tquote\" backslash\\ newline\n unicode é ✓")},
	}
	for _, w := range want {
		if !slices.Contains(m.Payload, w) {
			t.Errorf("missing %s", w)
		}
	}
	// parts is a three-element RDF collection.
	firsts := 0
	for _, tr := range m.Payload {
		if tr.P.Value == rdf.RDFNS+"first" {
			firsts++
		}
	}
	if firsts != 3 {
		t.Errorf("list has %d rdf:first triples, want 3", firsts)
	}
	if len(m.Other) != 2 {
		t.Errorf("other quads %v, want one in a third graph and one in the default graph", m.Other)
	}
}

func TestCanonicalDouble(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		want string
	}{
		{1.1, "1.1E0"}, {1e21, "1.0E21"}, {0.5, "5.0E-1"}, {-2.25, "-2.25E0"}, {0.1 + 0.2, "3.0E-1"}, {123456.789, "1.23456789E5"},
	} {
		if got := canonicalDouble(tc.f); got != tc.want {
			t.Errorf("canonicalDouble(%v) = %s, want %s", tc.f, got, tc.want)
		}
	}
}

func TestEncodeRefusesTermsItCannotWriteFaithfully(t *testing.T) {
	base := func() *Message { return Builder{NewUUID: func() string { return "u" }}.Request(Query) }
	cases := []struct {
		name string
		t    rdf.Triple
	}{
		{"a relative IRI as a property", rdf.Triple{S: rdf.IRI("http://x/s"), P: rdf.IRI("relative"), O: rdf.String("o")}},
		{"a literal as a subject", rdf.Triple{S: rdf.String("s"), P: rdf.IRI("http://x/p"), O: rdf.String("o")}},
		{"a blank node as a property", rdf.Triple{S: rdf.IRI("http://x/s"), P: rdf.Blank("p"), O: rdf.String("o")}},
		{"an empty IRI", rdf.Triple{S: rdf.IRI("http://x/s"), P: rdf.IRI("http://x/p"), O: rdf.IRI("")}},
		{"a relative datatype", rdf.Triple{S: rdf.IRI("http://x/s"), P: rdf.IRI("http://x/p"), O: rdf.Literal("1", "int")}},
		{"an IRI that looks like a blank node", rdf.Triple{S: rdf.IRI("_:x"), P: rdf.IRI("http://x/p"), O: rdf.String("o")}},
	}
	for _, tc := range cases {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			m := base()
			m.Payload = append(m.Payload, tc.t)
			_, err := AppendEncode(nil, m)
			var ee *EncodeError
			if !errors.Is(err, ErrUnencodable) || !errors.As(err, &ee) {
				t.Fatalf("got %v", err)
			}
		})
	}
	t.Run("an IRI whose scheme is a canonical prefix name is written faithfully", func(t *testing.T) {
		m := base()
		m.Payload = []rdf.Triple{{S: rdf.IRI("sosa:Sensor1"), P: rdf.IRI("iiot:hasName"), O: rdf.IRI("http://www.w3.org/ns/sosa/Sensor")}}
		c := newTestCodec(t, Config{})
		out, err := c.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		back, err := c.Decode(out)
		if err != nil {
			t.Fatal(err)
		}
		if !rdf.IsomorphicDatasets(m.Quads(), back.Quads()) {
			t.Fatalf("changed:\n%s", out)
		}
		if _, ok := decodeFast(out); !ok {
			t.Fatalf("a reduced canonical context missed the fast path:\n%s", out)
		}
	})
}
