package main

// mutation holds the points where a mutant (mutant_db_*.go, selected by a build tag)
// breaks exactly one requirement. The reference build leaves every point harmless.
var mutation = struct {
	// deleteLeavesUser answers DeleteUser with success and leaves the user in Redis.
	deleteLeavesUser bool
	// updateKeepsPassword answers a password change with success and leaves the old password.
	updateKeepsPassword bool
	// emptyUsername creates the user but answers NewUser with an empty username.
	emptyUsername bool
	// typeName, when set, replaces the type the plugin reports.
	typeName *string
	// forgetConfig answers Initialize with an empty config (the server would store nothing).
	forgetConfig bool
	// ignoreVerify never checks the connection, even when the server asks to verify it.
	ignoreVerify bool
	// connectEagerly checks the connection at Initialize even when the server does not ask to.
	connectEagerly bool
	// expirationError answers an expiration change (a lease renewal) with an error.
	expirationError bool
	// afterServe runs when the plugin's Serve has returned (after Shutdown).
	afterServe func()
	// updateOwnUsersOnly changes passwords only of users this process created (not a static role's, not root's).
	updateOwnUsersOnly bool
	// rootRotationError changes the connection's own password, then answers with an error.
	rootRotationError bool
}{afterServe: func() {}}
