// Package metered wraps any broker.Broker with Prometheus metrics, so that
// an operator sees every component's traffic, not just the ARM's:
// messages published per topic, messages handled per topic, group and
// outcome, and, where the backend can tell (broker.Depther), the depth of
// every consumer group. Topics named after a client, platform or platform
// type are counted under their fixed prefix, to keep label sets bounded.
package metered
