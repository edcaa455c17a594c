// Package conversation keeps the hub's conversation → client routing: for
// every conversation the ARM opens it records which client asked, what kind
// of conversation it is and how many platforms a request fanned out to, so
// that every reply reaches its client and a request ends exactly when its
// last expected reply has arrived (or its deadline passes).
//
// It fits the picture of ARCHITECTURE.md section 1 at step 6 of the message
// flows: the ARM opens a conversation (Table.Open) before it publishes a
// request on arm_prm, and looks every message that comes back on prm_arm up
// with Table.OnReply, which names the client and says whether the
// conversation just ended. INTER-MW kept this map in memory only and
// forgot a multi-platform request at its first reply; this package counts
// distinct replying platforms (an Error reply counts as that platform's
// reply) and persists every record.
//
// # Kinds
//
// A request (KindRequest) ends when replies from ExpectedReplies distinct
// sender platforms have arrived; Expired lists requests past their Deadline
// so the ARM can answer the client with an Error and Close them.
// Subscriptions (KindSubscription, KindVirtualSubscription) never end on
// their own: observations keep arriving under the subscription's
// conversationID until the ARM Closes it on unsubscribe.
//
// # Persistence
//
// A Table caches every record in memory and writes through to a Store:
//
//   - FileStore, for all-in-one: an append-only log in the data directory
//     (length, CRC-32C, then the operation), fsynced on every change,
//     replayed on start (a torn tail is cut off) and compacted when most of
//     it is dead.
//   - TripleStore, for distributed mode: one named graph (by default
//     <http://inter-iot.eu/INTERMW#conversations>) over any
//     triplestore.Store, written only through triplestore.Bind, so that
//     every ARM replica sees the same conversations. A replica that misses
//     a conversation in its cache reads it from the store.
//
// # The observation path
//
// OnReply for a subscription is a read-locked map lookup: no I/O and no
// allocation (see BenchmarkOnReplySubscription). Only requests, whose
// reply counts change, write to the store.
//
// # Limits
//
// In distributed mode, reply counting is a read-modify-write of the record:
// brokers that partition by key (the message key is the conversationID)
// give one conversation's replies to one replica, so counts stay exact;
// with competing consumers two replicas may race on one multi-platform
// request, in which case the deadline still ends it. A replica's cache is
// not told when another replica closes a subscription; routing a late
// observation of a closed subscription is harmless (the client asked for
// it) and the entry disappears on restart.
package conversation
