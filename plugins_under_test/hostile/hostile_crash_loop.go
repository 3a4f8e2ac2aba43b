//go:build hostile_crash_loop

package main

import (
	"context"

	"github.com/hashicorp/vault/sdk/logical"
)

// It panics (exit status 2) on every request it is sent, before answering: whoever starts it again
// sees it crash again at its first request, so a server restarts it in a loop. (Panicking on the
// request itself, not some time after it, makes every run meet the crash at the same step.)
func init() {
	hostile.handleRequest = func(ctx context.Context, req *logical.Request, next func(context.Context, *logical.Request) (*logical.Response, error)) (*logical.Response, error) {
		panic("hostile crash-loop: crashing on a request")
	}
}
