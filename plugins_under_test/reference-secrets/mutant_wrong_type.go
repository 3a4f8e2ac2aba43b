//go:build mutant_wrong_type

package main

import "github.com/hashicorp/vault/sdk/logical"

// Breaks PATH-004: a secrets engine that reports itself as an auth method.
func init() {
	mutation.backendType = logical.TypeCredential
}
