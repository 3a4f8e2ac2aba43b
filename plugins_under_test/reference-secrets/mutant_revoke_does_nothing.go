//go:build mutant_revoke_does_nothing

package main

// Breaks LEASE-005: answers a revocation with success and leaves the credential active.
func init() {
	mutation.revokeNoop = true
}
