package node

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/vpnlab/vpnlab/contract"
)

// readSpec decodes a JSON spec file into v.
func readSpec(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// RunGateway runs the on-prem VPN device until ctx ends or charon dies.
func RunGateway(ctx context.Context, specPath string) error {
	var spec contract.GatewaySpec
	if err := readSpec(specPath, &spec); err != nil {
		return err
	}
	log, closer, err := newLogger("gateway")
	if err != nil {
		return err
	}
	defer closer.Close()
	g, err := startGateway(ctx, spec, log, nil)
	if err != nil {
		return err
	}
	defer g.stop()
	log.Info("gateway ready", "source", "node", "conn", spec.Conn.Name)
	if spec.Conn.Initiator {
		go g.keepUp(ctx, 3*time.Second)
	}
	select {
	case <-ctx.Done():
		return nil
	case err := <-g.charon.Done():
		return fmt.Errorf("charon exited: %v", err)
	}
}
