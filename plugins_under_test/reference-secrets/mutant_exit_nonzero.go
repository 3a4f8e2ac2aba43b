//go:build mutant_exit_nonzero

package main

import "os"

// Breaks SHUT-003: exits with status 3 after Shutdown.
func init() {
	mutation.afterServe = func() { os.Exit(3) }
}
