//go:build mutant_slow_exit

package main

import "time"

// Breaks PERF-003: flushes something for 1.2 s after Shutdown before it exits (inside the
// host's 2 s grace, so SHUT-002 and SHUT-004 hold).
func init() {
	mutation.afterServe = func() {
		time.Sleep(1200 * time.Millisecond)
	}
}
