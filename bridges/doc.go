// Package bridges holds the Bridge interface that connects one registered IoT
// platform to the hub, the explicit registry of platform types, and one
// subpackage per platform type. (Assembled by the hub issue; not yet
// implemented.)
package bridges
