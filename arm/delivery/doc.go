// Package delivery holds each client's durable mailbox and the three ways
// out of it: pull (CLIENT_PULL, POST /responses), push (SERVER_PUSH to the
// client's callback URL) and Server-Sent Events (GET /responses/stream).
//
// It sits at the end of step 6 of the message flows (ARCHITECTURE.md
// section 1): the ARM publishes what comes back for a client on
// rest_api_{clientId}; Deliverer.Run consumes every client's topic (group
// "arm-delivery") into the client's mailbox and acknowledges a broker
// message only once its append is durable under the sync policy. Clients
// are learnt from a ClientDirectory when Run starts; afterwards the owner
// of the registry calls Upsert (register, update: switching pull/push, URL,
// capacity or format takes effect at once) and Remove (deletes the mailbox
// and its dead letters from disk).
//
// # Mailboxes
//
// One directory per client (named broker.EscapeID of its ID) holds
// append-only segment files, an ack file and a dead-letter log. Each entry
// is a header (length, CRC-32C, seq, dateTimeStamp) and the message's
// canonical JSON-LD exactly as it came off the broker: the client's format
// is applied at delivery, so a JSON_LD client's messages are never decoded
// at all and a format change applies to queued messages too. Sequence
// numbers increase and are never reused while the client exists; they are
// the SSE event ids. On start every segment is replayed with its CRCs
// checked, a torn tail is cut off, and segments below the ack offset are
// deleted; the same happens as commits advance the ack offset.
//
// Sync policies (Config.Sync): SyncBatch (default) makes each append wait
// for an fsync, shared by every concurrent appender (group commit), so
// throughput grows with the number of appends in flight (broker handler
// concurrency, number of clients); SyncInterval acknowledges after the
// write (safe against a process crash) and fsyncs every SyncInterval;
// SyncNone is for tests. The ack offset is fsynced lazily: a power cut may
// redeliver recently committed messages, never lose uncommitted ones
// (at-least-once).
//
// Disk use per client is bounded by MaxBytesPerClient: past it the oldest
// entries not being handed out move to the dead-letter list (counted in
// Metrics, logged). The dead-letter list is bounded by MaxDeadLetters; past
// it the oldest dead letters are dropped, counted (QueueStats) and logged.
// Nothing is dropped silently.
//
// # Pull
//
// Pull leases up to n of the oldest entries: no concurrent Pull or push
// hands them out again. The caller commits once its HTTP response is
// written; an uncommitted lease ends with the Pull's context (or after
// LeaseTimeout) and its entries return to the queue in order.
//
// # Push
//
// A SERVER_PUSH client gets a worker goroutine and an HTTP connection pool
// of its own, so a slow or dead endpoint delays no other client. It posts
// batches of up to receivingCapacity as a JSON array (Content-Type
// application/ld+json or application/json by format), requires a 2xx,
// retries with capped exponential backoff and ±50% jitter, keeps order
// (the next batch waits for this one), and after Push.MaxAttempts moves
// the batch to the dead-letter list (ListDeadLetters, Replay, Drop).
// Callback URLs must be http(s); loopback, private, link-local, CGNAT,
// multicast and unspecified targets are refused unless Config.WebhookAllow
// holds them, both when the URL is checked (ValidateCallbackURL) and, for
// the address a name resolves to, at dial time. Push uses no proxy and
// follows no redirect.
//
// # Server-Sent Events
//
// Stream and ServeSSE send one event per message ("id: <seq>", "data:"
// lines of the message in the client's format) with keepalive comments.
// SSE reads do not consume; resuming with Last-Event-ID acknowledges
// (removes) everything up to that id and continues after it, so a client
// that resumes with its last id loses nothing and sees nothing twice.
//
// # The JSON format
//
// RenderJSON renders INTER-MW's simplified response DTOs (messageTypes,
// senderPlatform, conversationId, …) and, unlike INTER-MW, carries every
// observation of a multi-observation message in "observations" (INTER-MW's
// single-observation fields are filled when there is exactly one).
//
// # Metrics
//
// Config.Metrics receives delivery latency (dateTimeStamp to hand-out),
// push attempts and dead-lettering; QueueStats gives queue depths for a
// collector to read at scrape time. Nothing is registered globally.
package delivery
