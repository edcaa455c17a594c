package test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/swagger"
)

// The messages a client receives, in either response format, and its
// inbox, fed by pulling or by its webhook.

// gotMsg is one message a client received, in either response format.
type gotMsg struct {
	// types are INTER-MW's enum names (PLATFORM_REGISTER, RESPONSE, …).
	types          []string
	conv           string
	sender         string
	subscriptionID string
	clientID       string
	stamp          time.Time
	errDesc        string
	// sensors are the sosa:madeBySensor of its observations.
	sensors []string
	// platformTypes are the types a List_supported_platform_types answer
	// lists.
	platformTypes []string
	// payload is the payload graph (JSON_LD only).
	payload []rdf.Triple
	raw     json.RawMessage
	// seq is its position in the order of arrival.
	seq int
	// via says how it arrived: "push" or "pull".
	via string
}

func (m gotMsg) is(types ...string) bool {
	for _, t := range types {
		if !slices.Contains(m.types, t) {
			return false
		}
	}
	return true
}

func (m gotMsg) String() string {
	return fmt.Sprintf("#%d (%s) %v conv=%s sender=%s stamp=%s err=%q", m.seq, m.via, m.types, m.conv, m.sender,
		m.stamp.Format("15:04:05.000"), m.errDesc)
}

// jsonFormMsg is the part of the JSON response format the tests read.
type jsonFormMsg struct {
	MessageTypes   []string `json:"messageTypes"`
	SenderPlatform string   `json:"senderPlatform"`
	ConversationID string   `json:"conversationId"`
	DateTimeStamp  string   `json:"dateTimeStamp"`
	ClientID       string   `json:"clientId"`
	SubscriptionID string   `json:"subscriptionId"`
	Error          *struct {
		Description string `json:"description"`
	} `json:"error"`
	MadeBySensor string `json:"madeBysensor"`
	Observations []struct {
		MadeBySensor string `json:"madeBySensor"`
	} `json:"observations"`
	PlatformTypes []string `json:"platformTypes"`
}

// parseMsg reads one message in the client's format.
func (h *hubProc) parseMsg(format string, raw json.RawMessage) (gotMsg, error) {
	m := gotMsg{raw: raw}
	if format == "JSON" {
		var j jsonFormMsg
		if err := json.Unmarshal(raw, &j); err != nil {
			return m, err
		}
		if len(j.MessageTypes) == 0 || j.ConversationID == "" {
			return m, fmt.Errorf("not a JSON-format message (no messageTypes or conversationId): %.300s", raw)
		}
		if strings.Contains(string(raw), `"@context"`) {
			return m, fmt.Errorf("a JSON client got JSON-LD: %.300s", raw)
		}
		m.types, m.conv, m.sender, m.subscriptionID, m.clientID = j.MessageTypes, j.ConversationID, j.SenderPlatform, j.SubscriptionID, j.ClientID
		if j.DateTimeStamp != "" {
			m.stamp, _ = time.Parse(time.RFC3339Nano, j.DateTimeStamp)
		}
		if j.Error != nil {
			m.errDesc = j.Error.Description
			if m.errDesc == "" {
				m.errDesc = "(error without description)"
			}
		}
		for _, o := range j.Observations {
			m.sensors = append(m.sensors, o.MadeBySensor)
		}
		if len(j.Observations) == 0 && j.MadeBySensor != "" {
			m.sensors = append(m.sensors, j.MadeBySensor)
		}
		m.platformTypes = j.PlatformTypes
		return m, nil
	}
	msg, err := h.codec.Decode(raw)
	if err != nil {
		return m, err
	}
	md := &msg.Metadata
	for _, t := range md.Types {
		m.types = append(m.types, strings.ToUpper(t.String()))
	}
	m.conv, m.sender, m.subscriptionID, m.clientID, m.stamp = md.ConversationID, md.SenderPlatformID, md.SubscriptionID, md.ClientID, md.DateTimeStamp
	m.errDesc = md.ErrDesc
	if md.Is(messages.Error) && m.errDesc == "" {
		m.errDesc = "(error without description)"
	}
	m.payload = msg.Payload
	for _, tr := range msg.Payload {
		if tr.P.Value == madeBy && tr.O.IsIRI() {
			m.sensors = append(m.sensors, tr.O.Value)
		}
		if tr.P.Value == rdf.RDFType && strings.HasSuffix(tr.S.Value, "platform-types") && tr.O.IsIRI() {
			m.platformTypes = append(m.platformTypes, tr.O.Value)
		}
	}
	return m, nil
}

// inbox collects what a client receives: by pulling (CLIENT_PULL) or from
// its webhook (SERVER_PUSH).
type inbox struct {
	h      *hubProc
	client string
	format string
	push   bool

	mu     sync.Mutex
	msgs   []gotMsg
	faults []string
	wake   chan struct{}
}

func newInbox(h *hubProc, client, format string, push bool) *inbox {
	return &inbox{h: h, client: client, format: format, push: push, wake: make(chan struct{}, 1)}
}

