//go:build hostile_huge_response

package main

import (
	"context"
	"strings"
	"sync"

	"github.com/hashicorp/vault/sdk/logical"
)

// hugeSize is the size of the blob every read answers with.
const hugeSize = 100 << 20

var (
	hugeOnce sync.Once
	huge     string
)

// Every read (of any path) is answered with a ~100 MB body: data.blob, a 100 MiB string, next to
// what the framework answered.
func init() {
	hostile.handleRequest = func(ctx context.Context, req *logical.Request, next func(context.Context, *logical.Request) (*logical.Response, error)) (*logical.Response, error) {
		resp, err := next(ctx, req)
		if req.Operation != logical.ReadOperation {
			return resp, err
		}
		if resp == nil {
			resp = &logical.Response{}
		}
		if resp.Data == nil {
			resp.Data = map[string]interface{}{}
		}
		hugeOnce.Do(func() { huge = strings.Repeat("h", hugeSize) })
		resp.Data["blob"] = huge
		return resp, nil
	}
}
