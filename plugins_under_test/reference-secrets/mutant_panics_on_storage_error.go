//go:build mutant_panics_on_storage_error

package main

// Breaks SEC-002: crashes when a storage read fails.
func init() {
	mutation.panicOnStorageError = true
}
