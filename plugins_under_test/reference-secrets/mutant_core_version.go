//go:build mutant_core_version

package main

// Breaks HS-004: announces core protocol version 2.
func init() {
	mutation.rewriteHandshake = func(fields []string) []string {
		fields[0] = "2"
		return fields
	}
}
