//go:build mutant_panics_on_negative_length

package main

// Breaks PATH-009: sizes a buffer from password_length before checking it, so -1 panics.
func init() {
	mutation.allocateBeforeValidating = true
}
