package arm

import "net/http"

// apiRoutes is the INTER-MW 2.5 surface (and what intermw adds), with who
// may call each operation. Paths are the spec's, relative to /api.
func (s *Server) apiRoutes() []route {
	const (
		get, post, put, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
		p                   = "/mw2mw"
	)
	return []route{
		{get, p + "/clients", accessAdmin, s.listClients},
		{post, p + "/clients", accessAny, s.registerClient},
		{get, p + "/clients/{clientId}", accessAny, s.getClient},
		{put, p + "/clients/{clientId}", accessAny, s.updateClient},
		{del, p + "/clients/{clientId}", accessAny, s.deleteClient},

		{get, p + "/platform-types", accessClient, s.listPlatformTypes},
		{get, p + "/platforms", accessAny, s.listPlatforms},
		{post, p + "/platforms", accessAdminClient, s.registerPlatform},
		{get, p + "/platforms/{platformId}", accessAny, s.getPlatform},
		{put, p + "/platforms/{platformId}", accessAdminClient, s.updatePlatform},
		{del, p + "/platforms/{platformId}", accessAdminClient, s.removePlatform},

		{get, p + "/devices", accessAny, s.listDevices},
		{post, p + "/devices", accessAdminClient, s.createDevices},
		{put, p + "/devices/{deviceId}", accessAdminClient, s.updateDevice},
		{del, p + "/devices/{deviceId}", accessAdminClient, s.deleteDevice},
		{post, p + "/devices/query", accessAny, s.queryDevices},
		{post, p + "/devices/{deviceId}/actuation", accessClient, s.actuate},
		{get, p + "/devices/data", accessClient, s.platformData},
		{get, p + "/devices/data/{deviceId}", accessClient, s.deviceData},

		{post, p + "/query", accessAny, s.query},

		{get, p + "/subscriptions", accessClient, s.listSubscriptions},
		{post, p + "/subscriptions", accessClient, s.subscribe},
		{del, p + "/subscriptions/{conversationId}", accessClient, s.unsubscribe},
		{get, p + "/subscriptions-platform-to-platform", accessClient, s.listP2P},
		{post, p + "/subscriptions-platform-to-platform", accessClient, s.subscribeP2P},
		{del, p + "/subscriptions-platform-to-platform/{conversationId}", accessClient, s.unsubscribeP2P},

		{get, p + "/location/areas", accessAny, s.listAreas},
		{post, p + "/location/areas", accessAdmin, s.addArea},
		{get, p + "/location/areas/{locationId}", accessAny, s.getArea},
		{put, p + "/location/areas/{locationId}", accessAdmin, s.updateArea},
		{del, p + "/location/areas/{locationId}", accessAdmin, s.deleteArea},
		{get, p + "/location/areas/{locationId}/points", accessAny, s.pointsInArea},
		{get, p + "/location/points", accessAny, s.listPoints},
		{post, p + "/location/points", accessAdmin, s.addPoint},
		{get, p + "/location/points/{locationId}", accessAny, s.getPoint},
		{put, p + "/location/points/{locationId}", accessAdmin, s.updatePoint},
		{del, p + "/location/points/{locationId}", accessAdmin, s.deletePoint},

		{post, p + "/responses", accessClient, s.pull},
		{get, p + "/responses/stream", accessClient, s.stream},
		{get, p + "/responses/dead-letters", accessClient, s.deadLetters},
		{post, p + "/responses/dead-letters/replay", accessClient, s.replay},
		{post, p + "/requests", accessClient, s.sendMessage},
	}
}
