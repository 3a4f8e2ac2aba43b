//go:build mutant_no_concurrency

package main

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hashicorp/vault/sdk/logical"
)

var inFlight atomic.Int32

// Breaks SEC-001: dies when two requests are in flight at once.
func init() {
	mutation.handleRequest = func(b *backend, ctx context.Context, req *logical.Request) (*logical.Response, error) {
		if inFlight.Add(1) > 1 {
			panic("mutant: concurrent requests")
		}
		defer inFlight.Add(-1)
		time.Sleep(20 * time.Millisecond)
		return b.Backend.HandleRequest(ctx, req)
	}
}
