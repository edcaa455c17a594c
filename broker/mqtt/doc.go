// Package mqtt is the broker backend for MQTT 5 servers (Mosquitto 2 and
// others), built on eclipse/paho.golang and its autopaho package, which
// reconnects with exponential backoff after the server goes away.
//
// It lets intermw's components talk over an MQTT server that an IoT
// deployment often runs anyway. Topics are MQTT topics (after
// Config.TopicPrefix); every message goes with QoS 1. The key (the
// ConversationID) travels in the user property "x-intermw-key" and each
// header as a user property of its own; values that are not valid MQTT
// strings are base64-encoded under reserved property names.
//
// A consumer group is an MQTT 5 shared subscription, $share/{group}/{topic}:
// distinct groups each get every message (fan-out) and the server hands a
// group's messages out one by one among its subscriptions (competing
// consumers). Each subscription is its own connection with a persistent
// session (clean start off, Config.SessionExpiry), whose client ID is
// Config.ClientID, a hash of topic and group, and a slot number: the n-th
// concurrent subscription of a group gets the same ID every time, so a
// reconnecting or restarted process resumes its sessions and gets the QoS 1
// messages queued in them.
//
// Messages are acknowledged by hand, only after the handler returned nil
// (or the message was dead-lettered). MQTT servers redeliver unacknowledged
// messages only on reconnection, so a failing handler is retried in
// process, up to Options.MaxDeliveries with Options.RedeliveryDelay between
// tries; then the message goes to broker.DeadLetterTopic(topic) with a copy
// on broker.ErrorTopic (both built with broker.DeadLetter) and is
// acknowledged.
//
// Order: within one subscription one key's messages are handled one at a
// time in arrival order, whatever Options.Concurrency is (lanes are chosen
// by key). Across the subscriptions of a group there is no per-key order,
// since the server distributes message by message; a group that needs it
// must have a single subscription.
//
// Subscription.Close unsubscribes and hands the messages it had received
// but not finished to the group's other members, through a hand-over topic
// only they subscribe to (servers keep such messages in the closed
// member's session instead); when there is no other member they stay in
// the session, for the same slot to pick up. Once a group's last
// subscription is closed the server drops the group's new messages.
// Broker.Close and Drain do the same for every subscription, unless
// Config.KeepSessions is set: then the sessions keep their subscriptions on
// the server, so a process restarted with the same, stable ClientID carries
// on where it stopped, messages published meanwhile included. A process
// that crashes, or never comes back with its ClientID, leaves its share of
// the group's messages in its sessions until they expire
// (Config.SessionExpiry): Mosquitto 2.0 keeps handing messages to a
// disconnected member of a shared subscription.
//
// Known server limits: Mosquitto 2.0 does not restore shared subscriptions
// from its persistence file when it restarts, so messages published after
// a server restart and before the subscriptions are made again (which
// happens on reconnection) reach no one; and it drops QoS 1 messages beyond
// max_queued_messages (1000 by default) for a slow session.
package mqtt
