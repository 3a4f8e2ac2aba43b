//go:build mutant_no_help

package main

import (
	"context"

	"github.com/hashicorp/vault/sdk/logical"
)

// Breaks PATH-002: answers help with unsupported operation.
func init() {
	mutation.handleRequest = func(b *backend, ctx context.Context, req *logical.Request) (*logical.Response, error) {
		if req.Operation == logical.HelpOperation {
			return nil, logical.ErrUnsupportedOperation
		}
		return b.Backend.HandleRequest(ctx, req)
	}
}
