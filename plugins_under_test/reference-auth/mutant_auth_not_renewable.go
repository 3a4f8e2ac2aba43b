//go:build mutant_auth_not_renewable

package main

// Breaks LEASE-010: issues login tokens that cannot be renewed.
func init() {
	mutation.notRenewable = true
}
