// Package nats is the broker backend for NATS JetStream, an alternative
// transport of a distributed intermw selected by a nats:// broker URL. It
// passes the broker/brokertest conformance suite.
//
// # Streams, subjects and consumers
//
// Each topic has one stream, StreamName(prefix, topic), holding the
// subjects "{prefix}.{token}.{partition}.{key}": token escapes the topic
// ('_' to "__", '.' to "_D") because stream names and subject tokens cannot
// hold '.', the partition (of Config.Partitions) is a hash of the message's
// key, and the last token carries the key itself ("k" + key) when it is
// made of [A-Za-z0-9_-], as conversation ids are; other keys travel in the
// x-intermw-key header (HeaderKey). So a message without headers of its
// own travels without any, which matters: headers cost the server and
// nats.go noticeably (about 15% of the throughput of this package's
// benchmark, whose messages have none). Streams use limits retention and keep every message for
// Config.MaxAge (interest retention would drop, for every group, what is
// published while a restarting server has restored a stream but not yet its
// consumers). Each consumer group is a durable pull
// consumer with explicit acks, created with deliver-new, so a group
// receives what is published after its first Subscribe returned and keeps
// receiving while it has no subscription; the subscriptions of a group pull
// from the same consumer and so compete. The dead-letter and error topics
// are ordinary topics.
//
// # Delivery, redelivery and order
//
// Publish stores the message (its headers as NATS headers) and returns
// after JetStream's acknowledgement. By default a subscription pulls Config.Prefetch messages
// ahead and hands them to Options.Concurrency workers by a hash of the key,
// so a key's messages are handled one at a time, in order, within the
// subscription. A handler error is retried in place after
// Options.RedeliveryDelay (the message's AckWait restarted each time) with
// Attempt one higher, up to Options.MaxDeliveries; the first Attempt is the
// server's delivery count, so messages redelivered after a consumer died
// keep counting. Then the message goes to the dead-letter topic and the
// error topic (broker.DeadLetter's headers) and is acknowledged. The
// server's own MaxDeliver is unlimited: dead-lettering is ours.
//
// Config.OrderedGroups keeps per-key order across all of a group's
// subscriptions instead: the group gets one durable consumer per partition
// with at most one unacknowledged message, so a partition's next message is
// handed to nobody before the previous one was acknowledged; a failed
// message is negatively acknowledged with the redelivery delay, and the
// server redelivers it before anything after it. The costs are documented
// on the field.
//
// # Connection loss
//
// nats.go reconnects by itself, forever (Config.ReconnectWait between
// attempts); the pull consumers resume on the same durable consumers, which
// the server keeps on disk. Publish retries with capped exponential backoff
// until its context ends (the error then wraps broker.ErrUnreachable).
// Messages delivered but not yet acknowledged when the server went away
// come back after Config.AckWait; acknowledgements are not confirmed, so a
// message acknowledged just then may come again: delivery is at least once.
package nats
