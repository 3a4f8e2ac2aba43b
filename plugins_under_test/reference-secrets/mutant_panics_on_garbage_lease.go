//go:build mutant_panics_on_garbage_lease

package main

// Breaks LEASE-009: reads a lease's internal data with unchecked type assertions, so broken data panics the plugin.
func init() {
	mutation.uncheckedInternalData = true
}
