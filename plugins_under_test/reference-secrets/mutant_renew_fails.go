//go:build mutant_renew_fails

package main

import "errors"

// Breaks LEASE-001: issues renewable leases, then refuses every renewal.
func init() {
	mutation.renewError = errors.New("mutant: renewal refused")
}
