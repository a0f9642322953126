package lab

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

func TestCheckDockerNoDaemon(t *testing.T) {
	cli, err := client.New(client.WithHost("unix:///nonexistent/docker.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = checkDocker(ctx, cli)
	if !errors.Is(err, ErrNoDocker) {
		t.Fatalf("error = %v, want it to wrap ErrNoDocker", err)
	}
	if !strings.HasPrefix(err.Error(), "no Docker daemon: ") || !strings.Contains(err.Error(), "try 'docker info'") {
		t.Errorf("error = %q, want it to start with %q and suggest %q", err, "no Docker daemon: ", "try 'docker info'")
	}
}
