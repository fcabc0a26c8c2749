//go:build unix

package extract

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used (all threads, GC included),
// so that a benchmark can report work per CPU-second on a machine shared
// with other jobs, where wall time per operation says little.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
