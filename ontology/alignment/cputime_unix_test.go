//go:build unix

package alignment

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used (user + system, all
// threads); benchmarks report it per operation because the machines they
// run on are shared and wall time swings with the load.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
