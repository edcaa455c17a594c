package nats

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/intermw/intermw/broker"
)

var _ broker.GroupRemover = (*Broker)(nil)

// RemoveGroup deletes the group's durable consumers on the topic's stream
// (the group's one consumer, or one per partition in ordered mode).
func (b *Broker) RemoveGroup(ctx context.Context, topic, group string) error {
	stream := StreamName(b.cfg.Prefix, topic)
	names := []string{ConsumerName(group, -1)}
	if b.cfg.OrderedGroups {
		names = names[:0]
		for p := range b.cfg.Partitions {
			names = append(names, ConsumerName(group, p))
		}
	}
	for _, name := range names {
		rctx, cancel := b.request(ctx)
		err := b.js.DeleteConsumer(rctx, stream, name)
		cancel()
		if err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) && !errors.Is(err, jetstream.ErrStreamNotFound) {
			return fmt.Errorf("nats: deleting consumer %s of %s: %w", name, stream, err)
		}
	}
	return nil
}
