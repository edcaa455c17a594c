package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// benchHub is an `intermw serve` started for a benchmark.
type benchHub struct {
	base string
	cmd  *exec.Cmd
}

func startBenchHub(b *testing.B, interval time.Duration) *benchHub {
	b.Helper()
	addr := freeAddrTB(b)
	args := []string{"serve", "--listen", addr, "--data", b.TempDir(),
		"--emulator-interval", interval.String(), "--log-level", "warn"}
	// INTERMW_BENCH_SERVE_ARGS adds flags, e.g. "--delivery-sync=none".
	args = append(args, strings.Fields(os.Getenv("INTERMW_BENCH_SERVE_ARGS"))...)
	cmd := exec.Command(intermwBin, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	h := &benchHub{base: "http://" + addr, cmd: cmd}
	b.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get(h.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return h
			}
		}
		if time.Now().After(deadline) {
			b.Fatal("the hub did not become ready")
		}
		time.Sleep(20 * time.Millisecond) // polling a child process; bounded by the deadline
	}
}

// freeAddrTB returns a loopback address with a free port.
func freeAddrTB(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func (h *benchHub) call(b *testing.B, method, path, client string, body any, want int) []byte {
	b.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, h.base+"/api/mw2mw"+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if client != "" {
		req.Header.Set("Client-ID", client)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		b.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	return data
}

// BenchmarkREST measures REST latency of register and list on a running hub.
func BenchmarkREST(b *testing.B) {
	h := startBenchHub(b, time.Second)
	b.Run("register-client", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			h.call(b, "POST", "/clients", "", map[string]any{"clientId": fmt.Sprintf("bench-%d-%d", b.N, i),
				"responseFormat": "JSON", "responseDelivery": "CLIENT_PULL", "receivingCapacity": 10}, http.StatusCreated)
		}
	})
	b.Run("list-clients", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			h.call(b, "GET", "/clients", "", nil, http.StatusOK)
		}
	})
	b.Run("list-platforms", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			h.call(b, "GET", "/platforms", "bench-1-0", nil, http.StatusOK)
		}
	})
}

// BenchmarkHubObservations measures the all-in-one hub end to end: the
// MWTestPlatform emulator emits observations for subscribed devices, and a
// pull client takes them from POST /responses. Latency runs from each
// observation's dateTimeStamp to its receipt. Each sub-benchmark offers a
// rate (devices × 1/interval) for a fixed time and reports what arrived.
func BenchmarkHubObservations(b *testing.B) {
	for _, rate := range []struct {
		name     string
		format   string
		devices  int
		interval time.Duration
	}{
		{"format=JSON_LD/offered=10k/s", "JSON_LD", 100, 10 * time.Millisecond},
		{"format=JSON_LD/offered=20k/s", "JSON_LD", 200, 10 * time.Millisecond},
		{"format=JSON_LD/offered=40k/s", "JSON_LD", 400, 10 * time.Millisecond},
		{"format=JSON/offered=10k/s", "JSON", 100, 10 * time.Millisecond},
	} {
		b.Run(rate.name, func(b *testing.B) {
			h := startBenchHub(b, rate.interval)
			subscribeBench(b, h, rate.format, rate.devices, map[string]any{})
			measureObservations(b, h, rate.format)
		})
	}
}

// BenchmarkHubTranslatedObservations is BenchmarkHubObservations with
// semantic translation on the way up: the emulated platform emits
// BodyCloud-shaped observations and is registered with BodyCloud_CO as its
// upstream input alignment, so every observation is rewritten into
// GOIoTP/SOSA by the embedded mediator before it reaches the client.
func BenchmarkHubTranslatedObservations(b *testing.B) {
	corpus := sharedInterIoT(b)
	src, err := os.ReadFile(filepath.Join(corpus, "alignments", "BodyCloud_CO.rdf"))
	if err != nil {
		b.Fatal(err)
	}
	for _, rate := range []struct {
		name    string
		devices int
	}{{"offered=10k/s", 100}, {"offered=20k/s", 200}} {
		b.Run(rate.name, func(b *testing.B) {
			h := startBenchHub(b, 10*time.Millisecond)
			req, _ := http.NewRequest("POST", h.base+"/ipsm/alignments", bytes.NewReader(src))
			req.Header.Set("Content-Type", "application/xml")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var up struct {
				Alignment struct{ Name, Version string } `json:"alignment"`
			}
			json.NewDecoder(resp.Body).Decode(&up)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated || up.Alignment.Name == "" {
				b.Fatalf("uploading BodyCloud_CO: %s", resp.Status)
			}
			subscribeBench(b, h, "JSON_LD", rate.devices, map[string]any{
				"baseEndpoint":                  "http://bench.example/bodycloud?profile=bodycloud",
				"upstreamInputAlignmentName":    up.Alignment.Name,
				"upstreamInputAlignmentVersion": up.Alignment.Version,
			})
			measureObservations(b, h, "JSON_LD")
		})
	}
}

