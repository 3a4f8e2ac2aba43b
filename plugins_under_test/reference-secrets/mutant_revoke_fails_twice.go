//go:build mutant_revoke_fails_twice

package main

// Breaks LEASE-008: refuses to revoke a credential that is already revoked.
func init() {
	mutation.revokeFailsTwice = true
}
