//go:build mutant_netrpc

package main

// Breaks HS-007: announces protocol netrpc.
func init() {
	mutation.rewriteHandshake = func(fields []string) []string {
		fields[4] = "netrpc"
		return fields
	}
}
