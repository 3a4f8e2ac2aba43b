//go:build mutant_delete_missing_errors

package main

// Breaks PATH-013: deleting a role that does not exist is an error (HTTP 500).
func init() {
	mutation.deleteMissingFails = true
}
