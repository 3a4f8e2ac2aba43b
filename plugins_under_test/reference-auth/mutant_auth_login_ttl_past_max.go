//go:build mutant_auth_login_ttl_past_max

package main

// Breaks PATH-020: asks for a 1000-hour login TTL, past the mount's max_lease_ttl (the server caps it and warns).
func init() {
	mutation.loginTTLPastMax = true
}
