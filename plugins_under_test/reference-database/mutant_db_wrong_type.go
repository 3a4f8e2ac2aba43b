//go:build mutant_db_wrong_type

package main

// Type answers an empty name instead of "reference-redis".
func init() {
	empty := ""
	mutation.typeName = &empty
}
