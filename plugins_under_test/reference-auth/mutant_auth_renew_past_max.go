//go:build mutant_auth_renew_past_max

package main

// Breaks LEASE-011: renews for 1000 hours with no max TTL, ignoring the user's token_max_ttl.
func init() {
	mutation.renewPastMax = true
}
