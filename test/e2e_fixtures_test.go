package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The hub's /metrics as the tests read them, registry snapshots for
// no-side-effect checks, and the JSON bodies and fixtures the tests share.

// metrics scrapes /metrics.
func (h *hubProc) metrics(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	a := h.must(t, http.StatusOK, req{method: http.MethodGet, path: "/metrics"})
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(a.body))
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return fams
}

// sample is one metric value with its labels.
type sample struct {
	labels map[string]string
	value  float64
}

func samples(f *dto.MetricFamily) []sample {
	if f == nil {
		return nil
	}
	var out []sample
	for _, m := range f.GetMetric() {
		s := sample{labels: map[string]string{}}
		for _, l := range m.GetLabel() {
			s.labels[l.GetName()] = l.GetValue()
		}
		switch {
		case m.Counter != nil:
			s.value = m.Counter.GetValue()
		case m.Gauge != nil:
			s.value = m.Gauge.GetValue()
		case m.Untyped != nil:
			s.value = m.Untyped.GetValue()
		case m.Histogram != nil:
			s.value = float64(m.Histogram.GetSampleCount())
		}
		out = append(out, s)
	}
	return out
}

// awaitMetrics waits (bounded) until check finds nothing wrong in a
// scrape, and reports the last problems otherwise.
func (h *hubProc) awaitMetrics(t *testing.T, what string, check func(map[string]*dto.MetricFamily) []string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		problems := check(h.metrics(t))
		if len(problems) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, p := range problems {
				t.Errorf("%s: %s", what, p)
			}
			return
		}
		<-time.After(50 * time.Millisecond)
	}
}

// healthyMetrics lists what /metrics says is wrong at the end of a healthy
// run: anything published on the error topic, timed-out conversations,
// messages the ARM could not route for a reason other than a closed
// conversation, and client queues that are not empty.
func healthyMetrics(fams map[string]*dto.MetricFamily) []string {
	var out []string
	for _, s := range samples(fams["intermw_messages_total"]) {
		if s.labels["topic"] == "error" && s.value > 0 {
			out = append(out, fmt.Sprintf("%v messages on the error topic (%v)", s.value, s.labels))
		}
	}
	for _, s := range samples(fams["intermw_conversations_expired_total"]) {
		if s.value > 0 {
			out = append(out, fmt.Sprintf("%v conversations timed out", s.value))
		}
	}
	for _, s := range samples(fams["intermw_arm_dropped_total"]) {
		if s.labels["reason"] != "no_conversation" && s.value > 0 {
			out = append(out, fmt.Sprintf("the ARM dropped %v messages (%v)", s.value, s.labels))
		}
	}
	for _, s := range samples(fams["intermw_delivery_queue_depth"]) {
		if s.value > 0 {
			out = append(out, fmt.Sprintf("client queue %q holds %v messages", s.labels["client"], s.value))
		}
	}
	for _, s := range samples(fams["intermw_delivery_dead_letters"]) {
		if s.value > 0 {
			out = append(out, fmt.Sprintf("client %q has %v dead letters", s.labels["client"], s.value))
		}
	}
	// Broker-level gauges, when the hub exposes them: any family with a
	// topic label whose name speaks of depth, lag or pending work.
	for name, f := range fams {
		if !(strings.Contains(name, "depth") || strings.Contains(name, "lag") || strings.Contains(name, "pending") || strings.Contains(name, "in_flight")) ||
			strings.HasPrefix(name, "intermw_delivery_") {
			continue
		}
		for _, s := range samples(f) {
			if _, ok := s.labels["topic"]; ok && s.value > 0 {
				out = append(out, fmt.Sprintf("%s%v = %v", name, s.labels, s.value))
			}
		}
	}
	// Error-topic counters of any component, when exposed.
	for name, f := range fams {
		if name == "intermw_messages_total" || !strings.HasSuffix(name, "_total") {
			continue
		}
		for _, s := range samples(f) {
			if s.labels["topic"] == "error" && s.value > 0 {
				out = append(out, fmt.Sprintf("%s%v = %v (error topic)", name, s.labels, s.value))
			}
		}
	}
	return out
}

// ---- registry snapshots ----

// snapshot reads every list endpoint, for no-side-effect checks.
func (h *hubProc) snapshot(t *testing.T, client string) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, p := range []string{"/clients", "/platforms", "/devices", "/subscriptions", "/subscriptions-platform-to-platform", "/location/areas", "/location/points"} {
		a := h.must(t, http.StatusOK, req{method: http.MethodGet, path: api + p, client: client})
		var v any
		a.into(t, &v)
		out[p] = v
	}
	return out
}

// sameSnapshot reports every list that differs.
func sameSnapshot(t *testing.T, what string, before, after map[string]any) {
	t.Helper()
	for k, b := range before {
		if !reflect.DeepEqual(b, after[k]) {
			bj, _ := json.Marshal(b)
			aj, _ := json.Marshal(after[k])
			t.Errorf("%s changed %s:\nbefore %.800s\nafter  %.800s", what, k, bj, aj)
		}
	}
}

// ---- bodies ----

// device is an IoTDevice body.
type device struct {
	DeviceID    string   `json:"deviceId"`
	HostedBy    string   `json:"hostedBy,omitempty"`
	Location    string   `json:"location,omitempty"`
	Name        string   `json:"name,omitempty"`
	DeviceTypes []string `json:"deviceTypes,omitempty"`
	Observes    []string `json:"observes,omitempty"`
}

