package nats

import (
	"crypto/sha256"
	"encoding/hex"
	"hash/fnv"
	"strconv"
	"strings"
)

// Topic and group names use [A-Za-z0-9._-]; stream and consumer names may
// not contain '.', and a subject token may not either. token escapes a name
// into [A-Za-z0-9_-]: '_' becomes "__" and '.' becomes "_D", which reads back
// unambiguously left to right, so distinct names get distinct tokens. Tokens
// past 160 bytes (stream and consumer names are also file names on the
// server) are cut and end in a hash of the whole name.
func token(name string) string {
	if !strings.ContainsAny(name, "._") && len(name) <= 160 {
		return name
	}
	var sb strings.Builder
	sb.Grow(len(name) + 8)
	for i := 0; i < len(name); i++ {
		switch c := name[i]; c {
		case '_':
			sb.WriteString("__")
		case '.':
			sb.WriteString("_D")
		default:
			sb.WriteByte(c)
		}
	}
	t := sb.String()
	if len(t) <= 160 {
		return t
	}
	sum := sha256.Sum256([]byte(name))
	return t[:127] + "_H" + hex.EncodeToString(sum[:16])
}

// StreamName is the stream holding topic's messages: "{prefix}_{token}".
func StreamName(prefix, topic string) string { return prefix + "_" + token(topic) }

// subjectBase is the subject prefix of topic's messages, "{prefix}.{token}.",
// followed by "{partition}.{keyToken}": a message's subject has exactly four
// tokens.
func subjectBase(prefix, topic string) string { return prefix + "." + token(topic) + "." }

// maxSubjectKey is the longest key carried in the subject.
const maxSubjectKey = 200

// keyToken is the last subject token of a message with key: "k" + key when
// the key is 1 to maxSubjectKey characters of [A-Za-z0-9_-] (a conversation
// id is), so that it travels without a header; "_" otherwise, the key then
// going in the HeaderKey header (when not empty). Headers cost the server
// and the client noticeably more than a longer subject.
func keyToken(key string) (tok string, inSubject bool) {
	if key == "" || len(key) > maxSubjectKey {
		return "_", false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return "_", false
		}
	}
	return "k" + key, true
}

// keyFromSubject returns the key a subject carries, if it carries one.
func keyFromSubject(subject string) (string, bool) {
	i := strings.LastIndexByte(subject, '.')
	if i < 0 || i+1 >= len(subject) || subject[i+1] != 'k' {
		return "", false
	}
	return subject[i+2:], true
}

// ConsumerName is group's durable consumer: "{token}" for an unordered
// group, "{token}_{p}" for partition p of an ordered one (partition < 0
// means unordered). Tokens never contain '_' followed by a digit, so the two
// forms never collide.
func ConsumerName(group string, partition int) string {
	if partition < 0 {
		return token(group)
	}
	return token(group) + "_" + strconv.Itoa(partition)
}

// partitionOf maps a key to its partition.
func partitionOf(key string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(n))
}
