//go:build mutant_db_expiration_errors

package main

// Breaks DB-007: answers an expiration change (a lease renewal) with an error.
func init() {
	mutation.expirationError = true
}
