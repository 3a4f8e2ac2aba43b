//go:build mutant_renew_without_secret

package main

// Breaks LEASE-001: answers a lease renewal with no secret, so the lease is never extended.
func init() {
	mutation.renewWithoutSecret = true
}
