package pause_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/pause"
)

func TestFor(t *testing.T) {
	if err := pause.For(context.Background(), time.Millisecond); err != nil {
		t.Fatalf("a short pause: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := pause.For(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("a pause on an ended context: %v, want context.Canceled", err)
	}
	if time.Since(start) > time.Minute {
		t.Fatal("the pause did not end with its context")
	}
}
