//go:build mutant_never_exits

package main

// Breaks SHUT-002: stops serving on Shutdown but never exits.
func init() {
	mutation.afterServe = func() { select {} }
}
