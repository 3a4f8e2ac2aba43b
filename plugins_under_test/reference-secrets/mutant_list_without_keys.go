//go:build mutant_list_without_keys

package main

// Breaks PATH-012: lists role names under data.names instead of data.keys.
func init() {
	mutation.listKeysField = "names"
}
