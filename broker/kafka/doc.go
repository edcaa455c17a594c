// Package kafka is the broker backend for Apache Kafka (and servers that
// speak its protocol), built on segmentio/kafka-go.
//
// It is how intermw runs distributed on Kafka, and how IPSMRM can drive an
// external ipsm-core. Topics map to Kafka topics, created on first use with
// Config.Partitions partitions; a message's key (its ConversationID) is the
// record key, and the hash balancer puts one key in one partition. Headers
// are record headers.
//
// Each (topic, group) pair is a Kafka consumer group named "{group}.{topic}":
// distinct groups each read every record (fan-out) and a group's members
// share the topic's partitions (competing consumers), so per-key order holds
// across the whole group. A group that has never read a topic starts at its
// end when it first subscribes, so it receives what is published after
// Subscribe returns and nothing older.
//
// Delivery is at-least-once: an offset is committed only after the handler
// returned nil for that record and for every earlier record of its
// partition. A failing handler is retried in place, keeping the partition in
// order, up to Options.MaxDeliveries with Options.RedeliveryDelay between
// tries; then the record goes to broker.DeadLetterTopic(topic), a copy goes
// to broker.ErrorTopic (both built with broker.DeadLetter), and the offset
// moves on. With Options.Concurrency above 1 records run in parallel lanes
// chosen by key, so one key's records still run one at a time, in order;
// commits still never pass an unfinished record.
//
// Subscription.Close and Broker.Close stop at once and leave unfinished
// records to the group (its other members after a rebalance, or the next
// member to join); Drain stops fetching, lets running handlers finish and
// commits. kafka-go reconnects by itself after a server restart.
package kafka
