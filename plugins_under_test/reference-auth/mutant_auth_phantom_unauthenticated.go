//go:build mutant_auth_phantom_unauthenticated

package main

// Breaks AUTH-004: declares login-legacy unauthenticated, but no path serves it.
func init() {
	mutation.unauthenticatedPaths = []string{"login", "login-legacy"}
}
