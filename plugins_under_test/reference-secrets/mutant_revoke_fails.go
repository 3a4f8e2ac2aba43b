//go:build mutant_revoke_fails

package main

import "errors"

// Breaks LEASE-002: every lease revocation fails.
func init() {
	mutation.revokeError = errors.New("mutant: revocation refused")
}
