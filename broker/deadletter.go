package broker

import (
	"maps"
	"strconv"
)

// Headers a backend adds to a message it dead-letters, on both the copy it
// publishes to DeadLetterTopic(topic) and the copy on ErrorTopic.
const (
	HeaderOriginalTopic = "x-intermw-original-topic" // the topic the message was published to
	HeaderGroup         = "x-intermw-group"          // the consumer group that gave up on it
	HeaderAttempts      = "x-intermw-attempts"       // how many deliveries failed, decimal
	HeaderLastError     = "x-intermw-last-error"     // the last handler error's text
)

// DeadLetter builds the message a backend publishes to DeadLetterTopic(topic)
// and ErrorTopic once group's handler has failed attempts times on m: the
// same key and body, m's headers (copied, never modified) plus the four
// dead-letter headers. Delivery fields (Topic, Attempt) are cleared.
func DeadLetter(m Message, topic, group string, attempts int, lastErr error) Message {
	h := make(map[string]string, len(m.Headers)+4)
	maps.Copy(h, m.Headers)
	h[HeaderOriginalTopic] = topic
	h[HeaderGroup] = group
	h[HeaderAttempts] = strconv.Itoa(attempts)
	if lastErr != nil {
		h[HeaderLastError] = lastErr.Error()
	} else {
		h[HeaderLastError] = ""
	}
	return Message{Key: m.Key, Headers: h, Body: m.Body}
}
