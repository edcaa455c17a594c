package rabbitmq

import (
	"context"
	"fmt"

	"github.com/intermw/intermw/broker"
)

var _ broker.GroupRemover = (*Broker)(nil)

// RemoveGroup deletes the group's durable queue and what it holds.
func (b *Broker) RemoveGroup(ctx context.Context, topic, group string) error {
	conn, err := b.connection(ctx)
	if err != nil {
		return err
	}
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("rabbitmq: %w", err)
	}
	defer ch.Close()
	if _, err := ch.QueueDelete(QueueName(topic, group), false, false, false); err != nil {
		return fmt.Errorf("rabbitmq: deleting queue %s: %w", QueueName(topic, group), err)
	}
	return nil
}
