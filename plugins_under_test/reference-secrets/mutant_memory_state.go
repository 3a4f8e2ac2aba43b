//go:build mutant_memory_state

package main

// Breaks PATH-008: keeps its configuration in process memory, not in the host's storage.
func init() {
	mutation.memoryConfig = true
}
