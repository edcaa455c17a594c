package delivery

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/intermw/intermw/messages"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func testCodec(t testing.TB) *messages.Codec {
	c, err := messages.New(messages.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// canonical reads a testdata message and returns it in canonical form, as
// it travels on the broker.
func canonical(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	c := testCodec(t)
	m, err := c.Decode(raw)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out, err := c.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func realObservation(t testing.TB) []byte { return canonical(t, "observation_multi.json") }

func TestRenderJSON(t *testing.T) {
	cases := []struct{ name, file string }{
		{"a message with three observations carries all three", "observation_multi.json"},
		{"a single observation also fills INTER-MW's simple fields", "observation_single.json"},
		{"a platform types response lists the types", "platform_types.json"},
		{"an error reply carries the error", "error_reply.json"},
		{"a device inventory lists the devices", "device_init.json"},
	}
	c := testCodec(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := c.Decode(canonical(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := RenderJSON(m)
			if err != nil {
				t.Fatal(err)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, got, "", "  "); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, got)
			}
			pretty.WriteByte('\n')
			golden := filepath.Join("testdata", "golden", tc.file)
			if *update {
				if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(pretty.Bytes(), want) {
				t.Fatalf("got\n%s\nwant\n%s", pretty.Bytes(), want)
			}
		})
	}

	t.Run("every observation of the multi-observation message is present", func(t *testing.T) {
		m, _ := c.Decode(canonical(t, "observation_multi.json"))
		got, _ := RenderJSON(m)
		var v struct {
			Observations []json.RawMessage `json:"observations"`
			MessageTypes []string          `json:"messageTypes"`
		}
		json.Unmarshal(got, &v)
		if len(v.Observations) != 3 || v.MessageTypes[0] != "OBSERVATION" {
			t.Fatalf("%s", got)
		}
	})

	t.Run("the JSON format renders at delivery from the stored JSON-LD", func(t *testing.T) {
		data, err := render(c, FormatJSON, realObservation(t))
		if err != nil || !bytes.Contains(data, []byte(`"observations"`)) {
			t.Fatalf("%s %v", data, err)
		}
		ld, _ := render(c, FormatJSONLD, realObservation(t))
		if !bytes.Equal(ld, realObservation(t)) {
			t.Fatal("JSON-LD is not passed through unchanged")
		}
	})
}
