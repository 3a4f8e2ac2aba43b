//go:build mutant_ttl_ignores_role

package main

// Breaks LEASE-007: issues leases with the mount's TTLs, so a role's 2 s lease lasts the mount default.
func init() {
	mutation.ttlIgnoresRole = true
}
