package quadstore

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/intermw/intermw/ontology/rdf"
)

// registry generates a device registry shaped like intermw's: one named
// graph per device holding ten triples (types, name, platform, location,
// observed properties, id, last update, label).
func registry(devices int) []rdf.Quad {
	const (
		iiot = "http://inter-iot.eu/GOIoTP#"
		sosa = "http://www.w3.org/ns/sosa/"
	)
	typ := rdf.IRI(rdf.RDFType)
	p := func(ns, l string) rdf.Term { return rdf.IRI(ns + l) }
	var (
		iotDevice = p(iiot, "IoTDevice")
		sensor    = p(sosa, "Sensor")
		actuator  = p(sosa, "Actuator")
		hasName   = p(iiot, "hasName")
		hostedBy  = p(iiot, "isHostedBy")
		location  = p(iiot, "hasLocation")
		observes  = p(sosa, "observes")
		deviceID  = p(iiot, "hasDeviceId")
		updated   = p(iiot, "hasLastUpdate")
		label     = rdf.IRI("http://www.w3.org/2000/01/rdf-schema#label")
	)
	var platforms, locations, props []rdf.Term
	for i := range 50 {
		platforms = append(platforms, rdf.IRI(fmt.Sprintf("http://inter-iot.eu/platforms/platform-%d", i)))
	}
	for i := range 2000 {
		locations = append(locations, rdf.IRI(fmt.Sprintf("http://inter-iot.eu/locations/site-%d", i)))
	}
	for i := range 20 {
		props = append(props, rdf.IRI(fmt.Sprintf("http://inter-iot.eu/properties/property-%d", i)))
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	qs := make([]rdf.Quad, 0, devices*10)
	for i := range devices {
		dev := rdf.IRI(fmt.Sprintf("http://inter-iot.eu/platforms/platform-%d/devices/device-%07d", i%50, i))
		g := rdf.IRI(fmt.Sprintf("http://inter-iot.eu/registry/devices/%07d", i))
		kind := sensor
		if i%4 == 0 {
			kind = actuator
		}
		for _, t := range []rdf.Triple{
			{S: dev, P: typ, O: iotDevice},
			{S: dev, P: typ, O: kind},
			{S: dev, P: hasName, O: rdf.String(fmt.Sprintf("Device %d", i))},
			{S: dev, P: hostedBy, O: platforms[i%50]},
			{S: dev, P: location, O: locations[i%2000]},
			{S: dev, P: observes, O: props[i%20]},
			{S: dev, P: observes, O: props[(i+7)%20]},
			{S: dev, P: deviceID, O: rdf.String(fmt.Sprintf("dev-%07d", i))},
			{S: dev, P: updated, O: rdf.Literal(base.Add(time.Duration(i)*time.Second).Format(time.RFC3339), rdf.XSDDateTime)},
			{S: dev, P: label, O: rdf.LangLiteral(fmt.Sprintf("device %d", i), "en")},
		} {
			qs = append(qs, t.InGraph(g))
		}
	}
	return qs
}

var (
	registryOnce  sync.Once
	registry1M    []rdf.Quad
	loadedOnce    sync.Once
	loadedStore   *Store
	loadedDevices = 100000
)

func registryData() []rdf.Quad {
	registryOnce.Do(func() { registry1M = registry(loadedDevices) })
	return registry1M
}

// loaded returns a shared store holding the 1M-triple registry. It is
// never closed (benchmarks only; in-memory stores hold no resources).
func loaded(b *testing.B) *Store {
	loadedOnce.Do(func() {
		s, err := Open(Config{})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Load(context.Background(), registryData()); err != nil {
			b.Fatal(err)
		}
		loadedStore = s
	})
	return loadedStore
}

// cpuTime returns the process's user+system CPU time. The machine is
// shared, so throughput per CPU-second is steadier than per wall second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per operation since c0.
func reportCPU(b *testing.B, c0 time.Duration) {
	b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkLoad bulk-loads 1M registry triples (100k named graphs) into a
// fresh in-memory store per iteration and reports triples/s and the
// resident heap per triple after GC, with the input released.
func BenchmarkLoad(b *testing.B) {
	for _, bc := range []struct {
		name string
		dir  bool
	}{{"memory", false}, {"dir", true}} {
		b.Run(bc.name, func(b *testing.B) {
			var perTriple float64
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				before := heapInUse()
				qs := registry(loadedDevices)
				n := len(qs)
				cfg := Config{}
				if bc.dir {
					cfg.Dir = b.TempDir()
				}
				b.StartTimer()
				c0 := cpuTime()
				s, err := Open(cfg)
				if err != nil {
					b.Fatal(err)
				}
				if err := s.Load(context.Background(), qs); err != nil {
					b.Fatal(err)
				}
				cpu += cpuTime() - c0
				b.StopTimer()
				qs = nil
				after := heapInUse()
				perTriple = float64(after-before) / float64(n)
				runtime.KeepAlive(s)
				s.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(loadedDevices*10*b.N)/b.Elapsed().Seconds(), "triples/s")
			b.ReportMetric(float64(loadedDevices*10*b.N)/cpu.Seconds(), "triples/cpu-s")
			b.ReportMetric(perTriple, "heapB/triple")
		})
	}
}

// BenchmarkLoadBaselineMap is the naive baseline for memory and speed: a Go
// map set of rdf.Quad values (no indexes at all).
func BenchmarkLoadBaselineMap(b *testing.B) {
	var perTriple float64
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		before := heapInUse()
		qs := registry(loadedDevices)
		n := len(qs)
		b.StartTimer()
		c0 := cpuTime()
		set := make(map[rdf.Quad]struct{})
		for _, q := range qs {
			set[q] = struct{}{}
		}
		cpu += cpuTime() - c0
		b.StopTimer()
		qs = nil
		perTriple = float64(heapInUse()-before) / float64(n)
		runtime.KeepAlive(set)
		b.StartTimer()
	}
	b.ReportMetric(float64(loadedDevices*10*b.N)/b.Elapsed().Seconds(), "triples/s")
	b.ReportMetric(float64(loadedDevices*10*b.N)/cpu.Seconds(), "triples/cpu-s")
	b.ReportMetric(perTriple, "heapB/triple")
}

