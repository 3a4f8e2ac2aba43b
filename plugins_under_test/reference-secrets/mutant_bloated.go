//go:build mutant_bloated

package main

// ballast is memory the plugin holds for nothing (a cache preloaded in full, say).
var ballast []byte

// Breaks PERF-004: holds 320 MiB of resident memory from the start. Filled before the handshake (a page at a
// time: a few hundred ms, well inside PERF-001's second), so that every measurement sees it; filled in the
// background after the handshake, a quick wire run measured it half-filled on a loaded machine.
func init() {
	mutation.beforeServe = func() {
		held := make([]byte, 320<<20)
		for i := 0; i < len(held); i += 4096 {
			held[i] = 1
		}
		ballast = held
	}
}
