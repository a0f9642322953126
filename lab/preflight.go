package lab

import (
	"context"
	"errors"
	"fmt"

	"github.com/moby/moby/client"
)

// ErrNoDocker means the Docker daemon could not be reached.
var ErrNoDocker = errors.New("no Docker daemon")

// checkDocker pings the daemon.
func checkDocker(ctx context.Context, cli *client.Client) error {
	if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
		return fmt.Errorf("%w: %v (is Docker running, and may this user use it? try 'docker info')", ErrNoDocker, err)
	}
	return nil
}

// checkImage fails fast when the node image is missing: testcontainers would
// otherwise try to pull it for a long time from a registry that may not exist.
func checkImage(ctx context.Context, cli *client.Client, image string) error {
	if _, err := cli.ImageInspect(ctx, image); err != nil {
		return fmt.Errorf("image %s not found: build it with 'make images' (%v)", image, err)
	}
	return nil
}
