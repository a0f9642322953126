package node

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/vpnlab/vpnlab/contract"
)

// newLogger returns a JSON logger writing to stdout and EventsFile.
func newLogger(role string) (*slog.Logger, io.Closer, error) {
	if err := os.MkdirAll(filepath.Dir(contract.EventsFile), 0o755); err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(contract.EventsFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, err
	}
	h := slog.NewJSONHandler(io.MultiWriter(os.Stdout, f), &slog.HandlerOptions{Level: slog.LevelInfo})
	return slog.New(h).With("node", role), f, nil
}
