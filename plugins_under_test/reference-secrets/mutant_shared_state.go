//go:build mutant_shared_state

package main

// Breaks MUX-001: a mount with no configuration of its own sees the last one any mount wrote.
func init() {
	mutation.sharedConfigFallback = true
}
