//go:build mutant_revoke_fails_when_gone

package main

// Breaks LEASE-013: refuses to revoke a credential whose record was removed out of band.
func init() {
	mutation.revokeFailsWhenGone = true
}
