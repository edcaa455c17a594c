package channels

import (
	"context"
	"testing"

	"github.com/intermw/intermw/ipsmrm"
)

// BenchmarkTranslate compares, in one run, an upstream translation
// embedded, through an in-process Server over the memory broker (the
// external mode's overhead without Kafka), and a platform without
// alignments (pass-through).
func BenchmarkTranslate(b *testing.B) {
	lib := testLibrary(b)
	withUp := platformInfo(pid, upstream("Up", "1"))
	run := func(b *testing.B, m *Manager, info ipsmrm.PlatformInfo) {
		ctx := context.Background()
		msg := observation()
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if _, err := m.Translate(ctx, msg.Clone(), ipsmrm.Upstream, info); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("passthrough", func(b *testing.B) {
		m, _ := New(Config{Alignments: lib})
		defer m.Close()
		run(b, m, platformInfo(pid, nil))
	})
	b.Run("embedded", func(b *testing.B) {
		m, _ := New(Config{Alignments: lib})
		defer m.Close()
		run(b, m, withUp)
	})
	b.Run("external-memory", func(b *testing.B) {
		br := newMemory(b)
		codec := newCodec(b)
		s, err := NewServer(ServerConfig{Broker: br, Codec: codec, Alignments: lib, PlatformTypes: []string{ptype}})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		defer func() { cancel(); <-done }()
		<-s.Ready()
		m, _ := New(Config{External: &ExternalConfig{Broker: br, Codec: codec}})
		defer m.Close()
		run(b, m, withUp)
	})
}
