//go:build hostile_forks_survivor

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// survivorEnv marks the re-executed copy that is the survivor.
const survivorEnv = "VPC_HOSTILE_SURVIVOR"

// Started by a host, it first starts a copy of itself that detaches (a new session: not in the
// host's process group nor its session), ignores SIGTERM, SIGINT and SIGHUP, keeps the plugin's
// stdout and stderr open, and sleeps forever: it outlives the plugin.
func init() {
	hostile.beforeServe = func() {
		if os.Getenv(survivorEnv) == "1" {
			signal.Ignore(syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
			sleepForever()
		}
		if !startedByHost() {
			return
		}
		self, err := os.Executable()
		if err != nil {
			return
		}
		_, _ = syscall.ForkExec(self, []string{self}, &syscall.ProcAttr{
			Env:   append(os.Environ(), survivorEnv+"=1"),
			Files: []uintptr{0, 1, 2},
			Sys:   &syscall.SysProcAttr{Setsid: true},
		})
	}
}
