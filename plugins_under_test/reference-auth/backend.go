package main

import (
	"context"
	"strings"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"
)

const backendHelp = `
The reference auth method logs users in with a username and password.
Users are managed at users/<name> (password plus the standard token_* fields);
login issues a renewable token with the user's policies, and renewal keeps
to the user's token_ttl and token_max_ttl.
`

// backend is the reference auth method.
type backend struct {
	*framework.Backend
}

// Factory builds and sets up a backend for one mount.
func Factory(ctx context.Context, conf *logical.BackendConfig) (logical.Backend, error) {
	b := newBackend()
	if err := b.Setup(ctx, conf); err != nil {
		return nil, err
	}
	return b, nil
}

func newBackend() *backend {
	b := &backend{}
	unauthenticated := []string{"login"}
	if mutation.unauthenticatedPaths != nil {
		unauthenticated = mutation.unauthenticatedPaths
	}
	b.Backend = &framework.Backend{
		Help:           strings.TrimSpace(backendHelp),
		BackendType:    logical.TypeCredential,
		RunningVersion: version,
		PathsSpecial: &logical.Paths{
			Unauthenticated: unauthenticated,
			SealWrapStorage: []string{"config"},
		},
		Paths: framework.PathAppend(
			[]*framework.Path{pathConfig(b)},
			pathUsers(b),
			[]*framework.Path{pathLogin(b)},
		),
		AuthRenew: b.loginRenew,
	}
	return b
}
