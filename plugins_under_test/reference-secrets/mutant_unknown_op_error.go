//go:build mutant_unknown_op_error

package main

import (
	"context"
	"errors"

	"github.com/hashicorp/vault/sdk/logical"
)

var knownOperations = map[logical.Operation]bool{
	logical.CreateOperation: true, logical.ReadOperation: true, logical.UpdateOperation: true,
	logical.PatchOperation: true, logical.DeleteOperation: true, logical.ListOperation: true,
	logical.HelpOperation: true, logical.AliasLookaheadOperation: true, logical.ResolveRoleOperation: true,
	logical.HeaderOperation: true, logical.RenewOperation: true, logical.RevokeOperation: true,
	logical.RollbackOperation: true,
}

// Breaks PATH-006: answers an operation it does not know with a plain error instead of unsupported operation.
func init() {
	mutation.handleRequest = func(b *backend, ctx context.Context, req *logical.Request) (*logical.Response, error) {
		if !knownOperations[req.Operation] && req.Operation != "resolve-path" && req.Operation != "scan" {
			return nil, errors.New("mutant: unexpected operation " + string(req.Operation))
		}
		return b.Backend.HandleRequest(ctx, req)
	}
}
