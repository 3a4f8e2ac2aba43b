package main

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/vault/sdk/logical"
)

// tidyInterval is how often the background tidy looks at issued/ (short, so that a
// conformance run sees it working; a production engine would tidy far less often).
const tidyInterval = 250 * time.Millisecond

// tidy is the engine's own background work: from Initialize until Cleanup it lists
// issued/ (where a production engine would drop long-revoked records). Cleanup must
// stop it: after an unmount the mount's storage is no longer the plugin's to touch (the
// SDK closes the storage connection on Cleanup, so a tidy left running fails and logs).
type tidy struct {
	once sync.Once
	stop chan struct{}
	done chan struct{}
}

func (b *backend) initialize(ctx context.Context, req *logical.InitializationRequest) error {
	t := &tidy{stop: make(chan struct{}), done: make(chan struct{})}
	b.tidy = t
	storage := req.Storage
	go func() {
		defer close(t.done)
		ticker := time.NewTicker(tidyInterval)
		defer ticker.Stop()
		for {
			select {
			case <-t.stop:
				return
			case <-ticker.C:
				listCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
							if _, err := storage.List(listCtx, issuedPrefix); err != nil {
					b.Logger().Warn("tidy pass failed; retrying on the next tick", "error", err)
				}
							cancel()
			}
		}
	}()
	return nil
}

// cleanup stops the background tidy and waits for it (bounded: a List in flight ends within its timeout).
func (b *backend) cleanup(ctx context.Context) {
	if mutation.clean != nil {
		mutation.clean(ctx)
	}
	if b.tidy == nil || mutation.keepTidyAfterCleanup {
		return
	}
	b.tidy.once.Do(func() { close(b.tidy.stop) })
	select {
	case <-b.tidy.done:
	case <-time.After(3 * time.Second):
	}
}
