//go:build mutant_hangs_on_unknown_versions

package main

import (
	"os"
	"strings"
)

// Breaks HS-010: offered only versions it does not speak, it waits forever instead of answering.
func init() {
	mutation.beforeServe = func() {
		offered := "," + os.Getenv("PLUGIN_PROTOCOL_VERSIONS") + ","
		for _, spoken := range []string{"3", "4", "5"} {
			if strings.Contains(offered, ","+spoken+",") {
				return
			}
		}
		select {}
	}
}
