//go:build mutant_ignores_cookie

package main

import "os"

// Breaks HS-001: sets the magic cookie itself, so it serves even when started by hand.
func init() {
	mutation.beforeServe = func() {
		os.Setenv("VAULT_BACKEND_PLUGIN", "6669da05-b1c8-4f49-97d9-c8e5bed98e20")
	}
}
