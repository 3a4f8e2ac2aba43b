//go:build mutant_creds_without_lease

package main

// Breaks LEASE-003: issues credentials as plain data, with no lease to renew or revoke.
func init() {
	mutation.issueWithoutLease = true
}
