//go:build mutant_seventh_field

package main

// Breaks HS-009: appends a broker-multiplexing field the host did not ask for.
func init() {
	mutation.rewriteHandshake = func(fields []string) []string {
		return append(fields, "true")
	}
}
