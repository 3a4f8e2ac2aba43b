//go:build mutant_db_updates_own_users_only

package main

// Breaks DB-011 and DB-012: changes passwords only of users it created itself, silently ignoring a static role's user and its own root user.
func init() {
	mutation.updateOwnUsersOnly = true
}
