// Package swagger embeds the Swagger 2.0 specification of the REST API and
// holds the contract tests that keep the spec and the server in step.
// (Assembled by the hub issue; not yet implemented.)
package swagger
