package conversation

import (
	"context"
	"testing"
)

// BenchmarkOnReplySubscription measures the observation path: routing an
// observation of a subscription (a cache hit).
func BenchmarkOnReplySubscription(b *testing.B) {
	ctx := context.Background()
	s, err := OpenFile(FileConfig{Dir: b.TempDir(), NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	tb, err := New(ctx, Config{Store: s})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		_ = tb.Open(ctx, Record{ConversationID: "conv" + string(rune('a'+i%26)) + string(rune(i)), ClientID: "c", Kind: KindSubscription})
	}
	if err := tb.Open(ctx, Record{ConversationID: "conv-hot", ClientID: "alice", Kind: KindSubscription}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r, err := tb.OnReply(ctx, "conv-hot", "http://p/a")
			if err != nil || r.ClientID != "alice" {
				b.Fatal(r, err)
			}
		}
	})
}

// BenchmarkOpenCloseFile measures a request's lifecycle on the file store
// with fsync (what a REST call pays).
func BenchmarkOpenCloseFile(b *testing.B) {
	ctx := context.Background()
	s, err := OpenFile(FileConfig{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	tb, _ := New(ctx, Config{Store: s})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		id := "conv" + string(rune(i))
		if err := tb.Open(ctx, request(id, "alice", "http://p/a")); err != nil {
			b.Fatal(err)
		}
		if r, err := tb.OnReply(ctx, id, "http://p/a"); err != nil || !r.Final {
			b.Fatal(r, err)
		}
	}
}
