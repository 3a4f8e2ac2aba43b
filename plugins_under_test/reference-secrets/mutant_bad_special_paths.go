//go:build mutant_bad_special_paths

package main

// Breaks PATH-005: a special path with '*' in the middle.
func init() {
	mutation.extraSealWrapPaths = []string{"conf*ig"}
}
