//go:build mutant_stdout_banner

package main

import "fmt"

// Breaks HS-003: prints a banner on stdout before the handshake line (only when it
// goes on to serve, so that without the cookie it still refuses cleanly).
func init() {
	mutation.beforeServe = func() {
		if startedByHost() {
			fmt.Println("reference-secrets starting")
		}
	}
}
