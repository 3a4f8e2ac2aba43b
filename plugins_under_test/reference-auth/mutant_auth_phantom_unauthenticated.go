//go:build mutant_auth_phantom_unauthenticated

package main

// Breaks PATH-021: declares login-legacy unauthenticated, but no path serves it.
func init() {
	mutation.unauthenticatedPaths = []string{"login", "login-legacy"}
}
