// Package pause waits for a while unless a context ends first: the one
// helper the lab, its nodes, the runner and the CLI poll with.
package pause

import (
	"context"
	"time"
)

// For waits d, or returns ctx's error as soon as ctx ends.
func For(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
