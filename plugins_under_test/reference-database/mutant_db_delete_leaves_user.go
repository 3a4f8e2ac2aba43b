//go:build mutant_db_delete_leaves_user

package main

// DeleteUser answers success but leaves the user: a revoked credential still works.
func init() {
	mutation.deleteLeavesUser = true
}
