package mqtt

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"github.com/eclipse/paho.golang/paho"
)

// User properties that carry what MQTT has no field for. Every other user
// property of a message is one of its headers.
const (
	// KeyProperty carries the message key (its ConversationID).
	KeyProperty = "x-intermw-key"
	// keyProperty64 carries a key that is not a valid MQTT string (invalid
	// UTF-8 or U+0000), base64-encoded.
	keyProperty64 = "x-intermw-key-base64"
	// headerProperty64 carries a header whose name or value is not a
	// valid MQTT string, as base64(name) ":" base64(value).
	headerProperty64 = "x-intermw-header-base64"
)

// mqttString reports whether s may travel as an MQTT UTF-8 string.
func mqttString(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

var b64 = base64.RawStdEncoding

// encodeProperties turns a message's key and headers into user properties.
func encodeProperties(key string, headers map[string]string) paho.UserProperties {
	props := make(paho.UserProperties, 0, len(headers)+1)
	switch {
	case key == "":
	case mqttString(key):
		props = append(props, paho.UserProperty{Key: KeyProperty, Value: key})
	default:
		props = append(props, paho.UserProperty{Key: keyProperty64, Value: b64.EncodeToString([]byte(key))})
	}
	for k, v := range headers {
		if mqttString(k) && mqttString(v) && !reserved(k) {
			props = append(props, paho.UserProperty{Key: k, Value: v})
			continue
		}
		props = append(props, paho.UserProperty{
			Key:   headerProperty64,
			Value: b64.EncodeToString([]byte(k)) + ":" + b64.EncodeToString([]byte(v)),
		})
	}
	return props
}

func reserved(name string) bool {
	return name == KeyProperty || name == keyProperty64 || name == headerProperty64
}

// decodeProperties is the inverse of encodeProperties. Properties it cannot
// decode are kept as headers unchanged.
func decodeProperties(props paho.UserProperties) (key string, headers map[string]string) {
	for _, p := range props {
		switch p.Key {
		case KeyProperty:
			key = p.Value
			continue
		case keyProperty64:
			if raw, err := b64.DecodeString(p.Value); err == nil {
				key = string(raw)
				continue
			}
		case headerProperty64:
			name, value, ok := strings.Cut(p.Value, ":")
			if ok {
				rawName, err1 := b64.DecodeString(name)
				rawValue, err2 := b64.DecodeString(value)
				if err1 == nil && err2 == nil {
					if headers == nil {
						headers = make(map[string]string, len(props))
					}
					headers[string(rawName)] = string(rawValue)
					continue
				}
			}
		}
		if headers == nil {
			headers = make(map[string]string, len(props))
		}
		headers[p.Key] = p.Value
	}
	return key, headers
}
