package backends_test

import (
	"context"
	"fmt"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/backends"
)

// Open a broker by URL, subscribe a consumer group, publish, and drain.
func Example() {
	ctx := context.Background()
	b, err := broker.Open(ctx, "memory://", backends.All(), broker.Options{}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	got := make(chan string, 1)
	sub, err := b.Subscribe(ctx, broker.RESTAPI("client-1"), "arm", func(ctx context.Context, m *broker.Message) error {
		got <- fmt.Sprintf("%s on %s (attempt %d)", m.Body, m.Topic, m.Attempt)
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sub.Close()
	if err := b.Publish(ctx, broker.RESTAPI("client-1"), broker.Message{Key: "conv1", Body: []byte("hello")}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(<-got)
	fmt.Println(b.Drain(ctx))
	// Output:
	// hello on rest_api_client-1 (attempt 1)
	// <nil>
}
