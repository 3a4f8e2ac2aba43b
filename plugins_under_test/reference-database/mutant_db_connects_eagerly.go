//go:build mutant_db_connects_eagerly

package main

// Breaks DB-004 (a SHOULD): checks the connection at Initialize even when the server does not ask to.
func init() {
	mutation.connectEagerly = true
}
