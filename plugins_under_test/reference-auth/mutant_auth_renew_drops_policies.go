//go:build mutant_auth_renew_drops_policies

package main

// Breaks LEASE-010: answers a renewal with the policies emptied (the server then refuses the next renewal).
func init() {
	mutation.renewDropsPolicies = true
}
