package swan

import (
	"context"
	"fmt"
	"sort"

	"github.com/strongswan/govici/vici"
)

// LoadedConn is a connection as charon has it loaded (vici list-conns,
// `swanctl --list-conns`): what the device runs, whatever a file says.
type LoadedConn struct {
	Name string `json:"name"`
	// RekeyTime is the IKE SA's rekey interval in seconds ("0": never).
	RekeyTime string                 `json:"rekey_time,omitempty" vici:"rekey_time"`
	Children  map[string]LoadedChild `json:"children" vici:"children"`
}

// LoadedChild is one CHILD_SA configuration of a loaded connection.
type LoadedChild struct {
	// RekeyTime is the CHILD_SA's rekey interval in seconds; "0": charon
	// never rekeys it and it expires at its life_time (which list-conns
	// does not show; the SA's expiry does).
	RekeyTime string `json:"rekey_time,omitempty" vici:"rekey_time"`
}

// ListConns returns charon's loaded connections, ordered by name.
func ListConns(ctx context.Context, s *vici.Session) ([]LoadedConn, error) {
	var out []LoadedConn
	for m, err := range s.CallStreaming(ctx, "list-conns", "list-conn", vici.NewMessage()) {
		if err != nil {
			return nil, fmt.Errorf("list-conns: %w", err)
		}
		for _, name := range m.Keys() {
			cm, ok := m.Get(name).(*vici.Message)
			if !ok {
				continue
			}
			var c LoadedConn
			if err := vici.UnmarshalMessage(cm, &c); err != nil {
				return nil, fmt.Errorf("list-conns %s: %w", name, err)
			}
			c.Name = name
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
