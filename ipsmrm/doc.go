// Package ipsmrm is the IPSM Request Manager: it sits between PRM and the
// bridges, sending data messages through a platform's semantic translation
// channels and control messages straight to the bridge. (Assembled by the hub
// and semantic-mediation issues; not yet implemented.)
package ipsmrm
