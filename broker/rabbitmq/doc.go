// Package rabbitmq is the broker backend for RabbitMQ (AMQP 0-9-1), the
// transport of a distributed intermw: every component publishes and
// consumes the design's topics through it when the broker URL is amqp:// or
// amqps://. It passes the broker/brokertest conformance suite.
//
// # Topology
//
// Each topic is a durable topic exchange named after the topic. Each
// consumer group of a topic is a durable queue named QueueName(topic, group)
// ("{topic}:{group}"), bound to the exchange with "#", so every group gets
// every message (fan-out) and the subscriptions of one group compete for
// the messages of its queue. A group receives what is published after its
// queue exists, and keeps receiving while it has no subscription. The
// dead-letter topic of a topic (broker.DeadLetterTopic) and the error topic
// are ordinary topics: exchanges created by the first publish.
//
// # Messages
//
// Publish sends a persistent message (delivery mode 2) with the key as
// routing key and in the x-intermw-key header (HeaderKey), the message's
// headers as AMQP string headers, and returns after the server's publisher
// confirm. All publishes share one channel in confirm mode; concurrent
// publishers pipeline on it.
//
// # Delivery, redelivery and order
//
// A subscription consumes its group's queue with manual acks and a prefetch
// of Config.Prefetch. With Options.Concurrency above 1, deliveries go to
// Concurrency workers by a hash of the key, so a key's messages are handled
// one at a time, in order, within the subscription. A handler error is
// retried in place: the delivery stays unacknowledged, the worker waits
// Options.RedeliveryDelay and calls the handler again with Attempt one
// higher, up to Options.MaxDeliveries; then the message is published to
// the dead-letter topic and the error topic (broker.DeadLetter's headers)
// and acknowledged. Retrying in place, rather than requeueing or
// republishing the message, is what keeps a key's later messages behind a
// failing one; the attempt count lives in the subscription, so a message
// the server redelivers after a consumer died starts again at Attempt 2.
//
// RabbitMQ does not keep per-key order across several consumers of one
// queue, so by default per-key order holds within one subscription
// (brokertest's KeyOrderAcrossSubscriptions is not claimed). A deployment
// that needs order across a group's replicas sets
// Config.SingleActiveConsumer: the group's queue then has one active
// consumer and the others stand by (failover instead of load sharing).
//
// # Connection loss
//
// The broker watches its connection; when the server goes away it redials
// with capped exponential backoff (Config.ReconnectMin..ReconnectMax),
// every subscription re-declares its topology and consumes again, and
// Publish waits and retries until its context ends (the error then wraps
// broker.ErrUnreachable). Messages unacknowledged when the connection
// dropped are redelivered by the server: delivery is at least once.
package rabbitmq
