// Package ipsm is intermw's embedded IPSM: the IPSM REST API of ipsm-core
// 1.2.0 (alignments, validation, channels, translation) as an
// http.Handler mounted under /ipsm, over a Service that keeps alignments
// compiled in memory and persists them, with the channels, in the hub's
// triplestore (named graphs urn:intermw:ipsm:alignments and
// urn:intermw:ipsm:channels, written through triplestore.Bind only), so
// they survive restarts.
//
// The translation itself is package alignment's. IPSMRM's translation
// channels (ipsmrm/channels) take their compiled alignments from the
// Service, choosing a platform's from the 8 alignment fields of its
// registration.
package ipsm
