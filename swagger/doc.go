// Package swagger holds the Swagger 2.0 specification of intermw's REST API
// (the INTER-MW 2.5 surface under /api/mw2mw and what intermw adds), embedded
// in the binary, and the tools that keep the server honest to it.
//
// The ARM (package arm) serves the spec at /api/swagger.json and a browsable
// UI at /api/docs (Handler), and checks every request body against the
// schema of its operation before it acts (Validator.ValidateBody). Tests use
// Paths for the contract test that compares the server's routes with the
// spec's, and ValidateResponse to check every response body an end-to-end
// test sees against the schema of its operation and status.
//
// The spec is written in YAML (swagger.yaml, easier to review) and served
// as JSON.
package swagger
