//go:build hostile_hangs_before_handshake

package main

// Started with the magic cookie, it never prints its handshake line: it sleeps forever (SIGTERM
// still ends it). Without the cookie it refuses to start like any plugin.
func init() {
	hostile.beforeServe = func() {
		if startedByHost() {
			sleepForever()
		}
	}
}
