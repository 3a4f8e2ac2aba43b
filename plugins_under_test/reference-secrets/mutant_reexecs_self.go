//go:build mutant_reexecs_self

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/hashicorp/vault/sdk/logical"
)

// helperFlag makes the binary a one-shot helper instead of a plugin.
const helperFlag = "--vpc-helper"

// Breaks SHUT-010: runs a helper copy of its own binary for every request, so once the
// binary is removed from disk (a redeploy, a catalog fault) the running plugin fails every request.
func init() {
	mutation.beforeServe = func() {
		if len(os.Args) > 1 && os.Args[1] == helperFlag {
			fmt.Println("ok")
			os.Exit(0)
		}
	}
	mutation.handleRequest = func(b *backend, ctx context.Context, req *logical.Request) (*logical.Response, error) {
		self, err := os.Executable()
		if err == nil {
			helperCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			err = exec.CommandContext(helperCtx, self, helperFlag).Run()
		}
		if err != nil {
			return nil, fmt.Errorf("helper %s: %w", helperFlag, err)
		}
		return b.Backend.HandleRequest(ctx, req)
	}
}
