// Package arm is the API Request Manager: intermw's REST API under
// /api/mw2mw (the INTER-MW 2.5 surface, its paths, bodies, enum names and
// status codes), and the consumer that routes what comes back from the
// platforms to the clients' queues.
//
// It sits at the top of ARCHITECTURE.md's picture (sections 1, 4 and 6):
//
//   - A call that must reach a platform becomes an INTER-IoT request
//     (messages.Builder) whose clientID is the authenticated principal and
//     whose ReceiverPlatformIds name the platforms; its conversation is
//     opened in the persistent conversation table (arm/conversation) with
//     the number of platforms it fans out to, the request is published on
//     arm_prm, and the caller gets 202 {"conversationId": …}.
//   - Reads (lists, one entry, statistics, device filters, raw SPARQL) and
//     client and location management use the registry (services/registry)
//     directly and answer at once.
//   - Run consumes prm_arm (group "arm"), looks each message's conversation
//     up and publishes it on its client's queue rest_api_{clientId}; the
//     delivery layer (arm/delivery) holds the queue for pull (POST
//     /responses, committed only after the answer is written), push and
//     Server-Sent Events (GET /responses/stream). A request whose replies do
//     not all arrive in time is answered with an Error message.
//
// The small interfaces the ARM needs (ClientStore, DeviceReader,
// Conversations, Delivery, …) are declared here, in config.go;
// *registry.Registry, *conversation.Table and *delivery.Deliverer satisfy
// them.
//
// Every request body is limited (2 MiB by default, 413 beyond) and checked
// against the Swagger spec (package swagger) before a handler runs; every
// error answer is a JSON {"error", "message"} body, its status chosen by one
// table (errors.go) with errors.Is on the sentinels of the registry, the
// triplestore, the conversations, delivery, the codec and auth. Identifiers
// in paths are URL-encoded IRIs (%2F, %23) and are read unescaped.
//
// Identity comes from arm/auth: the principal is the clientId. A client sees
// and deletes only its own subscriptions and messages; platform, device and
// location management needs the admin role (in auth mode none every caller
// holds every role and names itself with the Client-ID header).
//
// The handler also serves /api/swagger.json and the Swagger UI at
// /api/docs, /healthz, /readyz and /metrics (Prometheus: REST latency by
// route and status, messages per topic, queue depths, routing latency,
// open and expired conversations).
//
// Limits: the synchronous current-data calls (GET /devices/data…) wait for
// the platform's reply in the replica that sent the Query; with several ARM
// replicas sharing the arm group, a reply consumed by another replica goes
// to the client's queue instead and the caller gets 504.
package arm
