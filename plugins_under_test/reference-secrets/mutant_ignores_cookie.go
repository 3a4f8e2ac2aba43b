//go:build mutant_ignores_cookie

package main

import (
	"os"

	"github.com/hashicorp/vault/sdk/plugin"
)

// Breaks HS-001: sets the magic cookie itself, so it serves even when started by hand.
func init() {
	mutation.beforeServe = func() {
		os.Setenv(plugin.HandshakeConfig.MagicCookieKey, plugin.HandshakeConfig.MagicCookieValue)
	}
}