const benchClient, benchPlatform = "bench", "http://bench.example/platform"

// subscribeBench registers the pull client, an emulated platform (with the
// extra registration fields), n devices, and subscribes to all of them.
func subscribeBench(b *testing.B, h *benchHub, format string, n int, platformFields map[string]any) {
	h.call(b, "POST", "/clients", "", map[string]any{"clientId": benchClient, "responseFormat": format,
		"responseDelivery": "CLIENT_PULL", "receivingCapacity": 5000}, http.StatusCreated)
	reg := map[string]any{"platformId": benchPlatform, "type": "http://inter-iot.eu/MWTestPlatform", "name": "bench"}
	for k, v := range platformFields {
		reg[k] = v
	}
	h.call(b, "POST", "/platforms", benchClient, reg, http.StatusAccepted)
	waitStatus(b, h, benchClient, "/platforms/"+url.PathEscape(benchPlatform), http.StatusOK)
	var devs []map[string]any
	var ids []string
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("http://bench.example/device/%d", i)
		ids = append(ids, id)
		devs = append(devs, map[string]any{"deviceId": id, "hostedBy": benchPlatform, "deviceTypes": []string{"SENSOR"}})
	}
	h.call(b, "POST", "/devices", benchClient, map[string]any{"devices": devs}, http.StatusAccepted)
	waitDevices(b, h, benchClient, benchPlatform, n)
	h.call(b, "POST", "/subscriptions", benchClient, map[string]any{"deviceIds": ids}, http.StatusAccepted)
}

// measureObservations pulls for a warm-up and a measured window and reports
// the rate received and the latency percentiles from dateTimeStamp.
func measureObservations(b *testing.B, h *benchHub, format string) {
	const warmup, window = 2 * time.Second, 8 * time.Second
	var lat []float64
	received := 0
	start := time.Now()
	measuring := false
	var mStart time.Time
	b.ResetTimer()
	for time.Since(start) < warmup+window {
		if !measuring && time.Since(start) >= warmup {
			measuring, mStart, lat, received = true, time.Now(), lat[:0], 0
		}
		data := h.call(b, "POST", "/responses", benchClient, nil, http.StatusOK)
		now := time.Now()
		stamps := observationStamps(b, format, data)
		if len(stamps) == 0 {
			// An empty answer: poll again shortly, as a client would,
			// rather than spin against the hub's CPU.
			<-time.After(time.Millisecond)
		}
		for _, stamp := range stamps {
			received++
			if ts, err := time.Parse(time.RFC3339Nano, stamp); err == nil {
				lat = append(lat, float64(now.Sub(ts))/float64(time.Millisecond))
			}
		}
	}
	elapsed := time.Since(mStart)
	b.StopTimer()
	sort.Float64s(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	b.ReportMetric(float64(received)/elapsed.Seconds(), "obs/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// observationStamps returns the dateTimeStamps of the observations in a
// pulled batch. JSON-LD batches are scanned, not decoded, so that the
// client does not compete with the hub for the CPU: the hub's canonical form
// writes each message's types and stamp with fixed keys.
func observationStamps(b *testing.B, format string, data []byte) []string {
	var out []string
	if format == "JSON" {
		var batch []struct {
			Types []string `json:"messageTypes"`
			Stamp string   `json:"dateTimeStamp"`
		}
		if err := json.Unmarshal(data, &batch); err != nil {
			b.Fatal(err)
		}
		for _, m := range batch {
			if len(m.Types) == 1 && m.Types[0] == "OBSERVATION" {
				out = append(out, m.Stamp)
			}
		}
		return out
	}
	const typ, key = `"InterIoTMsg:Observation"`, `"InterIoTMsg:dateTimeStamp":"`
	for {
		i := bytes.Index(data, []byte(typ))
		if i < 0 {
			return out
		}
		data = data[i:]
		j := bytes.Index(data, []byte(key))
		if j < 0 {
			return out
		}
		data = data[j+len(key):]
		if k := bytes.IndexByte(data, '"'); k >= 0 {
			out = append(out, string(data[:k]))
		}
	}
}

// waitStatus polls a GET until it answers want.
func waitStatus(b *testing.B, h *benchHub, client, path string, want int) {
	b.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest("GET", h.base+"/api/mw2mw"+path, nil)
		req.Header.Set("Client-ID", client)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == want {
				return
			}
		}
		time.Sleep(20 * time.Millisecond) // polling; bounded by the deadline
	}
	b.Fatalf("GET %s never answered %d", path, want)
}

func waitDevices(b *testing.B, h *benchHub, client, platform string, n int) {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var devs []json.RawMessage
		json.Unmarshal(h.call(b, "GET", "/devices?platformId="+url.QueryEscape(platform), client, nil, http.StatusOK), &devs)
		if len(devs) >= n {
			return
		}
		time.Sleep(50 * time.Millisecond) // polling the registry; bounded by the deadline
	}
	b.Fatalf("the platform never confirmed its %d devices", n)
}
