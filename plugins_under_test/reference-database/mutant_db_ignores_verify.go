//go:build mutant_db_ignores_verify

package main

// Breaks DB-003: never checks the connection, even when the server asks it to verify (verify_connection).
func init() {
	mutation.ignoreVerify = true
}
