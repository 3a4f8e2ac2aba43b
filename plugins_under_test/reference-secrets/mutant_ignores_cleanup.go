//go:build mutant_ignores_cleanup

package main

// Breaks SHUT-009: ignores Cleanup, so its background tidy goes on after the unmount (failing and logging every tick).
func init() {
	mutation.keepTidyAfterCleanup = true
}