// platformBody is a Platform body (register, get).
type platformBody struct {
	PlatformID         string `json:"platformId"`
	Type               string `json:"type"`
	BaseEndpoint       string `json:"baseEndpoint,omitempty"`
	LocationID         string `json:"locationId,omitempty"`
	Name               string `json:"name,omitempty"`
	ClientID           string `json:"clientId,omitempty"`
	TimeCreated        int64  `json:"timeCreated,omitempty"`
	PlatformStatistics *struct {
		DeviceCount           int `json:"deviceCount"`
		SubscribedDeviceCount int `json:"subscribedDeviceCount"`
		SubscriptionCount     int `json:"subscriptionCount"`
	} `json:"platformStatistics,omitempty"`
	DownstreamInputAlignmentName     string `json:"downstreamInputAlignmentName,omitempty"`
	DownstreamInputAlignmentVersion  string `json:"downstreamInputAlignmentVersion,omitempty"`
	DownstreamOutputAlignmentName    string `json:"downstreamOutputAlignmentName,omitempty"`
	DownstreamOutputAlignmentVersion string `json:"downstreamOutputAlignmentVersion,omitempty"`
	UpstreamInputAlignmentName       string `json:"upstreamInputAlignmentName,omitempty"`
	UpstreamInputAlignmentVersion    string `json:"upstreamInputAlignmentVersion,omitempty"`
	UpstreamOutputAlignmentName      string `json:"upstreamOutputAlignmentName,omitempty"`
	UpstreamOutputAlignmentVersion   string `json:"upstreamOutputAlignmentVersion,omitempty"`
}

// clientBody is a Client body.
type clientBody struct {
	ClientID          string `json:"clientId"`
	CallbackURL       string `json:"callbackUrl,omitempty"`
	ReceivingCapacity int    `json:"receivingCapacity,omitempty"`
	ResponseFormat    string `json:"responseFormat,omitempty"`
	ResponseDelivery  string `json:"responseDelivery,omitempty"`
}

// subscriptionBody is a Subscription.
type subscriptionBody struct {
	ConversationID string   `json:"conversationId"`
	DeviceIDs      []string `json:"deviceIds"`
	ClientID       string   `json:"clientId"`
}

// registerPullClient registers a CLIENT_PULL client in format and returns
// its inbox.
func registerPullClient(t *testing.T, h *hubProc, id, format string) *inbox {
	t.Helper()
	h.must(t, http.StatusCreated, req{method: http.MethodPost, path: api + "/clients", client: id,
		body: clientBody{ClientID: id, ReceivingCapacity: 100, ResponseFormat: format, ResponseDelivery: "CLIENT_PULL"}})
	return newInbox(h, id, format, false)
}

// registerPlatform registers an MWTestPlatform and waits for its
// Platform_register answer.
func registerPlatform(t *testing.T, h *hubProc, in *inbox, p platformBody) {
	t.Helper()
	if p.Type == "" {
		p.Type = mwTestPlatform
	}
	conv := h.accepted(t, req{method: http.MethodPost, path: api + "/platforms", client: in.client, body: p})
	m := in.await(t, "Platform_register answer", reply(conv, "PLATFORM_REGISTER"))
	if m.sender != p.PlatformID {
		t.Errorf("Platform_register answer from %q, want %q", m.sender, p.PlatformID)
	}
}

// createDevices creates devices (on one or more platforms) and waits for
// one Platform_create_Device answer per platform.
func createDevices(t *testing.T, h *hubProc, in *inbox, ds []device) {
	t.Helper()
	platforms := map[string]bool{}
	for _, d := range ds {
		platforms[d.HostedBy] = true
	}
	conv := h.accepted(t, req{method: http.MethodPost, path: api + "/devices", client: in.client, body: map[string]any{"devices": ds}})
	in.awaitAll(t, fmt.Sprintf("Platform_create_Device answers from %d platforms", len(platforms)), func(ms []gotMsg) bool {
		got := map[string]bool{}
		for _, m := range ms {
			if reply(conv, "PLATFORM_CREATE_DEVICE")(m) {
				got[m.sender] = true
			}
		}
		return len(got) == len(platforms)
	})
}

// listDevices lists the devices of a platform (all when platform is "").
func listDevices(t *testing.T, h *hubProc, client, platform string) []device {
	t.Helper()
	p := api + "/devices"
	if platform != "" {
		p += "?platformId=" + url.QueryEscape(platform)
	}
	var ds []device
	h.must(t, http.StatusOK, req{method: http.MethodGet, path: p, client: client}).into(t, &ds)
	return ds
}

func getPlatform(t *testing.T, h *hubProc, client, id string) platformBody {
	t.Helper()
	var p platformBody
	h.must(t, http.StatusOK, req{method: http.MethodGet, path: api + "/platforms/" + esc(id), client: client}).into(t, &p)
	return p
}

// sensorsSeen returns the devices observed on conversation conv.
func sensorsSeen(ms []gotMsg, conv string) map[string]int {
	out := map[string]int{}
	for _, m := range ms {
		if m.conv == conv && m.is("OBSERVATION") {
			for _, s := range m.sensors {
				out[s]++
			}
		}
	}
	return out
}

// noOpenConversations is an awaitMetrics check: once every client is gone,
// no conversation may stay open.
func noOpenConversations(fams map[string]*dto.MetricFamily) []string {
	var out []string
	for _, s := range samples(fams["intermw_conversations_open"]) {
		if s.value != 0 {
			out = append(out, fmt.Sprintf("%v conversations still open", s.value))
		}
	}
	return out
}
