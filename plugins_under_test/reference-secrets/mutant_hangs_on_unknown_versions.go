//go:build mutant_hangs_on_unknown_versions

package main

import (
	"os"
	"strings"
)

// Breaks HS-010: started by a host that offers only versions it does not speak, it
// waits forever instead of answering (without the cookie, or offered nothing, it
// behaves like the reference).
func init() {
	mutation.beforeServe = func() {
		if !startedByHost() || os.Getenv("PLUGIN_PROTOCOL_VERSIONS") == "" {
			return
		}
		offered := "," + os.Getenv("PLUGIN_PROTOCOL_VERSIONS") + ","
		for _, spoken := range []string{"3", "4", "5"} {
			if strings.Contains(offered, ","+spoken+",") {
				return
			}
		}
		select {}
	}
}
