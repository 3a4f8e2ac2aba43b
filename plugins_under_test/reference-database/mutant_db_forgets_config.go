//go:build mutant_db_forgets_config

package main

// Breaks DB-002: answers Initialize with an empty config, so a server would store no connection details.
func init() {
	mutation.forgetConfig = true
}
