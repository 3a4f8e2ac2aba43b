//go:build mutant_dead_socket

package main

// Breaks HS-006: announces a socket path nothing listens on.
func init() {
	mutation.rewriteHandshake = func(fields []string) []string {
		fields[3] += "-gone"
		return fields
	}
}
