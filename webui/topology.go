package webui

import (
	"fmt"
	"slices"

	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/swan"
)

// Link and node states as the drawing colours them.
const (
	Up       = "up"
	Down     = "down"
	Degraded = "degraded" // partly up: e.g. the tunnel without BGP
	Standby  = "standby"
	Absent   = "absent"
)

// Topology is the state of each drawn node and link.
type Topology struct {
	Nodes map[string]string `json:"nodes"`
	Links map[string]string `json:"links"`
	// Labels are short texts drawn next to nodes and links (counters).
	Labels map[string]string `json:"labels"`
}

// Packets returns the router's packet counters of a status by name.
func Packets(s lab.Status) map[string]uint64 {
	m := map[string]uint64{}
	for k, c := range s.Router {
		m[k] = c.Packets
	}
	return m
}

// Draw derives the drawing's states from a status; prev (may be nil) is
// the router's packet counters at the previous refresh, for packet rates.
func Draw(s lab.Status, prev map[string]uint64) Topology {
	t := Topology{Nodes: map[string]string{}, Links: map[string]string{}, Labels: map[string]string{}}
	gwState := func(g lab.GatewayStatus) string {
		switch {
		case g.TunnelUp() && g.BGPUp():
			return Up
		case g.TunnelUp() || slices.ContainsFunc(g.SAs, func(sa swan.IKESA) bool { return sa.State == "ESTABLISHED" }):
			// Partly up. An IKE SA still connecting (a key or policy the
			// peer refuses, retried) is not: the gateway is down.
			return Degraded
		}
		return Down
	}
	t.Nodes[lab.OnpremGW] = gwState(s.Onprem)
	active := s.Azure.Node
	if active == "" {
		active = lab.AzureGW
	}
	t.Nodes[active] = gwState(s.Azure)
	other := lab.AzureGW1
	if active == lab.AzureGW1 {
		other = lab.AzureGW
	}
	if s.AzureIN1 != nil {
		t.Nodes[lab.AzureGW1] = gwState(*s.AzureIN1)
	} else {
		t.Nodes[other] = Standby
	}
	t.Labels[active] = "active"
	tunnel, child := Down, Down
	if s.Onprem.TunnelUp() && s.Azure.TunnelUp() {
		tunnel, child = Up, Up
	} else {
		for _, sa := range s.Onprem.SAs {
			if sa.State == "ESTABLISHED" {
				tunnel = Degraded // IKE up, no CHILD SA
			}
		}
	}
	t.Links["tunnel"], t.Links["child"] = tunnel, child
	t.Links["bgp"] = Down
	if s.Onprem.BGPUp() && s.Azure.BGPUp() {
		t.Links["bgp"] = Up
	} else if s.Onprem.BGPUp() || s.Azure.BGPUp() {
		t.Links["bgp"] = Degraded
	}
	if s.AzureIN1 != nil {
		t.Links["tunnel-in1"] = Down
		if s.AzureIN1.TunnelUp() {
			t.Links["tunnel-in1"] = Up
		}
	}
	t.Links["p2s"] = Absent
	t.Nodes[lab.P2SClient] = Absent
	if s.P2S != nil {
		t.Links["p2s"], t.Nodes[lab.P2SClient] = Down, Down
		if s.P2S.TunnelUp() {
			t.Links["p2s"], t.Nodes[lab.P2SClient] = Up, Up
		}
	}
	portal := Down
	if s.API.ConnectionStatus == "Connected" {
		portal = Up
	}
	t.Nodes["portal"] = portal
	t.Labels["portal"] = s.API.ConnectionStatus
	t.Nodes[lab.Internet] = Up
	if len(s.Router) == 0 {
		t.Nodes[lab.Internet] = Degraded
	}
	for _, d := range []string{"to-azure", "to-onprem"} {
		esp := s.Router[d+"/esp-udp4500"].Packets
		ike := s.Router[d+"/ike-udp500"].Packets + s.Router[d+"/ike-udp4500"].Packets
		label := fmt.Sprintf("%s: IKE %d, ESP %d", d, ike, esp)
		if prev != nil {
			label += fmt.Sprintf(" (+%d)", esp-min(esp, prev[d+"/esp-udp4500"]))
		}
		t.Labels["router-"+d] = label
	}
	for _, n := range []string{lab.OnpremHost, lab.AzureVM} {
		t.Nodes[n] = Up
	}
	return t
}
