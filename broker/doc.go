// Package broker is the only way intermw's components talk to each other: a
// small publish/subscribe interface with consumer groups, at-least-once
// delivery, redelivery and dead-lettering, and helpers that build the topic
// names of the design's topic table.
//
// Backends live in subpackages (memory, rabbitmq, kafka, mqtt, nats) and all
// pass the conformance suite in brokertest. Open picks one from a URL.
package broker
