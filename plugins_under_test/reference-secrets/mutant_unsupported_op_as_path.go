//go:build mutant_unsupported_op_as_path

package main

import (
	"context"
	"errors"

	"github.com/hashicorp/vault/sdk/logical"
)

// Breaks PATH-014: answers an operation a path does not serve as if the path did not exist (404, not 405).
func init() {
	mutation.handleRequest = func(b *backend, ctx context.Context, req *logical.Request) (*logical.Response, error) {
		resp, err := b.Backend.HandleRequest(ctx, req)
		if errors.Is(err, logical.ErrUnsupportedOperation) {
			return nil, logical.ErrUnsupportedPath
		}
		return resp, err
	}
}
