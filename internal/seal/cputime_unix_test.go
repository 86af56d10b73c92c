//go:build unix

package seal

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user + system) the process has used, so that a
// benchmark can report a rate per CPU-second, which other processes on a
// shared machine disturb much less than the wall-clock rate.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
