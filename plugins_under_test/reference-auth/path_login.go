package main

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/helper/policyutil"
	"github.com/hashicorp/vault/sdk/logical"
)

func pathLogin(b *backend) *framework.Path {
	return &framework.Path{
		Pattern: "login",
		Fields: map[string]*framework.FieldSchema{
			"username": {Type: framework.TypeString, Description: "Username.", Required: true},
			"password": {
				Type:         framework.TypeString,
				Description:  "Password.",
				Required:     true,
				DisplayAttrs: &framework.DisplayAttributes{Sensitive: true},
			},
		},
		Operations: map[logical.Operation]framework.OperationHandler{
			logical.UpdateOperation: &framework.PathOperation{Callback: b.login, Summary: "Log in with a username and password."},
		},
		HelpSynopsis:    "Log in with a username and password.",
		HelpDescription: "Issues a renewable token with the user's token_* parameters.",
	}
}

func (b *backend) login(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	name := strings.ToLower(d.Get("username").(string))
	u, err := readUser(ctx, req.Storage, name)
	if err != nil {
		return nil, err
	}
	// An unknown user and a wrong password get the same answer, so names cannot be probed.
	if !u.passwordMatches(d.Get("password").(string)) {
		if mutation.loginErrorAsServerError {
			return nil, errors.New("bad password")
		}
		return nil, logical.ErrPermissionDenied
	}
	auth := &logical.Auth{
		InternalData: map[string]interface{}{"username": name},
		Metadata:     map[string]string{"username": name},
		DisplayName:  name,
		Alias:        &logical.Alias{Name: name},
	}
	u.PopulateTokenAuth(auth)
	auth.Renewable = !mutation.notRenewable
	if mutation.loginTTLPastMax {
		auth.TTL = 1000 * time.Hour
	}
	if mutation.dropPolicies {
		auth.Policies = nil
	}
	return &logical.Response{Auth: auth}, nil
}

// loginRenew extends a login token only while its user exists with the same policies,
// and keeps to the user's current token_ttl / token_max_ttl / token_period.
func (b *backend) loginRenew(ctx context.Context, req *logical.Request, _ *framework.FieldData) (*logical.Response, error) {
	name, _ := req.Auth.InternalData["username"].(string)
	u, err := readUser(ctx, req.Storage, name)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, errors.New("user no longer exists")
	}
	if !policyutil.EquivalentPolicies(u.TokenPolicies, req.Auth.TokenPolicies) {
		return nil, errors.New("policies have changed, not renewing")
	}
	resp := &logical.Response{Auth: req.Auth}
	resp.Auth.Period = u.TokenPeriod
	resp.Auth.TTL = u.TokenTTL
	resp.Auth.MaxTTL = u.TokenMaxTTL
	if mutation.renewDropsPolicies {
		resp.Auth.Policies = nil
		resp.Auth.TokenPolicies = nil
	}
	if mutation.renewPastMax {
		resp.Auth.TTL = 1000 * time.Hour
		resp.Auth.MaxTTL = 0
	}
	return resp, nil
}
