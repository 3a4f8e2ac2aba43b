//go:build mutant_revoke_refuses_with_siblings

package main

// Breaks LEASE-006: refuses to revoke while another credential of the same role is active.
func init() {
	mutation.revokeRefusesWithSiblings = true
}