// BenchmarkMatch scans selective patterns on the 1M-triple store.
func BenchmarkMatch(b *testing.B) {
	s := loaded(b)
	sn := s.Snapshot()
	dev, _ := sn.Find(rdf.IRI("http://inter-iot.eu/platforms/platform-7/devices/device-0012357"))
	g, _ := sn.Find(rdf.IRI("http://inter-iot.eu/registry/devices/0012357"))
	hostedBy, _ := sn.Find(rdf.IRI("http://inter-iot.eu/GOIoTP#isHostedBy"))
	platform, _ := sn.Find(rdf.IRI("http://inter-iot.eu/platforms/platform-7"))
	for _, bc := range []struct {
		name       string
		s, p, o, g ID
		want       int
	}{
		{"subject", dev, 0, 0, 0, 10},
		{"graph", 0, 0, 0, g, 10},
		{"predicate-object 2000 results", 0, hostedBy, platform, 0, 2000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c0 := cpuTime()
			for b.Loop() {
				n := 0
				sn.Match(bc.s, bc.p, bc.o, bc.g, func([4]ID) bool { n++; return true })
				if n != bc.want {
					b.Fatalf("%d results, want %d", n, bc.want)
				}
			}
			reportCPU(b, c0)
		})
	}
}

// BenchmarkCount counts a pattern on the 1M-triple store.
func BenchmarkCount(b *testing.B) {
	s := loaded(b)
	sn := s.Snapshot()
	hostedBy, _ := sn.Find(rdf.IRI("http://inter-iot.eu/GOIoTP#isHostedBy"))
	platform, _ := sn.Find(rdf.IRI("http://inter-iot.eu/platforms/platform-7"))
	c0 := cpuTime()
	for b.Loop() {
		if n := sn.Count(0, hostedBy, platform, 0); n != 2000 {
			b.Fatalf("count %d", n)
		}
	}
	reportCPU(b, c0)
}

// BenchmarkFindTerm measures the dictionary both ways.
func BenchmarkFindTerm(b *testing.B) {
	s := loaded(b)
	t := rdf.IRI("http://inter-iot.eu/platforms/platform-7/devices/device-0012357")
	id, _ := s.Find(t)
	b.Run("Find", func(b *testing.B) {
		c0 := cpuTime()
		for b.Loop() {
			if _, ok := s.Find(t); !ok {
				b.Fatal("not found")
			}
		}
		reportCPU(b, c0)
	})
	b.Run("Term", func(b *testing.B) {
		c0 := cpuTime()
		for b.Loop() {
			if s.Term(id).Value == "" {
				b.Fatal("empty")
			}
		}
		reportCPU(b, c0)
	})
}

