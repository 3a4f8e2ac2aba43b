//go:build hostile_ignores_shutdown

package main

import (
	"os/signal"
	"syscall"
)

// It ignores SIGTERM, SIGINT and SIGHUP from the start, and after GRPCController/Shutdown (when
// go-plugin's Serve returns) it keeps running: only SIGKILL ends it.
func init() {
	hostile.beforeServe = func() {
		if startedByHost() {
			signal.Ignore(syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
		}
	}
	hostile.afterServe = sleepForever
}
