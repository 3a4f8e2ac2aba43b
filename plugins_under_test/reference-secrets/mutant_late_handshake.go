//go:build mutant_late_handshake

package main

import (
	"os"
	"strings"
	"time"
)

// Breaks HS-003: when a host offers protocol 5, it takes longer than the host's
// 60 s start timeout before it prints its handshake line.
func init() {
	mutation.beforeServe = func() {
		if strings.Contains(os.Getenv("PLUGIN_PROTOCOL_VERSIONS"), "5") {
			time.Sleep(62 * time.Second)
		}
	}
}
