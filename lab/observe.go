package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// Logs returns a node's container output (stdout and stderr).
func (l *Lab) Logs(ctx context.Context, nodeName string) (string, error) {
	n := l.nodes[nodeName]
	if n == nil {
		return "", fmt.Errorf("no node %s", nodeName)
	}
	rc, err := l.cli.ContainerLogs(ctx, n.ContainerID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return "", fmt.Errorf("logs of %s: %w", nodeName, err)
	}
	defer rc.Close()
	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &out, rc); err != nil {
		return "", fmt.Errorf("logs of %s: %w", nodeName, err)
	}
	return out.String(), nil
}

// NodeMemory is one container's memory use as `docker stats` shows it
// (usage less the page cache).
type NodeMemory struct {
	Node  string `json:"node"`
	Bytes uint64 `json:"bytes"`
}

// Memory samples every node's memory use.
func (l *Lab) Memory(ctx context.Context) ([]NodeMemory, error) {
	var out []NodeMemory
	for name, n := range l.nodes {
		res, err := l.cli.ContainerStats(ctx, n.ContainerID, client.ContainerStatsOptions{Stream: false})
		if err != nil {
			return nil, fmt.Errorf("stats of %s: %w", name, err)
		}
		var st container.StatsResponse
		err = json.NewDecoder(res.Body).Decode(&st)
		res.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("stats of %s: %w", name, err)
		}
		used := st.MemoryStats.Usage
		// cgroup v2 reports inactive_file, v1 total_inactive_file; docker stats subtracts it.
		for _, k := range []string{"inactive_file", "total_inactive_file"} {
			if v, ok := st.MemoryStats.Stats[k]; ok && v < used {
				used -= v
				break
			}
		}
		out = append(out, NodeMemory{Node: name, Bytes: used})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Node < out[j].Node })
	return out, nil
}
