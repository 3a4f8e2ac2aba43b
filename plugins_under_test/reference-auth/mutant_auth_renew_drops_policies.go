//go:build mutant_auth_renew_drops_policies

package main

// Breaks LEASE-006: answers a renewal with the policies emptied, so the server refuses it.
func init() {
	mutation.renewDropsPolicies = true
}
