//go:build mutant_wrong_type

package main

import "github.com/hashicorp/vault/sdk/logical"

// Breaks PATH-004: a secrets engine that reports a type no plugin has (7; logical knows 0-2). A plugin that
// reports the other valid type is indistinguishable from a run given the wrong --type: the suite stops there
// (exit 2, "did you mean --type auth?").
func init() {
	mutation.backendType = logical.BackendType(7)
}
