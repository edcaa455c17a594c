// Package memory is intermw's default broker: an in-process implementation
// of broker.Broker for the all-in-one `intermw serve`, and an honest fake in
// tests of the packages above the broker (it passes brokertest like every
// other backend).
//
// # Model
//
// A topic fans out to consumer groups; a group is a bounded queue shared by
// its subscriptions, which compete for its messages. Inside a group a
// message goes to one of Config.Lanes ordered lanes, chosen by a hash of its
// key (keyless messages are spread round-robin). A lane is handled by one
// handler at a time, in order, so a key's messages are handled one at a
// time and in publish order whatever Options.Concurrency is and however many
// subscriptions the group has; different lanes run in parallel. A worker
// takes up to a batch of messages from a lane at once, which keeps locking
// to a few operations per batch rather than per message.
//
// # Delivery
//
// At-least-once within the process: a message stays counted in its group
// until its handler returns nil. A handler error (or panic) puts the message
// back at the head of its lane, which waits Options.RedeliveryDelay before
// handing it out again with Attempt one higher, so per-key order survives
// redelivery; other lanes carry on. After Options.MaxDeliveries failed
// deliveries the message is published, with broker.DeadLetter's headers, to
// broker.DeadLetterTopic(topic) and a copy to broker.ErrorTopic, and the lane
// moves on. A handler interrupted by Close or Subscription.Close (its error
// returned while its context is cancelled) is not a failure: the message goes
// back to its lane for the group's other subscriptions.
//
// # Topics and groups without consumers
//
// A message published to a topic that no group has ever subscribed to is
// dropped, like a message sent to a fanout exchange without queues. A group,
// once created by a Subscribe, lives as long as the broker, like a durable
// queue: when its last subscription closes it keeps buffering, and a later
// subscription to it receives everything buffered, so nothing is lost across
// a consumer restart. Its buffer is bounded by Config.QueueCapacity
// (messages, queued and unacknowledged together); when it is full, Publish
// blocks until there is room or the publisher's context ends. We chose
// blocking over dropping: a group nobody consumes any more eventually stalls
// its topic's publishers, which see it as their context's error, rather than
// losing messages silently. That is also what RabbitMQ does with a bounded
// queue that rejects publishes when full.
//
// A Publish to a topic with several groups enqueues to them one by one; if
// its context ends while waiting for room in one group, the groups before it
// already hold the message, and a retried Publish delivers it to them again
// (at-least-once).
//
// Dead letters are published like any message, so a full group on the
// dead-letter or error topic holds up the lane whose message is being
// dead-lettered until there is room or the subscription closes.
//
// Close, Drain and Subscription.Close wait for running handlers, so a
// handler must not call them on its own broker or subscription.
//
// Publish copies the body and headers; handlers must treat a delivered
// message's Body and Headers as read-only, since the groups of a topic share
// them. Nothing survives Close: the broker is not persistent.
package memory
