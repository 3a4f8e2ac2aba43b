//go:build hostile_bogus_address

package main

// Its handshake line announces 127.0.0.1:1 over tcp (nothing listens there, and it is outside
// PLUGIN_MIN_PORT..PLUGIN_MAX_PORT) instead of the unix socket it really listens on.
func init() {
	hostile.rewriteHandshake = func(fields []string) []string {
		if len(fields) > 3 {
			fields[2], fields[3] = "tcp", "127.0.0.1:1"
		}
		return fields
	}
}
