// Package test holds intermw's end-to-end and fault tests: they start the
// intermw binary and real servers as separate processes on 127.0.0.1 and
// drive them as a user would.
package test
