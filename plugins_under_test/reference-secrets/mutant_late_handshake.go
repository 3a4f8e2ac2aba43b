//go:build mutant_late_handshake

package main

import (
	"os"
	"strings"
	"time"
)

// Breaks HS-003: started by a host offering protocol 5, it takes longer than the host's
// 60 s start timeout before it prints its handshake line.
func init() {
	mutation.beforeServe = func() {
		if startedByHost() && strings.Contains(os.Getenv("PLUGIN_PROTOCOL_VERSIONS"), "5") {
			time.Sleep(62 * time.Second)
		}
	}
}
