package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"time"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"
)

const passwordAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func pathCreds(b *backend) *framework.Path {
	return &framework.Path{
		Pattern: "creds/" + framework.GenericNameRegex("role"),
		Fields: map[string]*framework.FieldSchema{
			"role": {Type: framework.TypeLowerCaseString, Description: "Role to issue a credential for.", Required: true},
		},
		Operations: map[logical.Operation]framework.OperationHandler{
			logical.ReadOperation: &framework.PathOperation{Callback: b.credsIssue, Summary: "Issue a leased credential."},
		},
		HelpSynopsis:    "Issue a fresh username and password for a role.",
		HelpDescription: "Each read issues a new credential under a renewable lease bounded by the role's ttl and max_ttl.",
	}
}

func (b *backend) credsIssue(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	roleName := d.Get("role").(string)
	r, err := readRole(ctx, req.Storage, roleName)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return logical.ErrorResponse(fmt.Sprintf("unknown role %q", roleName)), nil
	}
	config, err := readConfig(ctx, req.Storage)
	if err != nil {
		return nil, err
	}
	if config == nil {
		config = defaultConfig()
	}
	suffix, err := randomString(10)
	if err != nil {
		return nil, err
	}
	password, err := randomString(config.PasswordLength)
	if err != nil {
		return nil, err
	}
	username := fmt.Sprintf("%s-%s-%s", config.UsernamePrefix, roleName, suffix)
	record := &issuedCredential{Role: roleName, Status: statusActive, IssuedAt: time.Now().UTC()}
	if err := putIssued(ctx, req.Storage, username, record); err != nil {
		return nil, err
	}
	resp := b.Secret(secretCredsType).Response(
		map[string]interface{}{"username": username, "password": password},
		map[string]interface{}{"username": username, "role": roleName},
	)
	resp.Secret.TTL, resp.Secret.MaxTTL = b.leaseBounds(r)
	resp.Secret.Renewable = true
	if mutation.ttlIgnoresRole {
		resp.Secret.TTL, resp.Secret.MaxTTL = b.System().DefaultLeaseTTL(), b.System().MaxLeaseTTL()
	}
	if mutation.issueWithoutLease {
		return &logical.Response{Data: resp.Data}, nil
	}
	// Never log the password.
	b.Logger().Debug("issued credential", "username", username, "role", roleName)
	return resp, nil
}

// leaseBounds are the role's ttl and max_ttl, each falling back to the mount's
// (or the system's) default when the role leaves it at zero.
func (b *backend) leaseBounds(r *role) (ttl, maxTTL time.Duration) {
	ttl, maxTTL = r.TTL, r.MaxTTL
	if ttl == 0 {
		ttl = b.System().DefaultLeaseTTL()
	}
	if maxTTL == 0 {
		maxTTL = b.System().MaxLeaseTTL()
	}
	return ttl, maxTTL
}

// randomString draws length characters from an unambiguous alphabet with crypto/rand.
func randomString(length int) (string, error) {
	out := make([]byte, length)
	limit := big.NewInt(int64(len(passwordAlphabet)))
	for i := range out {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return "", err
		}
		out[i] = passwordAlphabet[n.Int64()]
	}
	return string(out), nil
}
