// Package auth authenticates callers of intermw's REST API and names their
// principal, the clientId the API acts for, with the roles it holds.
//
// It is the first level of the hub's security (issue 4): the ARM (package
// arm) asks an Authenticator for the principal of every /api/mw2mw request,
// answers 401 when there is none, and checks roles (platform and device
// management need the admin role) before it touches the registry or
// publishes on arm_prm.
//
// # Modes
//
//   - ModeNone: nobody is authenticated. The caller names itself with the
//     Client-ID header, as INTER-MW 2.1 did, and holds every role. It is the
//     default, meant for a hub listening on loopback only; ResolveMode logs
//     a loud warning when it serves any other address.
//   - ModeBasic: HTTP basic authentication against an htpasswd-style file of
//     user:hash lines, where the hash is INTER-MW's hex SHA-256 of the
//     password or a bcrypt hash ($2a$, $2b$, $2y$).
//   - ModeBearer: OAuth2 bearer tokens, either JWTs verified against a JWKS
//     fetched from a URL (RS256/384/512, ES256/384; cached, refetched when an
//     unknown key id appears so that key rotation needs no restart), or opaque
//     tokens checked by RFC 7662 token introspection with client
//     credentials.
//
// Roles come from a configurable token claim (a dotted path such as
// realm_access.roles, a JSON array or a space-separated string like scope)
// and from an optional roles file of "user: role, role" lines, merged.
package auth
