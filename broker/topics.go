package broker

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"unicode/utf8"
)

// The fixed topics of the design's topic table (ARCHITECTURE.md section 2).
// ErrorTopic, the last row of the table, is declared with the interface.
const (
	ARMToPRM    = "arm_prm"    // ARM → PRM: every downstream request
	PRMToARM    = "prm_arm"    // PRM → ARM: responses, observations, errors for clients
	PRMToSRM    = "prm_srm"    // PRM → Services: registry and discovery requests
	SRMToPRM    = "srm_prm"    // Services → PRM: their answers
	PRMToIPSMRM = "prm_ipsmrm" // PRM → IPSMRM: everything bound for platforms
	IPSMRMToPRM = "ipsmrm_prm" // IPSMRM → PRM: everything from platforms, translated
)

// MWToIPSMInterIoT names the topic on which IPSMRM hands a downstream message,
// still in INTER-IoT form, to the IPSM for translation into platformType's
// semantics: mw-ipsm-interiot-format-{platformType}.
func MWToIPSMInterIoT(platformType string) string {
	return "mw-ipsm-interiot-format-" + EscapeID(platformType)
}

// IPSMToMWPlatform names the topic on which the IPSM returns a downstream
// message translated for platformType: ipsm-mw-platform-format-{platformType}.
func IPSMToMWPlatform(platformType string) string {
	return "ipsm-mw-platform-format-" + EscapeID(platformType)
}

// MWToIPSMPlatform names the topic on which IPSMRM hands an upstream message,
// in platformType's semantics, to the IPSM: mw-ipsm-platform-format-{platformType}.
func MWToIPSMPlatform(platformType string) string {
	return "mw-ipsm-platform-format-" + EscapeID(platformType)
}

// IPSMToMWInterIoT names the topic on which the IPSM returns an upstream
// message translated to INTER-IoT form: ipsm-mw-interiot-format-{platformType}.
func IPSMToMWInterIoT(platformType string) string {
	return "ipsm-mw-interiot-format-" + EscapeID(platformType)
}

// IPSMRMToBridge names the topic from IPSMRM to the bridge of one platform:
// ipsmrm_bridge_{platformId}. Bridges never share a topic.
func IPSMRMToBridge(platformID string) string { return "ipsmrm_bridge_" + EscapeID(platformID) }

// BridgeToIPSMRM names the topic from the bridge of one platform to IPSMRM:
// bridge_ipsmrm_{platformId}.
func BridgeToIPSMRM(platformID string) string { return "bridge_ipsmrm_" + EscapeID(platformID) }

// RESTAPI names a client's durable callback queue: rest_api_{clientId}.
func RESTAPI(clientID string) string { return "rest_api_" + EscapeID(clientID) }

// Limits of names, chosen so that every backend accepts every name the
// helpers build, and its dead-letter topic too (Kafka allows 249 bytes).
const (
	// MaxNameLen is the longest topic or group name a backend must accept:
	// with DeadLetterTopic's 4-byte prefix it stays within Kafka's 249.
	MaxNameLen = 245
	// maxEscapedLen bounds the escaped part of an id in a topic name; longer
	// ids are cut and hashed. With the longest prefix (24 bytes) and the
	// hash suffix (17 bytes) a helper's name stays under 200 bytes.
	maxEscapedLen = 150
	// hashLen is how many hex digits of SHA-256 the suffix carries (64 bits:
	// forging an id whose name collides with another's takes ~2^64 hashes).
	hashLen = 16
)

// EscapeID turns an identifier (a platform id, a client id, a platform type
// IRI) into the variable part of a topic name that every backend accepts.
//
// The rules, exactly:
//
//  1. Every rune outside [A-Za-z0-9._-] becomes one '_' (so ':', '/', '#',
//     spaces, MQTT's '+', non-ASCII letters; each byte of invalid UTF-8 too).
//  2. If step 1 changed anything, or the id is empty, or the escaped id is
//     longer than 150 bytes (it is then cut to 150), or the id already ends
//     like a suffix of this step ('_' and 16 lowercase hex digits), the
//     result gets the suffix '_' + the first 16 hex digits of SHA-256 of
//     the raw id.
//
// So an id made only of safe characters maps to itself, and the mapping is
// injective (collisions disambiguated): names without the suffix come from
// exactly one id (themselves), names with it end in a hash of the raw id, so
// two ids that escape alike ("a:b", "a/b", "a b") get different names unless
// their SHA-256 digests agree in 64 bits.
func EscapeID(id string) string {
	buf := make([]byte, 0, len(id)+1+hashLen)
	changed := false
	for i := 0; i < len(id); {
		c := id[i]
		if safeByte(c) {
			buf = append(buf, c)
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(id[i:])
		buf = append(buf, '_')
		changed = true
		i += size
	}
	needHash := changed || id == "" || len(buf) > maxEscapedLen || hasHashSuffix(id)
	if !needHash {
		return id
	}
	if len(buf) > maxEscapedLen {
		buf = buf[:maxEscapedLen]
	}
	sum := sha256.Sum256([]byte(id))
	var hx [2 * sha256.Size]byte
	hex.Encode(hx[:], sum[:])
	buf = append(buf, '_')
	buf = append(buf, hx[:hashLen]...)
	return string(buf)
}

// hasHashSuffix reports whether s ends like EscapeID's suffix.
func hasHashSuffix(s string) bool {
	if len(s) < hashLen+1 || s[len(s)-hashLen-1] != '_' {
		return false
	}
	for i := len(s) - hashLen; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func safeByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '.' || c == '_' || c == '-'
}

// ValidateTopic reports, wrapping ErrInvalidTopic, whether name is not a
// topic every backend accepts: 1 to MaxNameLen bytes of [A-Za-z0-9._-], not
// "." or "..". Every name the helpers build is valid, and so is its
// DeadLetterTopic. Backends call it first thing in Publish and Subscribe.
func ValidateTopic(name string) error {
	if err := validateName(name); err != nil {
		return fmt.Errorf("%w %q: %w", ErrInvalidTopic, name, err)
	}
	return nil
}

// ValidateGroup is ValidateTopic for consumer group names, wrapping
// ErrInvalidGroup.
func ValidateGroup(name string) error {
	if err := validateName(name); err != nil {
		return fmt.Errorf("%w %q: %w", ErrInvalidGroup, name, err)
	}
	return nil
}

func validateName(name string) error {
	switch {
	case name == "":
		return errors.New("empty")
	case len(name) > MaxNameLen:
		return fmt.Errorf("longer than %d bytes", MaxNameLen)
	case name == "." || name == "..":
		return errors.New(`"." and ".." are reserved`)
	}
	for i := 0; i < len(name); i++ {
		if !safeByte(name[i]) {
			return fmt.Errorf("byte %d is %q, outside [A-Za-z0-9._-]", i, name[i])
		}
	}
	return nil
}
