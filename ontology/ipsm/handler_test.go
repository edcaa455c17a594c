package ipsm

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore/engine"
)

func sharedFile(t *testing.T, rel string) []byte {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		dir = filepath.Dir(dir)
	}
	p := filepath.Join(dir, "..", "shared", "fixtures", "inter-iot", rel)
	b, err := os.ReadFile(p)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared fixture %s missing (CI=true)", p)
		}
		t.Skipf("shared fixture %s missing: the INTER-IoT fixtures are needed", p)
	}
	return b
}

func newService(t *testing.T, dir string) (*Service, *engine.Engine) {
	t.Helper()
	e, err := engine.Open(engine.Config{Dir: dir, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(context.Background(), Config{Store: e})
	if err != nil {
		t.Fatal(err)
	}
	return s, e
}

type call struct {
	name, method, path, body string
	accept                   string
	status                   int
	contains                 string
}

func run(t *testing.T, h http.Handler, calls []call) {
	t.Helper()
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
			if c.accept != "" {
				req.Header.Set("Accept", c.accept)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			body, _ := io.ReadAll(rec.Body)
			if rec.Code != c.status {
				t.Fatalf("%s %s = %d, want %d: %s", c.method, c.path, rec.Code, c.status, body)
			}
			if !strings.Contains(string(body), c.contains) {
				t.Errorf("body lacks %q: %s", c.contains, body)
			}
			if rec.Code >= 400 {
				var e struct{ Error, Message string }
				if json.Unmarshal(body, &e) != nil || e.Error == "" || e.Message == "" {
					t.Errorf("error body is not {error, message}: %s", body)
				}
			}
		})
	}
}

func jsonString(s string) string { b, _ := json.Marshal(s); return string(b) }

func TestTheIPSMRESTAPI(t *testing.T) {
	bc := string(sharedFile(t, "alignments/BodyCloud_CO.rdf"))
	uaal := string(sharedFile(t, "alignments/UniversAAL_CO.rdf"))
	changed := strings.Replace(bc, "Alignment between BodyCloud", "Changed alignment between BodyCloud", 1)
	input := string(sharedFile(t, "ipsm-inputs/bc-weight.json"))
	dir := t.TempDir()
	s, e := newService(t, dir)
	h := s.Handler()
	run(t, h, []call{
		{"an upload of raw XML is created", "POST", "/alignments", bc, "", 201, "uploaded"},
		{"the identical upload again is already reported", "POST", "/alignments", bc, "", 208, "already"},
		{"same name and version with other content conflicts", "POST", "/alignments", changed, "", 409, "conflict"},
		{"a JSON config with xmlSource is accepted", "POST", "/alignments", `{"xmlSource":` + jsonString(uaal) + `}`, "", 201, "UniversAAL_CO_align"},
		{"an invalid alignment is a 400 listing its problems", "POST", "/alignments", strings.Replace(bc, "var:CTX a bc:BodyCloudObject .", "var:CTX a [ .", 1), "", 400, "1_observation"},
		{"malformed XML is a 400", "POST", "/alignments", "<rdf:RDF>", "", 400, "malformed XML"},
		{"the list shows both alignments", "GET", "/alignments", "", "", 200, `"sourceOntologyURI":"http://inter-iot.eu/syntax/BodyCloud#"`},
		{"an alignment is retrieved as XML", "GET", "/alignments/BodyCloud_CO_align/2.0.2", "", "", 200, "<align:Alignment>"},
		{"or as JSON", "GET", "/alignments/BodyCloud_CO_align/2.0.2", "", "application/json", 200, `"xmlSource"`},
		{"an unknown alignment is a 400 as in ipsm-core", "GET", "/alignments/nope/1", "", "", 400, "not_found"},
		{"validation of a valid alignment reports its warnings", "POST", "/validate", bc, "", 201, "final '.' is missing"},
		{"validation of an invalid one lists the problems", "POST", "/validate", strings.Replace(bc, `sripas:cell="http://www.inter-iot.eu/sripas#5_time"`, `sripas:cell="http://www.inter-iot.eu/sripas#6_gone"`, 1), "", 400, "6_gone"},
		{"a channel with known alignments is created", "POST", "/channels", `{"source":"mw-ipsm-platform-format-bc","sink":"ipsm-mw-interiot-format-bc","inpAlignmentName":"BodyCloud_CO_align","inpAlignmentVersion":"2.0.2","outAlignmentName":"","outAlignmentVersion":""}`, "", 201, `"id":3`},
		{"the same channel again is refused", "POST", "/channels", `{"source":"mw-ipsm-platform-format-bc","sink":"ipsm-mw-interiot-format-bc","inpAlignmentName":"","inpAlignmentVersion":"","outAlignmentName":"","outAlignmentVersion":""}`, "", 400, "channel_exists"},
		{"a channel with an unknown alignment is refused", "POST", "/channels", `{"source":"a","sink":"b","inpAlignmentName":"nope","inpAlignmentVersion":"1"}`, "", 400, "nope"},
		{"the channels are listed", "GET", "/channels", "", "", 200, `"inpAlignmentName":"BodyCloud_CO_align"`},
		{"an alignment a channel uses cannot be deleted", "DELETE", "/alignments/BodyCloud_CO_align/2.0.2", "", "", 409, "in_use"},
		{"translation applies the alignments left to right", "POST", "/translation", `{"alignIDs":[{"name":"BodyCloud_CO_align","version":"2.0.2"},{"name":"","version":""}],"graphStr":` + jsonString(input) + `}`, "", 200, "http://www.w3.org/ns/sosa/"},
		{"translation with an unknown alignment fails with an empty graph", "POST", "/translation", `{"alignIDs":[{"name":"nope","version":"1"}],"graphStr":` + jsonString(input) + `}`, "", 400, `"graphStr":""`},
		{"translation of a non-message fails", "POST", "/translation", `{"alignIDs":[],"graphStr":"{"}`, "", 400, "bad_message"},
		{"the version is ipsm-core's", "GET", "/version", "", "", 200, Version},
	})
	// restart: a new service over the reopened store sees the same state
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	s2, e2 := newService(t, dir)
	defer e2.Close()
	if got := len(s2.Alignments()); got != 2 {
		t.Fatalf("after restart %d alignments, want 2", got)
	}
	if got := s2.Channels(); len(got) != 1 || got[0].Sink != "ipsm-mw-interiot-format-bc" {
		t.Fatalf("after restart channels = %+v", got)
	}
	run(t, s2.Handler(), []call{
		{"after a restart the identical upload is still already reported", "POST", "/alignments", bc, "", 208, "already"},
		{"a channel is deleted", "DELETE", "/channels/3", "", "", 204, ""},
		{"a deleted channel is gone", "DELETE", "/channels/3", "", "", 400, "not_found"},
		{"an alignment no channel uses is deleted", "DELETE", "/alignments/BodyCloud_CO_align/2.0.2", "", "", 204, ""},
		{"a new upload gets a fresh id", "POST", "/alignments", bc, "", 201, `"id":4`},
	})
}

func hasObject(ts []rdf.Triple, iri string) bool {
	for _, t := range ts {
		if t.O.Value == iri {
			return true
		}
	}
	return false
}
