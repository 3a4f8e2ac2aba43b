//go:build mutant_silent_cookie_refusal

package main

import "os"

// Breaks HS-002: refuses to run without the magic cookie, but says nothing about why.
func init() {
	mutation.beforeServe = func() {
		if os.Getenv("VAULT_BACKEND_PLUGIN") != "6669da05-b1c8-4f49-97d9-c8e5bed98e20" {
			os.Exit(1)
		}
	}
}
