package main

import (
	"context"
	"crypto/tls"
	"os"

	"github.com/hashicorp/vault/sdk/logical"
	"github.com/hashicorp/vault/sdk/plugin"
)

// mutation holds the points where a mutant (mutant_*.go, selected by a build tag)
// breaks exactly one requirement. The reference build leaves every point harmless.
var mutation = struct {
	// beforeServe runs first in main.
	beforeServe func()
	// rewriteHandshake, when set, rewrites the fields of the handshake line go-plugin prints.
	rewriteHandshake func(fields []string) []string
	// tlsProvider, when set, replaces go-plugin's AutoMTLS configuration.
	tlsProvider func() (*tls.Config, error)
	// factoryError, when set, makes the backend factory fail.
	factoryError error
	// handleRequest, when set, answers requests instead of the framework.
	handleRequest func(b *backend, ctx context.Context, req *logical.Request) (*logical.Response, error)
	// afterServe runs when go-plugin's Serve has returned (after Shutdown).
	afterServe func()
	// backendType, when set, is the type the backend reports.
	backendType logical.BackendType
	// extraSealWrapPaths are added to the backend's special paths.
	extraSealWrapPaths []string
	// clean, when set, runs on Cleanup.
	clean func(ctx context.Context)
	// keepTidyAfterCleanup leaves the background tidy running after Cleanup.
	keepTidyAfterCleanup bool
	// memoryConfig keeps the configuration in process memory instead of storage.
	memoryConfig bool
	// panicOnStorageError turns a failed storage read into a crash.
	panicOnStorageError bool
	// sharedConfigFallback answers a mount without configuration with the last one any mount wrote.
	sharedConfigFallback bool
	// renewWithoutSecret answers a lease renewal with no secret (so the lease is not extended).
	renewWithoutSecret bool
	// revokeError, when set, is what a lease revocation answers.
	revokeError error
	// allocateBeforeValidating sizes a buffer from password_length before checking its range.
	allocateBeforeValidating bool
	// rangeErrorAsServerError answers an out-of-range field with a plain error (HTTP 500) instead of a 400.
	rangeErrorAsServerError bool
	// existenceAlwaysFalse makes the configuration's existence check say "absent" whatever storage holds.
	existenceAlwaysFalse bool
	// listKeysField is the field a list answer puts the names in (the reference: "keys").
	listKeysField string
	// deleteMissingFails answers a delete of a role that does not exist with an error.
	deleteMissingFails bool
	// issueWithoutLease answers a credential read with plain data: no lease to renew or revoke.
	issueWithoutLease bool
	// renewIgnoresMaxTTL renews with the mount's max TTL instead of the role's.
	renewIgnoresMaxTTL bool
	// revokeNoop answers a revocation with success and changes nothing.
	revokeNoop bool
	// ttlIgnoresRole issues leases with the mount's TTLs instead of the role's.
	ttlIgnoresRole bool
	// revokeRefusesWithSiblings refuses to revoke while another credential of the same role is active.
	revokeRefusesWithSiblings bool
	// revokeFailsTwice refuses to revoke a credential that is already revoked.
	revokeFailsTwice bool
	// uncheckedInternalData reads a lease's internal data with unchecked type assertions (a panic on bad data).
	uncheckedInternalData bool
	// renewError, when set, is what a lease renewal answers (the lease still says renewable).
	renewError error
	// revokeFailsWhenGone refuses to revoke a credential whose record was removed out of band.
	revokeFailsWhenGone bool
	// staleRead answers a configuration read with the default username_prefix, not the stored one.
	staleRead bool
}{
	beforeServe: func() {},
	afterServe:  func() {},
}

// startedByHost tells whether the magic cookie a Vault/OpenBao host sets is present,
// so that a mutant can misbehave only where the reference would go on to serve.
func startedByHost() bool {
	return os.Getenv(plugin.HandshakeConfig.MagicCookieKey) == plugin.HandshakeConfig.MagicCookieValue
}
