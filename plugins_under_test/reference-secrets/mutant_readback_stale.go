//go:build mutant_readback_stale

package main

// Breaks PATH-015: a configuration read answers the default username_prefix, not the one stored.
func init() {
	mutation.staleRead = true
}
