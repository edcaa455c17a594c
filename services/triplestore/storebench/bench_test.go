package storebench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
	"github.com/intermw/intermw/services/triplestore/engine"
	"github.com/intermw/intermw/services/triplestore/protocol"
	"github.com/intermw/intermw/test/sparqlserver"
)

func devicesN() int {
	if s := os.Getenv("INTERMW_BENCH_DEVICES"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 100000
}

// fixture holds both stores loaded with the same data, built once per run.
type fixture struct {
	n        int
	ours     *engine.Engine
	oursHTTP string
	oxigraph string
}

var (
	fixOnce sync.Once
	fix     *fixture
)

func setup(b *testing.B) *fixture {
	fixOnce.Do(func() {
		n := devicesN()
		quads := Devices(n)
		var nq bytes.Buffer
		rdf.WriteNQuads(&nq, quads)
		ctx := context.Background()

		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		e := engine.NewMemory()
		if err := e.Load(ctx, quads); err != nil {
			b.Fatal(err)
		}
		oursLoad := time.Since(start)
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)

		start = time.Now()
		parsed, err := rdf.ParseNQuads(bytes.NewReader(nq.Bytes()))
		if err != nil {
			b.Fatal(err)
		}
		e2 := engine.NewMemory()
		if err := e2.Load(ctx, parsed); err != nil {
			b.Fatal(err)
		}
		oursParseLoad := time.Since(start)
		e2.Close()

		srv := sparqlserver.Start(b, sparqlserver.Options{})
		start = time.Now()
		resp, err := http.Post(srv.StoreURL, "application/n-quads", bytes.NewReader(nq.Bytes()))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			b.Fatalf("oxigraph load: %s", resp.Status)
		}
		oxLoad := time.Since(start)

		h, err := protocol.NewHandler(protocol.Config{Store: e})
		if err != nil {
			b.Fatal(err)
		}
		hs := httptest.NewServer(h)
		b.Cleanup(hs.Close)

		runtime.KeepAlive(quads)
		heap := float64(after.HeapAlloc) - float64(before.HeapAlloc)
		fmt.Printf("load %d quads: ours %.0f quads/s (in-process, parsed terms), ours %.0f quads/s (N-Quads text), oxigraph %.0f quads/s (N-Quads text over HTTP); ours/oxigraph text ratio %.2f\n",
			len(quads), float64(len(quads))/oursLoad.Seconds(), float64(len(quads))/oursParseLoad.Seconds(),
			float64(len(quads))/oxLoad.Seconds(), oxLoad.Seconds()/oursParseLoad.Seconds())
		fmt.Printf("memory: ours %.0f bytes per stored quad (Go heap growth after GC)\n", heap/float64(len(quads)))
		fix = &fixture{n: n, ours: e, oursHTTP: hs.URL, oxigraph: srv.URL}
	})
	if fix == nil {
		b.Fatal("setup failed")
	}
	return fix
}

// BenchmarkDiscovery runs each query shape on the embedded engine in
// process, on the embedded engine over HTTP, and on Oxigraph over HTTP.
func BenchmarkDiscovery(b *testing.B) {
	f := setup(b)
	for _, q := range Queries(f.n) {
		b.Run(q.Name+"/ours-inprocess", func(b *testing.B) {
			ctx := context.Background()
			for i := 0; i < b.N; i++ {
				res, err := f.ours.Query(ctx, q.Text)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := triplestore.Collect(res.Rows); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(q.Name+"/ours-http", func(b *testing.B) { benchHTTP(b, f.oursHTTP, q.Text) })
		b.Run(q.Name+"/oxigraph-http", func(b *testing.B) { benchHTTP(b, f.oxigraph, q.Text) })
	}
}

func benchHTTP(b *testing.B, endpoint, query string) {
	form := url.Values{"query": {query}}.Encode()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader([]byte(form)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/sparql-results+json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%s: %s", endpoint, resp.Status)
		}
	}
}
