package ipsmrm

// RouteOf exposes routeOf to the tests: the route a message's routing
// headers say.
var RouteOf = routeOf