// add records raw messages as they arrive.
func (in *inbox) add(via string, raws []json.RawMessage) {
	in.mu.Lock()
	for _, raw := range raws {
		m, err := in.h.parseMsg(in.format, raw)
		if err != nil {
			in.faults = append(in.faults, err.Error())
			continue
		}
		m.seq, m.via = len(in.msgs), via
		in.msgs = append(in.msgs, m)
	}
	in.mu.Unlock()
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

// webhook is the SERVER_PUSH endpoint: it checks each batch (a JSON array
// in the client's Content-Type, what POST /responses would have answered)
// and acknowledges it.
func (in *inbox) webhook(t *testing.T) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		wantCT := "application/ld+json"
		if in.format == "JSON" {
			wantCT = "application/json"
		}
		var batch []json.RawMessage
		in.mu.Lock()
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, wantCT) {
			in.faults = append(in.faults, fmt.Sprintf("pushed with Content-Type %q, want %s", ct, wantCT))
		}
		if err := swagger.CheckResponse(http.MethodPost, api+"/responses", http.StatusOK, b); err != nil {
			in.faults = append(in.faults, fmt.Sprintf("pushed batch does not fit the spec: %v", err))
		}
		if err := json.Unmarshal(b, &batch); err != nil {
			in.faults = append(in.faults, fmt.Sprintf("pushed body is not a JSON array: %v: %.300s", err, b))
		}
		in.mu.Unlock()
		in.add("push", batch)
		w.WriteHeader(http.StatusOK)
	})
}

// pullOnce pulls the client's queue once; it reports whether anything came.
func (in *inbox) pullOnce(t *testing.T) bool {
	t.Helper()
	a := in.h.must(t, http.StatusOK, req{method: http.MethodPost, path: api + "/responses", client: in.client})
	wantCT := "application/ld+json"
	if in.format == "JSON" {
		wantCT = "application/json"
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, wantCT) {
		t.Errorf("POST /responses: Content-Type %q, want %s", ct, wantCT)
	}
	var batch []json.RawMessage
	a.into(t, &batch)
	in.add("pull", batch)
	return len(batch) > 0
}

// poll makes one step of a bounded wait: a pull, or a wait for a push.
func (in *inbox) poll(t *testing.T) {
	t.Helper()
	if !in.push {
		if in.pullOnce(t) {
			return
		}
	}
	select {
	case <-in.wake:
	case <-time.After(pollEvery):
	}
}

func (in *inbox) snapshot() []gotMsg {
	in.mu.Lock()
	defer in.mu.Unlock()
	return slices.Clone(in.msgs)
}

// await waits (bounded) for a message matching pred and returns the first.
func (in *inbox) await(t *testing.T, what string, pred func(gotMsg) bool) gotMsg {
	t.Helper()
	deadline := time.Now().Add(asyncWait)
	for {
		ms := in.snapshot()
		in.failOnError(t, what, ms)
		for _, m := range ms {
			if pred(m) {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %s within %s; received:\n%s", in.client, what, asyncWait, in.summary())
		}
		in.poll(t)
	}
}

// awaitAll waits (bounded) until every check holds over what arrived.
func (in *inbox) awaitAll(t *testing.T, what string, done func([]gotMsg) bool) []gotMsg {
	t.Helper()
	deadline := time.Now().Add(asyncWait)
	for {
		ms := in.snapshot()
		in.failOnError(t, what, ms)
		if done(ms) {
			return ms
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s did not happen within %s; received:\n%s", in.client, what, asyncWait, in.summary())
		}
		in.poll(t)
	}
}

// quiet keeps receiving for d and fails if a message matching pred
// arrives in that window (a bounded observation window, not a sleep).
func (in *inbox) quiet(t *testing.T, d time.Duration, what string, pred func(gotMsg) bool) {
	t.Helper()
	from := len(in.snapshot())
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		in.poll(t)
	}
	for _, m := range in.snapshot()[from:] {
		if pred(m) {
			t.Errorf("%s: %s arrived: %s", in.client, what, m)
			return
		}
	}
}

// reply is a predicate: the answer of conversation conv with these types.
func reply(conv string, types ...string) func(gotMsg) bool {
	return func(m gotMsg) bool { return m.conv == conv && m.is(append(types, "RESPONSE")...) && !m.is("ERROR") }
}

// failOnError stops a wait as soon as an Error message has arrived: no
// test expects one, and waiting out the deadline would hide its reason.
func (in *inbox) failOnError(t *testing.T, what string, ms []gotMsg) {
	t.Helper()
	for _, m := range ms {
		if m.is("ERROR") || m.errDesc != "" {
			t.Fatalf("%s: waiting for %s, received an Error message: %s", in.client, what, m)
		}
	}
}

// checkClean fails on parse faults and on any Error message received.
func (in *inbox) checkClean(t *testing.T) {
	t.Helper()
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, f := range in.faults {
		t.Errorf("%s: %s", in.client, f)
	}
	for _, m := range in.msgs {
		if m.is("ERROR") || m.errDesc != "" {
			t.Errorf("%s received an Error message: %s", in.client, m)
		}
	}
}

func (in *inbox) summary() string {
	ms := in.snapshot()
	var b strings.Builder
	counts := map[string]int{}
	for _, m := range ms {
		if m.is("OBSERVATION") {
			counts[m.conv]++
			continue
		}
		fmt.Fprintf(&b, "  %s\n", m)
	}
	for c, n := range counts {
		fmt.Fprintf(&b, "  %d observations on %s\n", n, c)
	}
	in.mu.Lock()
	for _, f := range in.faults {
		fmt.Fprintf(&b, "  fault: %s\n", f)
	}
	in.mu.Unlock()
	if b.Len() == 0 {
		return "  (nothing)"
	}
	return b.String()
}
