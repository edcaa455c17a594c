package messages

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestBadInputFailsWithTypedErrors(t *testing.T) {
	c := newTestCodec(t, Config{MaxBytes: 64 << 10, MaxDepth: 32})
	deep := strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 40)
	deepArrays := `{"@graph":` + strings.Repeat(`[`, 100) + strings.Repeat(`]`, 100) + `}`
	cases := []struct {
		name string
		in   string
		want error
	}{
		{"empty input", ``, ErrInvalidJSON},
		{"truncated JSON", `{"@graph": [`, ErrInvalidJSON},
		{"trailing garbage", `{} x`, ErrInvalidJSON},
		{"a bare string, which a JSON-LD processor would load as a URL", `"http://example.org/doc"`, ErrInvalidJSONLD},
		{"a number", `42`, ErrInvalidJSONLD},
		{"an empty object", `{}`, ErrNoMetadata},
		{"JSON-LD without a metadata graph", `{"@id": "http://x/a", "http://x/p": "v"}`, ErrNoMetadata},
		{"invalid JSON-LD", `{"@context": {"@vocab": 5}, "a": 1}`, ErrInvalidJSONLD},
		{"an object with an empty key (json-gold misreads those)",
			`{"@context": {"@vocab": ":00", "000": "A000:0"}, "000000": [{"000": [{"": [0]}]}]}`, ErrInvalidJSONLD},
		{"a metadata graph without a msg:meta node",
			`{"@id": "http://inter-iot.eu/message/metadata", "@graph": [{"@id": "http://x/a", "http://x/p": "v"}]}`, ErrMetaNode},
		{"a metadata graph with two msg:meta nodes",
			`{"@context": {"msg": "http://inter-iot.eu/message/"}, "@id": "msg:metadata", "@graph": [
			  {"@id": "msg:meta/1", "@type": "msg:meta"}, {"@id": "msg:meta/2", "@type": "msg:meta"}]}`, ErrMetaNode},
		{"a document over the size limit", `{"pad": "` + strings.Repeat("x", 64<<10) + `"}`, ErrTooLarge},
		{"objects nested past the depth limit", deep, ErrTooDeep},
		{"arrays nested past the depth limit", deepArrays, ErrTooDeep},
	}
	for _, tc := range cases {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			m, err := c.Decode([]byte(tc.in))
			if !errors.Is(err, tc.want) || m != nil {
				t.Fatalf("got %v (%v), want %v", err, m, tc.want)
			}
		})
	}

	t.Run("the error types carry details", func(t *testing.T) {
		_, err := c.Decode([]byte(deep))
		var le *LimitError
		if !errors.As(err, &le) || le.What != "depth" || le.Limit != 32 {
			t.Fatalf("got %#v", err)
		}
		_, err = c.Decode([]byte(`{"a": tru}`))
		var se *SyntaxError
		if !errors.As(err, &se) || se.Offset <= 0 {
			t.Fatalf("got %#v", err)
		}
		_, err = c.Decode([]byte(`{"@id": "http://inter-iot.eu/message/metadata", "@graph": [{"@id": "http://x/a", "http://x/p": "v"}]}`))
		var me *MetaNodeError
		if !errors.As(err, &me) || me.Count != 0 {
			t.Fatalf("got %#v", err)
		}
		_, err = c.Decode([]byte(`{"@context": {"@vocab": 5}, "a": 1}`))
		var je *JSONLDError
		if !errors.As(err, &je) || je.Code != "invalid vocab mapping" {
			t.Fatalf("got %#v", err)
		}
	})

	t.Run("DecodeReader stops reading past the size limit", func(t *testing.T) {
		r := &countingReader{r: strings.NewReader(strings.Repeat(" ", 1<<20))}
		_, err := c.DecodeReader(r)
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("got %v", err)
		}
		if r.n > 64<<10+1 {
			t.Fatalf("read %d bytes", r.n)
		}
	})
}

type countingReader struct {
	r interface{ Read([]byte) (int, error) }
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestValidateAndStrictDecoding(t *testing.T) {
	noConv := []byte(`{"@context": {"msg": "http://inter-iot.eu/message/"}, "@id": "msg:metadata", "@graph": [
	  {"@id": "msg:meta/1", "@type": ["msg:meta", "msg:Error"], "msg:messageID": "msg1"}]}`)
	lenient := newTestCodec(t, Config{})
	m, err := lenient.Decode(noConv)
	if err != nil {
		t.Fatalf("a lenient codec refused a message without a conversationID: %v", err)
	}
	err = m.Validate()
	if !errors.Is(err, ErrInvalidMessage) {
		t.Fatalf("Validate: %v", err)
	}
	for _, field := range []string{"conversationID", "dateTimeStamp", "an Error must also be a Response"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("Validate did not report %q: %v", field, err)
		}
	}
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Errorf("no *FieldError in %v", err)
	}
	strict := newTestCodec(t, Config{Strict: true})
	if _, err := strict.Decode(noConv); !errors.Is(err, ErrInvalidMessage) {
		t.Fatalf("a strict codec accepted it: %v", err)
	}
	good := NewRequest(Observation)
	if err := good.Validate(); err != nil {
		t.Fatalf("a new request is invalid: %v", err)
	}
}

func TestNQuadsInAndOut(t *testing.T) {
	m := Builder{NewUUID: func() string { return "00000000-0000-4000-8000-000000000000" }}.Request(Observation)
	var buf bytes.Buffer
	if err := WriteNQuads(&buf, m); err != nil {
		t.Fatal(err)
	}
	back, err := ReadNQuads(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if back.Metadata.ConversationID != m.Metadata.ConversationID || !back.Metadata.DateTimeStamp.Equal(m.Metadata.DateTimeStamp.Truncate(1e6)) {
		t.Fatalf("got %+v", back.Metadata)
	}
	if _, err := ReadNQuads(strings.NewReader("<a> <b> .\n")); !errors.Is(err, ErrInvalidNQuads) {
		t.Fatalf("got %v", err)
	}
}
