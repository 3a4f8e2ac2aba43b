//go:build mutant_silent_cookie_refusal

package main

import "os"

// Breaks HS-002: refuses to run without the magic cookie, but says nothing about why.
func init() {
	mutation.beforeServe = func() {
		if !startedByHost() {
			os.Exit(1)
		}
	}
}
