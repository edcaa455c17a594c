// Package arm is the API Request Manager: the INTER-MW REST API under
// /api/mw2mw. It turns each call into an INTER-IoT message on arm_prm, keeps
// the conversation → client routing, and delivers what comes back for a
// client from its rest_api_{clientId} queue by pull, push or Server-Sent
// Events. (Assembled by the hub issue; not yet implemented.)
package arm
