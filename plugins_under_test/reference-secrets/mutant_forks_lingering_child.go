//go:build mutant_forks_lingering_child

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// Breaks SHUT-008: starts a helper child (itself, re-executed) that outlives the plugin.
func init() {
	mutation.beforeServe = func() {
		if os.Getenv("VPC_MUTANT_LINGER") == "1" {
			signal.Ignore(syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
			select {}
		}
		if startedByHost() {
			self, err := os.Executable()
			if err == nil {
				_, _ = syscall.ForkExec(self, []string{self}, &syscall.ProcAttr{
					Env: append(os.Environ(), "VPC_MUTANT_LINGER=1"),
				})
			}
		}
	}
}
