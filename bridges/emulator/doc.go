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
// while nothing is subscribed and otherwise driven by one ticker; each
// tick builds the observations of all its subscriptions and emits them as
// one batch. Unsubscribe and Close wait for a tick in progress, so once
// they return nothing more is emitted for what they stopped; Close ends
// the goroutine.
package emulator
