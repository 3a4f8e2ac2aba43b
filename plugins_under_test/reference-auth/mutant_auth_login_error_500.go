//go:build mutant_auth_login_error_500

package main

// Breaks PATH-022: refuses a wrong password with a plain error (HTTP 500), not permission denied.
func init() {
	mutation.loginErrorAsServerError = true
}
