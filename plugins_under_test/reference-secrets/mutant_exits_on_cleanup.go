//go:build mutant_exits_on_cleanup

package main

import (
	"context"
	"os"
)

// Breaks SHUT-001: exits on Cleanup instead of serving until Shutdown.
func init() {
	mutation.clean = func(context.Context) { os.Exit(0) }
}
