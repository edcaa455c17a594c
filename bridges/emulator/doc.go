// Package emulator is the INTER-MW test platform type
// (http://inter-iot.eu/MWTestPlatform): an emulated IoT platform whose
// bridge answers every request type, reports a device inventory on
// Discovery_List and emits sosa:Observations for subscribed devices. It is
// what `intermw serve` registers by default, what the end-to-end tests
// drive, and the observation source of the throughput benchmark.
//
// Each emulated platform has an inventory of Config.DeviceCount sensors
// ({platformId}/device_{i}) plus the devices created through it
// (Platform_create_Device; devices typed mw:VirtualDevice are fed only by
// platform-to-platform subscriptions, through Observe). A subscription
// emits, every Config.ObservationInterval, one observation per subscribed
// device: the subscription's conversationID, the platform as
// SenderPlatformId, sosa:madeBySensor the device, a sosa:Result with an
// iiot:hasResultValue in °C (iiot:hasUnit), sosa:resultTime and the
// message's dateTimeStamp both from Config.Now. Devices outside the
// inventory are observed too, as the INTER-MW test bridge did.
//
// Emission is cheap at high rates: a platform has one goroutine, idle
// while nothing is subscribed and otherwise driven by one ticker. The
// interval is cut into slots of about Config.EmitSlot (5ms): a tick serves
// one slot, building the observations of the subscribed devices that fall
// in it (devices counted across subscriptions, modulo the number of
// slots) and emitting them as one batch, so every device is observed once
// per interval and the stream has no bursts for observations to queue
// behind (10k devices at 1s: 50 every 5ms). A tick reuses the messages,
// payload triples and slices of the previous one (Emit keeps nothing),
// formats the timestamp once and makes one UUID per observation; the
// host encodes each with messages.AppendEncode into a reused buffer.
// BenchmarkTick compares this with building each message afresh and
// encoding it with Codec.Encode: about half the bytes allocated and 23
// rather than 31 allocations per observation, most of them now inside the
// encoder. Unsubscribe and Close wait for a tick in progress, so once they
// return nothing more is emitted for what they stopped; Close ends the
// goroutine.
//
// # Payload profiles and actuation echo
//
// A platform chooses how it speaks with query parameters of the
// baseEndpoint it registers (or updates) with; other endpoints, or none,
// keep INTER-MW's test platform as described above:
//
//   - profile=sosa (the default) emits the GOIoTP/SOSA observations above;
//   - profile=bodycloud emits what the BodyCloud health platform sends
//     (ProfileBodyCloud): per observation a bc:BodyCloudObject blank node
//     with bc:hasTypeMessage "weight_scale", bc:hasDeviceId the device's
//     IRI as a string, bc:hasUserId "{platformId}/users/emulated" (a # in
//     the platform IRI made a /), bc:hasTimestamp the unix seconds of
//     Config.Now as a string, and bc:hasData a bc:BodyCloudAttributes
//     blank node whose bc:hasWeight is 50.0 to 99.9 as xsd:float. Query
//     answers take the same shape. This is the input the BodyCloud_CO
//     alignment turns into a sosa:Observation (a time:Instant
//     phenomenonTime, a result in kilograms), so a platform registered
//     with that upstream alignment delivers SOSA to clients; with the
//     identity alignment its raw payloads reach them;
//   - actuation=echo answers every Actuation with the payload the
//     platform received, after the hub's downstream translation, so a
//     test that only sees the REST API can check what reached the
//     platform (without it the answer's payload is empty, as before).
//     Every platform keeps the last actuation payload (LastActuation)
//     for in-process tests.
//
// For example baseEndpoint http://localhost:4568/?profile=bodycloud&actuation=echo.
// An unknown profile or actuation value fails the registration (or the
// update, which then changes nothing) with ErrBadOptions.
package emulator
