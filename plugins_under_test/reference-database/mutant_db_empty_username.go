//go:build mutant_db_empty_username

package main

// NewUser creates the user but answers with an empty username: the credential
// names no user, and revoking it cannot remove the user it created.
func init() {
	mutation.emptyUsername = true
}
