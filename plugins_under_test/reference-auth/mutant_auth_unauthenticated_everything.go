//go:build mutant_auth_unauthenticated_everything

package main

// Breaks SEC-003: marks every path unauthenticated, so config and users can be written without a token.
func init() {
	mutation.unauthenticatedPaths = []string{"*"}
}
