//go:build mutant_plain_stderr

package main

import (
	"fmt"
	"os"
)

// Breaks HS-011: logs a plain line to stderr, which the host can only file at DEBUG.
func init() {
	mutation.beforeServe = func() {
		if startedByHost() {
			fmt.Fprintln(os.Stderr, "reference-secrets is starting up")
		}
	}
}
