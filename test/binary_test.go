package test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// intermwBin is the intermw binary built once for the tests in this package.
var intermwBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "intermw-test-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	intermwBin = filepath.Join(dir, "intermw")
	build := exec.Command("go", "build", "-o", intermwBin, "../cmd/intermw")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building intermw:", err)
		os.Exit(1)
	}
	if err := buildIPSM(dir); err != nil {
		fmt.Fprintln(os.Stderr, "building intermw-ipsm:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// freeAddr returns a loopback address with a free port.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
