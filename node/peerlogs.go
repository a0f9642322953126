package node

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

// logs reads the peer's own diagnostic records, for the Log Analytics
// query API, which shows the workspace (both instances' records).
func (p *peer) logs(ctx context.Context) ([]azure.LogRecord, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/vpnlab/diagnostics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("peer diagnostics: %s", resp.Status)
	}
	var v struct {
		Value []azure.LogRecord `json:"value"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return nil, fmt.Errorf("peer diagnostics: %w", err)
	}
	return v.Value, nil
}
