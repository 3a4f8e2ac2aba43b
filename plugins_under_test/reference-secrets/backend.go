package main

import (
	"context"
	"strings"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"
)

const backendHelp = `
The reference secrets engine issues short-lived username/password credentials
for roles. Credentials are leased: renewing extends them up to the role's
max_ttl, revoking marks them revoked, and issued/ shows which are still active.
`

// backend is the reference secrets engine.
type backend struct {
	*framework.Backend
	tidy *tidy // the background tidy, from Initialize to Cleanup
}

// Factory builds and sets up a backend for one mount.
func Factory(ctx context.Context, conf *logical.BackendConfig) (logical.Backend, error) {
	if mutation.factoryError != nil {
		return nil, mutation.factoryError
	}
	b := newBackend()
	if err := b.Setup(ctx, conf); err != nil {
		return nil, err
	}
	return b, nil
}

func newBackend() *backend {
	b := &backend{}
	backendType := logical.TypeLogical
	if mutation.backendType != logical.TypeUnknown {
		backendType = mutation.backendType
	}
	b.Backend = &framework.Backend{
		Help:           strings.TrimSpace(backendHelp),
		BackendType:    backendType,
		RunningVersion: version,
		Clean:          b.cleanup,
		InitializeFunc: b.initialize,
		PathsSpecial: &logical.Paths{
			SealWrapStorage: append([]string{"config"}, mutation.extraSealWrapPaths...),
		},
		Paths: framework.PathAppend(
			[]*framework.Path{pathConfig(b)},
			pathRoles(b),
			[]*framework.Path{pathCreds(b)},
			pathIssued(b),
		),
		Secrets: []*framework.Secret{secretCreds(b)},
	}
	return b
}

// HandleRequest lets a mutant intercept requests; the reference leaves it to the framework.
func (b *backend) HandleRequest(ctx context.Context, req *logical.Request) (*logical.Response, error) {
	if mutation.handleRequest != nil {
		return mutation.handleRequest(b, ctx, req)
	}
	return b.Backend.HandleRequest(ctx, req)
}
