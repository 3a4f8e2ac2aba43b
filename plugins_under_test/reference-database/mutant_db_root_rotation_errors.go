//go:build mutant_db_root_rotation_errors

package main

// Breaks DB-012: changes the connection user's password on rotate-root, then answers with an error (the server keeps the old one).
func init() {
	mutation.rootRotationError = true
}
