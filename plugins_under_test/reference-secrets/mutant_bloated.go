//go:build mutant_bloated

package main

// ballast is memory the plugin holds for nothing (a cache preloaded in full, say).
var ballast []byte

// Breaks PERF-004: holds 320 MiB of resident memory from the start.
func init() {
	mutation.beforeServe = func() {
		go func() { // after the handshake, which stays quick (PERF-001 holds)
			held := make([]byte, 320<<20)
			for i := range held {
				held[i] = byte(i)
			}
			ballast = held
		}()
	}
}
