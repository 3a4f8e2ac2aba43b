//go:build mutant_db_never_exits

package main

import "time"

// Breaks DB-009: stops serving on Shutdown but never exits.
func init() {
	mutation.afterServe = func() {
		for {
			time.Sleep(time.Hour)
		}
	}
}
