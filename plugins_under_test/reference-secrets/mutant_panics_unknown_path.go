//go:build mutant_panics_unknown_path

package main

import (
	"context"

	"github.com/hashicorp/vault/sdk/logical"
)

// Breaks PATH-003: panics (and so dies) on a request for a path no route serves.
func init() {
	mutation.handleRequest = func(b *backend, ctx context.Context, req *logical.Request) (*logical.Response, error) {
		if req.Path != "" && req.Operation != logical.HelpOperation && b.Route(req.Path) == nil {
			panic("mutant: no route for " + req.Path)
		}
		return b.Backend.HandleRequest(ctx, req)
	}
}
