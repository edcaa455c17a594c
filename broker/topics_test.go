package broker_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/intermw/intermw/broker"
)

func hashOf(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])[:16]
}

func TestTopicHelpers(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"ARM to PRM is fixed", broker.ARMToPRM, "arm_prm"},
		{"PRM to ARM is fixed", broker.PRMToARM, "prm_arm"},
		{"PRM to services is fixed", broker.PRMToSRM, "prm_srm"},
		{"services to PRM is fixed", broker.SRMToPRM, "srm_prm"},
		{"PRM to IPSMRM is fixed", broker.PRMToIPSMRM, "prm_ipsmrm"},
		{"IPSMRM to PRM is fixed", broker.IPSMRMToPRM, "ipsmrm_prm"},
		{"the error topic is fixed", broker.ErrorTopic, "error"},
		{"a safe platform id is used as is", broker.IPSMRMToBridge("platform-1"), "ipsmrm_bridge_platform-1"},
		{"the bridge's upstream topic mirrors it", broker.BridgeToIPSMRM("platform-1"), "bridge_ipsmrm_platform-1"},
		{"a safe client id is used as is", broker.RESTAPI("myclient"), "rest_api_myclient"},
		{"an IRI platform id is escaped and hashed",
			broker.IPSMRMToBridge("http://inter-iot.eu/platforms/p1"),
			"ipsmrm_bridge_http___inter-iot.eu_platforms_p1_" + hashOf("http://inter-iot.eu/platforms/p1")},
		{"a client id with a space and a hash sign is escaped and hashed",
			broker.RESTAPI("my client#1"), "rest_api_my_client_1_" + hashOf("my client#1")},
		{"downstream to IPSM carries the platform type",
			broker.MWToIPSMInterIoT("http://inter-iot.eu/MWTestPlatform"),
			"mw-ipsm-interiot-format-http___inter-iot.eu_MWTestPlatform_" + hashOf("http://inter-iot.eu/MWTestPlatform")},
		{"downstream from IPSM carries the platform type", broker.IPSMToMWPlatform("FIWARE"), "ipsm-mw-platform-format-FIWARE"},
		{"upstream to IPSM carries the platform type", broker.MWToIPSMPlatform("FIWARE"), "mw-ipsm-platform-format-FIWARE"},
		{"upstream from IPSM carries the platform type", broker.IPSMToMWInterIoT("FIWARE"), "ipsm-mw-interiot-format-FIWARE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
			if err := broker.ValidateTopic(tc.got); err != nil {
				t.Errorf("helper built an invalid topic: %v", err)
			}
		})
	}
}

func TestEscapeID(t *testing.T) {
	long := strings.Repeat("a", 200)
	tests := []struct {
		name, id, want string
	}{
		{"safe characters are kept", "Abc.def_9-x", "Abc.def_9-x"},
		{"a colon is escaped", "urn:x", "urn_x_" + hashOf("urn:x")},
		{"a slash is escaped", "a/b", "a_b_" + hashOf("a/b")},
		{"a hash sign is escaped", "a#b", "a_b_" + hashOf("a#b")},
		{"a space is escaped", "a b", "a_b_" + hashOf("a b")},
		{"MQTT wildcards are escaped", "a+b", "a_b_" + hashOf("a+b")},
		{"a non-ASCII letter is one underscore", "żółw", "___w_" + hashOf("żółw")},
		{"invalid UTF-8 is escaped byte by byte", "a\xff\xfeb", "a__b_" + hashOf("a\xff\xfeb")},
		{"the empty id gets a hash", "", "_" + hashOf("")},
		{"a long id is cut and hashed", long, strings.Repeat("a", 150) + "_" + hashOf(long)},
		{"an id that looks hashed is hashed again",
			"a_b_" + hashOf("a/b"), "a_b_" + hashOf("a/b") + "_" + hashOf("a_b_"+hashOf("a/b"))},
		{"an underscore and 16 non-hex characters is left alone", "a_ghijklmnopqrstuv", "a_ghijklmnopqrstuv"},
		{"upper-case hex does not look hashed", "a_0123456789ABCDEF", "a_0123456789ABCDEF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := broker.EscapeID(tc.id); got != tc.want {
				t.Errorf("EscapeID(%q) = %q, want %q", tc.id, got, tc.want)
			}
		})
	}
}

