//go:build mutant_slow_requests

package main

import (
	"context"
	"time"

	"github.com/hashicorp/vault/sdk/logical"
)

// Breaks PERF-002: answers a read of its configuration after 300 ms (a key derived anew on
// every read, say); other requests are as quick as the reference's.
func init() {
	mutation.handleRequest = func(b *backend, ctx context.Context, req *logical.Request) (*logical.Response, error) {
		if req.Operation == logical.ReadOperation && req.Path == "config" {
			time.Sleep(300 * time.Millisecond)
		}
		return b.Backend.HandleRequest(ctx, req)
	}
}
