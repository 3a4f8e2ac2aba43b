package main

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"
)

const secretCredsType = "creds"

func secretCreds(b *backend) *framework.Secret {
	return &framework.Secret{
		Type: secretCredsType,
		Fields: map[string]*framework.FieldSchema{
			"username": {Type: framework.TypeString, Description: "Generated username."},
			"password": {Type: framework.TypeString, Description: "Generated password."},
		},
		Renew:  b.credsRenew,
		Revoke: b.credsRevoke,
	}
}

func internalString(req *logical.Request, key string) (string, error) {
	if mutation.uncheckedInternalData {
		return req.Secret.InternalData[key].(string), nil
	}
	raw, ok := req.Secret.InternalData[key]
	if !ok {
		return "", fmt.Errorf("lease internal data has no %q", key)
	}
	value, ok := raw.(string)
	if !ok {
		return "", fmt.Errorf("lease internal data %q is not a string", key)
	}
	return value, nil
}

// credsRenew extends the lease within the role's bounds and counts the renewal.
func (b *backend) credsRenew(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	if mutation.renewError != nil {
		return nil, mutation.renewError
	}
	username, err := internalString(req, "username")
	if err != nil {
		return nil, err
	}
	roleName, err := internalString(req, "role")
	if err != nil {
		return nil, err
	}
	r, err := readRole(ctx, req.Storage, roleName)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return logical.ErrorResponse(fmt.Sprintf("role %q no longer exists; the credential cannot be renewed", roleName)), nil
	}
	record, err := getIssued(ctx, req.Storage, username)
	if err != nil {
		return nil, err
	}
	if record == nil || record.Status != statusActive {
		return logical.ErrorResponse(fmt.Sprintf("credential %q is not active", username)), nil
	}
	record.Renewals++
	if err := putIssued(ctx, req.Storage, username, record); err != nil {
		return nil, err
	}
	b.Logger().Debug("renewed credential", "username", username, "role", roleName, "renewals", record.Renewals)
	// The server caps the new TTL by the requested increment, the mount and the max TTL.
	if mutation.renewWithoutSecret {
		return nil, nil
	}
	ttl, maxTTL := b.leaseBounds(r)
	if mutation.renewIgnoresMaxTTL {
		maxTTL = 0 // LeaseExtend then allows up to the mount's max
	}
	return framework.LeaseExtend(ttl, maxTTL, b.System())(ctx, req, d)
}

// credsRevoke marks the credential revoked; revoking twice, or a credential already gone, succeeds.
func (b *backend) credsRevoke(ctx context.Context, req *logical.Request, _ *framework.FieldData) (*logical.Response, error) {
	if mutation.revokeError != nil {
		return nil, mutation.revokeError
	}
	if mutation.revokeNoop {
		return nil, nil
	}
	username, err := internalString(req, "username")
	if err != nil {
		return nil, err
	}
	if mutation.revokeRefusesWithSiblings {
		if err := b.refuseWithSiblings(ctx, req.Storage, username); err != nil {
			return nil, err
		}
	}
	record, err := getIssued(ctx, req.Storage, username)
	if err == nil && record == nil && mutation.revokeFailsWhenGone {
		return nil, fmt.Errorf("credential %q not found", username)
	}
	if err == nil && record != nil && record.Status == statusRevoked && mutation.revokeFailsTwice {
		return nil, fmt.Errorf("credential %q is already revoked", username)
	}
	if err != nil || record == nil || record.Status == statusRevoked {
		return nil, err
	}
	record.Status = statusRevoked
	record.RevokedAt = time.Now().UTC()
	if err := putIssued(ctx, req.Storage, username, record); err != nil {
		return nil, err
	}
	b.Logger().Debug("revoked credential", "username", username, "role", record.Role)
	return nil, nil
}

// refuseWithSiblings is mutant-revoke-refuses-with-siblings' bug: a revoke that only works for a role's last credential.
func (b *backend) refuseWithSiblings(ctx context.Context, s logical.Storage, username string) error {
	record, err := getIssued(ctx, s, username)
	if err != nil || record == nil {
		return err
	}
	names, err := s.List(ctx, issuedPrefix)
	if err != nil {
		return err
	}
	for _, name := range names {
		other, err := getIssued(ctx, s, name)
		if err == nil && other != nil && name != username && other.Role == record.Role && other.Status == statusActive {
			return fmt.Errorf("another credential of role %q is active", record.Role)
		}
	}
	return nil
}
