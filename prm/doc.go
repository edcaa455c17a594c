// Package prm is the Platform Request Manager: it routes messages by type
// between ARM, the registry services and IPSMRM, answers
// List_supported_platform_types itself and rewrites platform-to-platform
// subscriptions. (Assembled by the hub issue; not yet implemented.)
package prm
