//go:build mutant_unoffered_version

package main

import (
	"os"
	"strings"
)

// Breaks HS-005: announces an app protocol version the host did not offer.
func init() {
	mutation.rewriteHandshake = func(fields []string) []string {
		offered := "," + os.Getenv("PLUGIN_PROTOCOL_VERSIONS") + ","
		for _, candidate := range []string{"4", "3", "6", "99"} {
			if !strings.Contains(offered, ","+candidate+",") {
				fields[1] = candidate
				break
			}
		}
		return fields
	}
}
