//go:build mutant_upgrade_loses_state

package main

// Breaks VER-002: a "new version" that stores its configuration under a new key and never
// migrates the old one, so a mount switched to it has lost its state.
func init() {
	configKey = "config-v2"
}
