//go:build mutant_db_update_keeps_password

package main

// UpdateUser answers success without changing the password: rotate-root and
// rotate-role leave the old password working and the new one refused.
func init() {
	mutation.updateKeepsPassword = true
}
