// Package brokertest is the conformance suite every broker backend runs: one
// set of tests, in the style of Watermill's universal pub/sub tests, so that
// the in-memory broker is an honest fake for RabbitMQ, Kafka, MQTT and NATS
// JetStream, and so that adding a backend means passing a known list.
//
// A backend's test calls Run with a constructor and a Features value listing
// what the backend cannot do or needs (a way to restart its server, a scale
// for slow timeouts, goroutines its client library keeps). Its benchmark
// calls Bench, and BenchChannel for the raw-channel baseline, so that every
// backend is measured by the same loop.
//
// The suite checks the contract of package broker, made precise here:
//
//   - Every group receives every message published to a topic after its
//     Subscribe returned; a message published before a group existed may or
//     may not reach it (Features.NewGroupsSeeOldMessages).
//   - Within a group, subscriptions compete; per-key order holds within a
//     subscription whatever Options.Concurrency is, and handlers really run
//     Concurrency at a time.
//   - Publish copies what it needs: the caller may reuse the body and
//     headers once Publish returns.
//   - A handler error (or panic: see broker.CallHandler) redelivers the
//     message (same key, headers, body) no sooner than RedeliveryDelay, with
//     Attempt one higher; after MaxDeliveries failed deliveries the message
//     goes to DeadLetterTopic(topic), built with broker.DeadLetter, and a
//     copy to ErrorTopic.
//   - Publish and Subscribe fail with the context's error when it is already
//     cancelled; the context of Subscribe bounds the call only, not the
//     subscription.
//   - Subscription.Close cancels the context of its running handlers, waits
//     for them, and leaves unacknowledged messages to the rest of the group.
//   - Broker.Close cancels handlers' contexts, waits for them and returns;
//     it is idempotent; afterwards Publish and Subscribe fail with ErrClosed.
//   - Drain starts no new deliveries (they stay with the group), lets
//     running handlers finish with an uncancelled context (and lets them
//     Publish), then closes; when its context ends first, it closes at once
//     and returns the context's error.
//   - On a server (Features.Persistent), groups outlive broker instances and
//     span them: two instances subscribed to one group compete, as replicas
//     of a component in different processes do.
//   - Names built by broker's topic helpers are accepted; the empty name is
//     rejected with ErrInvalidTopic or ErrInvalidGroup.
//   - Nothing leaks: every test ends with a goleak check.
//
// Every test uses fresh topic and group names (a random suffix), so runs
// against a shared server do not interfere; tests do not run in parallel
// because the leak check looks at the whole process.
package brokertest
