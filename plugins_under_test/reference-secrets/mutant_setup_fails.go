//go:build mutant_setup_fails

package main

import "errors"

// Breaks PATH-001: the backend factory fails, so the mount fails.
func init() {
	mutation.factoryError = errors.New("mutant: setup refused")
}
