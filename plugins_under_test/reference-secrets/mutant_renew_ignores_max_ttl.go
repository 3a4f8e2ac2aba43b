//go:build mutant_renew_ignores_max_ttl

package main

// Breaks LEASE-004: renews up to the mount's max TTL, past the role's max_ttl.
func init() {
	mutation.renewIgnoresMaxTTL = true
}
