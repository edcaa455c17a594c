package kafka

import (
	"context"
	"errors"
	"fmt"

	kafkago "github.com/segmentio/kafka-go"
)

// groupID is the Kafka consumer group behind intermw's group on topic.
// Each (topic, group) pair gets a Kafka group of its own, so subscribing one
// group to a second topic never rebalances the consumers of the first.
func groupID(topic, group string) string { return group + "." + topic }

// ensureTopic creates topic with cfg.Partitions partitions unless it is
// known to exist or topic creation is disabled.
func (b *Broker) ensureTopic(ctx context.Context, topic string) error {
	if b.cfg.DisableTopicCreation {
		return nil
	}
	b.mu.Lock()
	_, known := b.topics[topic]
	b.mu.Unlock()
	if known {
		return nil
	}
	resp, err := b.client.CreateTopics(ctx, &kafkago.CreateTopicsRequest{
		Topics: []kafkago.TopicConfig{{
			Topic:             topic,
			NumPartitions:     b.cfg.Partitions,
			ReplicationFactor: b.cfg.ReplicationFactor,
		}},
	})
	if err == nil {
		err = resp.Errors[topic]
	}
	if err != nil && !errors.Is(err, kafkago.TopicAlreadyExists) {
		return fmt.Errorf("kafka: create topic %q: %w", topic, err)
	}
	b.mu.Lock()
	b.topics[topic] = struct{}{}
	b.mu.Unlock()
	return nil
}

func (b *Broker) forgetTopic(topic string) {
	b.mu.Lock()
	delete(b.topics, topic)
	b.mu.Unlock()
}

// startGroupAtEnd commits the current end offsets of topic for a Kafka
// group that has no committed offsets yet, so a new group consumes what is
// published from now on. Kafka only accepts such a commit from outside the
// group while the group has no members; if a member has joined meanwhile,
// that member's Subscribe made the commit already.
func (b *Broker) startGroupAtEnd(ctx context.Context, topic, gid string) error {
	partitions, err := b.partitions(ctx, topic)
	if err != nil {
		return err
	}
	fetched, err := b.client.OffsetFetch(ctx, &kafkago.OffsetFetchRequest{
		GroupID: gid,
		Topics:  map[string][]int{topic: partitions},
	})
	if err == nil {
		err = fetched.Error
	}
	if errors.Is(err, kafkago.GroupIdNotFound) {
		err = nil // a group nobody has used yet
	}
	if err != nil {
		return fmt.Errorf("kafka: read offsets of group %q: %w", gid, err)
	}
	if fetched == nil {
		fetched = &kafkago.OffsetFetchResponse{}
	}
	for _, p := range fetched.Topics[topic] {
		if p.Error == nil && p.CommittedOffset >= 0 {
			return nil // the group has consumed this topic before
		}
	}

	reqs := make([]kafkago.OffsetRequest, len(partitions))
	for i, p := range partitions {
		reqs[i] = kafkago.LastOffsetOf(p)
	}
	listed, err := b.client.ListOffsets(ctx, &kafkago.ListOffsetsRequest{Topics: map[string][]kafkago.OffsetRequest{topic: reqs}})
	if err != nil {
		return fmt.Errorf("kafka: list offsets of %q: %w", topic, err)
	}
	commits := make([]kafkago.OffsetCommit, 0, len(partitions))
	for _, p := range listed.Topics[topic] {
		if p.Error != nil {
			return fmt.Errorf("kafka: list offsets of %q partition %d: %w", topic, p.Partition, p.Error)
		}
		commits = append(commits, kafkago.OffsetCommit{Partition: p.Partition, Offset: p.LastOffset})
	}
	resp, err := b.client.OffsetCommit(ctx, &kafkago.OffsetCommitRequest{
		GroupID:      gid,
		GenerationID: -1,
		Topics:       map[string][]kafkago.OffsetCommit{topic: commits},
	})
	if err != nil {
		return fmt.Errorf("kafka: start group %q at the end of %q: %w", gid, topic, err)
	}
	for _, p := range resp.Topics[topic] {
		if p.Error != nil && !errors.Is(p.Error, kafkago.IllegalGeneration) && !errors.Is(p.Error, kafkago.UnknownMemberId) && !errors.Is(p.Error, kafkago.RebalanceInProgress) {
			return fmt.Errorf("kafka: start group %q at the end of %q: %w", gid, topic, p.Error)
		}
	}
	return nil
}

// partitions lists topic's partition numbers.
func (b *Broker) partitions(ctx context.Context, topic string) ([]int, error) {
	md, err := b.client.Metadata(ctx, &kafkago.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, fmt.Errorf("kafka: metadata of %q: %w", topic, err)
	}
	for _, t := range md.Topics {
		if t.Name != topic {
			continue
		}
		if t.Error != nil {
			return nil, fmt.Errorf("kafka: metadata of %q: %w", topic, t.Error)
		}
		ps := make([]int, len(t.Partitions))
		for i, p := range t.Partitions {
			ps[i] = p.ID
		}
		return ps, nil
	}
	return nil, fmt.Errorf("kafka: metadata of %q: %w", topic, kafkago.UnknownTopicOrPartition)
}

// encodeHeaders turns message headers into Kafka record headers.
func encodeHeaders(h map[string]string) []kafkago.Header {
	if len(h) == 0 {
		return nil
	}
	out := make([]kafkago.Header, 0, len(h))
	for k, v := range h {
		out = append(out, kafkago.Header{Key: k, Value: []byte(v)})
	}
	return out
}

// decodeHeaders turns Kafka record headers into message headers; the last
// of repeated keys wins.
func decodeHeaders(hs []kafkago.Header) map[string]string {
	if len(hs) == 0 {
		return nil
	}
	out := make(map[string]string, len(hs))
	for _, h := range hs {
		out[h.Key] = string(h.Value)
	}
	return out
}
