//go:build mutant_slow_start

package main

import "time"

// Breaks PERF-001: takes 1.5 s before it prints its handshake line when started by a host
// (well inside the host's 60 s start timeout, so HS-003 holds).
func init() {
	mutation.beforeServe = func() {
		if startedByHost() {
			time.Sleep(1500 * time.Millisecond)
		}
	}
}
