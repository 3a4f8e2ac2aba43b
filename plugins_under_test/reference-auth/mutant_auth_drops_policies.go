//go:build mutant_auth_drops_policies

package main

// Breaks PATH-019: logs users in without their token_policies (the token only gets "default").
func init() {
	mutation.dropPolicies = true
}
