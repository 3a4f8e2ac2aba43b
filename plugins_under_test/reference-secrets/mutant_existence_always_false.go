//go:build mutant_existence_always_false

package main

// Breaks PATH-011: the configuration's existence check says absent even after a write.
func init() {
	mutation.existenceAlwaysFalse = true
}