func TestEscapeIDCollisionsAreDisambiguated(t *testing.T) {
	tests := []struct {
		name string
		ids  []string
	}{
		{"ids differing only in the escaped character", []string{"a:b", "a/b", "a#b", "a b", "a_b", "a+b", "a\u00e9b"}},
		{"an escaped id and the name it would have without a hash", []string{"a/b", "a_b"}},
		{"an id and another that spells out the first one's name", []string{"a/b", "a_b_" + hashOf("a/b")}},
		{"ids cut to the same prefix", []string{strings.Repeat("x", 151), strings.Repeat("x", 152), strings.Repeat("x", 150)}},
		{"ids made of escaped characters only", []string{":", "/", "::", "//", "", "_", "__"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[string]string{}
			for _, id := range tc.ids {
				name := broker.RESTAPI(id)
				if other, ok := seen[name]; ok {
					t.Errorf("ids %q and %q both map to %q", other, id, name)
				}
				seen[name] = id
			}
		})
	}
}

// TestEscapeIDProperties checks, over many random ids drawn mostly from
// characters that escape alike, that distinct ids give distinct names, that
// every name is a valid topic, and that safe short ids map to themselves.
func TestEscapeIDProperties(t *testing.T) {
	alphabet := []string{"a", "b", "_", ":", "/", "#", " ", "+", ".", "-", "é", "0", "f", "\xff"}
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[string]string{}
	for range 20000 {
		var sb strings.Builder
		for range r.IntN(24) {
			sb.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		if r.IntN(10) == 0 { // sometimes spell out another id's hash
			sb.WriteString("_" + hashOf(sb.String()))
		}
		checkEscape(t, sb.String(), seen)
		// Escaping a name again never lands on an existing name.
		checkEscape(t, broker.EscapeID(sb.String()), seen)
	}
}

func checkEscape(t *testing.T, id string, seen map[string]string) {
	t.Helper()
	name := broker.EscapeID(id)
	if other, ok := seen[name]; ok && other != id {
		t.Fatalf("ids %q and %q both escape to %q", other, id, name)
	}
	seen[name] = id
	if err := broker.ValidateTopic(broker.DeadLetterTopic(broker.MWToIPSMInterIoT(id))); err != nil {
		t.Fatalf("EscapeID(%q) = %q gives an invalid topic: %v", id, name, err)
	}
}

func FuzzEscapeID(f *testing.F) {
	for _, s := range []string{"", "a", "a:b", "http://inter-iot.eu/x#y", "a_0123456789abcdef", strings.Repeat("é", 100)} {
		f.Add(s, "a/b")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		na, nb := broker.EscapeID(a), broker.EscapeID(b)
		if a != b && na == nb {
			t.Fatalf("ids %q and %q both escape to %q", a, b, na)
		}
		if err := broker.ValidateTopic(broker.DeadLetterTopic(broker.RESTAPI(a))); err != nil {
			t.Fatalf("EscapeID(%q) = %q: %v", a, na, err)
		}
	})
}

func TestValidateNames(t *testing.T) {
	tests := []struct {
		name  string
		topic string
		valid bool
	}{
		{"a plain name is valid", "arm_prm", true},
		{"dots and dashes are valid", "mw-ipsm.x_y", true},
		{"the empty name is invalid", "", false},
		{"a slash is invalid", "a/b", false},
		{"an MQTT wildcard is invalid", "a/#", false},
		{"a space is invalid", "a b", false},
		{"a lone dot is invalid", ".", false},
		{"two dots are invalid", "..", false},
		{"the longest name is valid", strings.Repeat("x", broker.MaxNameLen), true},
		{"a longer name is invalid", strings.Repeat("x", broker.MaxNameLen+1), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := broker.ValidateTopic(tc.topic)
			if (err == nil) != tc.valid {
				t.Errorf("ValidateTopic(%q) = %v, want valid %v", tc.topic, err, tc.valid)
			}
			if err != nil && !errors.Is(err, broker.ErrInvalidTopic) {
				t.Errorf("ValidateTopic error %v does not wrap ErrInvalidTopic", err)
			}
			gerr := broker.ValidateGroup(tc.topic)
			if (gerr == nil) != tc.valid || gerr != nil && !errors.Is(gerr, broker.ErrInvalidGroup) {
				t.Errorf("ValidateGroup(%q) = %v, want valid %v wrapping ErrInvalidGroup", tc.topic, gerr, tc.valid)
			}
		})
	}
}
