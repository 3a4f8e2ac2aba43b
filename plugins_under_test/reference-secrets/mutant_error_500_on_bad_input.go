//go:build mutant_error_500_on_bad_input

package main

// Breaks PATH-010: refuses an out-of-range password_length with a plain error (HTTP 500), not a 400.
func init() {
	mutation.rangeErrorAsServerError = true
}
