package main

// mutation holds the points where a mutant (mutant_auth_*.go, selected by a build tag)
// breaks exactly one requirement. The reference build leaves every point harmless.
var mutation = struct {
	// unauthenticatedPaths, when set, replaces the reference's ["login"].
	unauthenticatedPaths []string
	// dropPolicies logs users in without their token_policies.
	dropPolicies bool
	// loginErrorAsServerError refuses a wrong password with a plain error (HTTP 500), not permission denied.
	loginErrorAsServerError bool
	// notRenewable issues tokens that cannot be renewed.
	notRenewable bool
	// renewDropsPolicies answers a renewal with an Auth whose policies are emptied.
	renewDropsPolicies bool
	// loginTTLPastMax asks for a 1000-hour login TTL, whatever the mount allows.
	loginTTLPastMax bool
	// renewPastMax answers a renewal with a 1000-hour TTL and no max TTL.
	renewPastMax bool
}{}