// BenchmarkCommitSmall commits a 5-quad transaction into the 1M store's
// shape (in memory; the WAL variant syncs to the test's temp directory).
func BenchmarkCommitSmall(b *testing.B) {
	for _, dir := range []bool{false, true} {
		name := "memory"
		if dir {
			name = "dir-fsync"
		}
		b.Run(name, func(b *testing.B) {
			cfg := Config{}
			if dir {
				cfg.Dir = b.TempDir()
			}
			s, err := Open(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			i := 0
			c0 := cpuTime()
			for b.Loop() {
				i++
				tx := s.Begin()
				for _, q := range crashTxn(i) {
					tx.Add(q)
				}
				if err := tx.Commit(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, c0)
		})
	}
}

// smallMessage is the mediator's case: about 20 triples of one message.
func smallMessage() []rdf.Quad {
	qs := registry(2)
	return qs[:20]
}

// BenchmarkSmallStore is the semantic mediator's pattern: a throwaway
// in-memory store per message, 20 adds, then a few matches.
func BenchmarkSmallStore(b *testing.B) {
	msg := smallMessage()
	typ := rdf.IRI(rdf.RDFType)
	b.Run("quadstore", func(b *testing.B) {
		b.ReportAllocs()
		c0 := cpuTime()
		for b.Loop() {
			s, _ := Open(Config{})
			tx := s.Begin()
			for _, q := range msg {
				tx.Add(q)
			}
			tx.Commit(context.Background())
			sn := s.Snapshot()
			p, _ := sn.Find(typ)
			n := 0
			sn.Match(0, p, 0, 0, func(q [4]ID) bool { n++; _ = sn.Term(q[0]); return true })
			sn.Match(0, 0, 0, 0, func(q [4]ID) bool { n++; return true })
			if n != 24 {
				b.Fatalf("n = %d", n)
			}
			s.Close()
		}
		reportCPU(b, c0)
	})
	b.Run("quadstore-Load", func(b *testing.B) {
		b.ReportAllocs()
		c0 := cpuTime()
		for b.Loop() {
			s, _ := Open(Config{})
			s.Load(context.Background(), msg)
			sn := s.Snapshot()
			p, _ := sn.Find(typ)
			n := 0
			sn.Match(0, p, 0, 0, func(q [4]ID) bool { n++; _ = sn.Term(q[0]); return true })
			sn.Match(0, 0, 0, 0, func(q [4]ID) bool { n++; return true })
			if n != 24 {
				b.Fatalf("n = %d", n)
			}
			s.Close()
		}
		reportCPU(b, c0)
	})
	b.Run("baseline-slice", func(b *testing.B) {
		b.ReportAllocs()
		c0 := cpuTime()
		for b.Loop() {
			var qs []rdf.Quad
			seen := map[rdf.Quad]struct{}{}
			for _, q := range msg {
				if _, ok := seen[q]; !ok {
					seen[q] = struct{}{}
					qs = append(qs, q)
				}
			}
			n := 0
			for _, q := range qs {
				if q.P == typ {
					n++
				}
			}
			n += len(qs)
			if n != 24 {
				b.Fatalf("n = %d", n)
			}
		}
		reportCPU(b, c0)
	})
}

// BenchmarkCommitParallel commits 5-quad transactions from many goroutines
// into a store with a data directory and fsync, showing group commit:
// fsyncs/commit falls below 1 as committers overlap.
func BenchmarkCommitParallel(b *testing.B) {
	s, err := Open(Config{Dir: b.TempDir(), SnapshotEvery: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var n atomic.Int64
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(n.Add(1))
			tx := s.Begin()
			for _, q := range crashTxn(i) {
				tx.Add(q)
			}
			if err := tx.Commit(context.Background()); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(s.Stats().WALSyncs)/float64(n.Load()), "fsyncs/commit")
}

// BenchmarkReopen measures start-up with the 1M-triple registry on disk:
// replaying it from the write-ahead log, and loading it from a snapshot
// file. It also times writing that snapshot file.
func BenchmarkReopen(b *testing.B) {
	dir := b.TempDir()
	s, err := Open(Config{Dir: dir, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Load(context.Background(), registryData()); err != nil {
		b.Fatal(err)
	}
	s.Close()
	reopen := func(b *testing.B) {
		for b.Loop() {
			s, err := Open(Config{Dir: dir, NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			if n := s.Snapshot().Len(); n != loadedDevices*10 {
				b.Fatalf("%d quads", n)
			}
			s.Close()
		}
	}
	b.Run("from-WAL", reopen)
	b.Run("write-snapshot-file", func(b *testing.B) {
		s, err := Open(Config{Dir: dir, NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		for b.Loop() {
			if err := s.Checkpoint(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("from-snapshot-file", reopen)
}

// BenchmarkMatchWithLayers is BenchmarkMatch/subject on a store that has
// taken 2000 small commits since its bulk load, so reads merge the base
// with several change layers.
func BenchmarkMatchWithLayers(b *testing.B) {
	s, err := Open(Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Load(context.Background(), registryData()); err != nil {
		b.Fatal(err)
	}
	for i := range 2000 {
		tx := s.Begin()
		for _, q := range crashTxn(i) {
			tx.Add(q)
		}
		if err := tx.Commit(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	layers := s.Stats().Layers
	sn := s.Snapshot()
	dev, _ := sn.Find(rdf.IRI("http://inter-iot.eu/platforms/platform-7/devices/device-0012357"))
	c0 := cpuTime()
	for b.Loop() {
		n := 0
		sn.Match(dev, 0, 0, 0, func([4]ID) bool { n++; return true })
		if n != 10 {
			b.Fatalf("%d results", n)
		}
	}
	reportCPU(b, c0)
	b.ReportMetric(float64(layers), "layers")
}
