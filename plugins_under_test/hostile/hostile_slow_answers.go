//go:build hostile_slow_answers

package main

import (
	"context"
	"time"

	"github.com/hashicorp/vault/sdk/logical"
)

// slowness is how long every request waits before it is answered (whatever the request's context says).
const slowness = 30 * time.Second

// It answers every HandleRequest correctly, but only after 30 s, ignoring cancellation.
func init() {
	hostile.handleRequest = func(ctx context.Context, req *logical.Request, next func(context.Context, *logical.Request) (*logical.Response, error)) (*logical.Response, error) {
		time.Sleep(slowness)
		return next(context.WithoutCancel(ctx), req)
	}
}
