package collect

import (
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/bgp"
	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/swan"
)

// fakeLab answers collect's reads with canned values: a healthy tunnel on
// the device whose packet counters grow between the two snapshots, the
// router's counters likewise, and command outputs by command line.
type fakeLab struct {
	mu       sync.Mutex
	reads    int // SAs of the device read so far
	counters int
	exec     map[string]lab.ExecResult
	routerOK bool
	loaded   []swan.LoadedConn // charon's loaded connections (nil: vici fails)
}

func (f *fakeLab) Exec(_ context.Context, node string, cmd ...string) (lab.ExecResult, error) {
	key := node + ": " + strings.Join(cmd, " ")
	for k, r := range f.exec {
		if strings.HasPrefix(key, k) {
			return r, nil
		}
	}
	return lab.ExecResult{ExitCode: 1, Stderr: "not faked: " + key}, nil
}
func (f *fakeLab) Node(name string) *lab.Node { return nil } // no P2S client
func (f *fakeLab) SAs(_ context.Context, node string) ([]swan.IKESA, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	n := uint64(10 * f.reads)
	return []swan.IKESA{{State: "ESTABLISHED", LocalHost: "198.51.100.10", RemoteHost: "203.0.113.10",
		Children: []swan.ChildSA{{UniqueID: "1", State: "INSTALLED", PacketsIn: n, PacketsOut: 2 * n}}}}, nil
}
func (f *fakeLab) LoadedConns(context.Context, string) ([]swan.LoadedConn, error) {
	if f.loaded == nil {
		return nil, errors.New("no vici")
	}
	return f.loaded, nil
}
func (f *fakeLab) BGPPeers(context.Context, string) ([]bgp.PeerStatus, error) {
	return []bgp.PeerStatus{{Neighbor: "169.254.21.1", State: "ESTABLISHED", LocalASN: 65010, PeerASN: 65515, Received: 1}}, nil
}
func (f *fakeLab) RouterCounters(context.Context) (map[string]contract.Counter, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.routerOK {
		return nil, errors.New("router gone")
	}
	f.counters++
	return map[string]contract.Counter{
		contract.CounterName(contract.ToAzure, contract.ESP4500):  {Packets: uint64(100 * f.counters)},
		contract.CounterName(contract.ToOnprem, contract.ESP4500): {Packets: uint64(50 * f.counters)},
	}, nil
}
func (f *fakeLab) AzureConnection(context.Context) (lab.ConnectionView, error) {
	var v lab.ConnectionView
	v.Properties.ConnectionStatus = "Connected"
	return v, nil
}
func (f *fakeLab) AzureBGPPeers(context.Context) ([]azure.BgpPeerStatus, error) { return nil, nil }
func (f *fakeLab) AzureLogs(context.Context, string) ([]azure.LogRecord, error) {
	return nil, nil
}
func (f *fakeLab) LiveModel(context.Context) (azure.Model, error) { return routedModel(), nil }

// routedModel is the default model with a route table on the VM's subnet
// and a peering, as the API shows them after a change.
func routedModel() azure.Model {
	m := azure.DefaultModel()
	m.RouteTables = []azure.RouteTable{{Name: "rt", Routes: []azure.Route{{Name: "nva", AddressPrefix: "198.18.10.0/24", NextHopType: "VirtualAppliance", NextHopIPAddress: "198.19.2.4"}}}}
	m.VirtualNetwork.Subnets[1].RouteTable = "rt"
	m.VirtualNetwork.Peerings = []azure.VNetPeering{{Name: "p", RemoteVirtualNetwork: "x/virtualNetworks/spoke", RemoteAddressSpace: []string{"198.18.64.0/24"}}}
	return m
}
func (f *fakeLab) ActivityLog(context.Context, time.Time) ([]azure.ActivityEvent, error) {
	return nil, nil
}
func (f *fakeLab) EffectiveRoutes(context.Context) ([]azure.EffectiveRoute, error) {
	routes, _ := routedModel().EffectiveRoutes(azure.VMNIC, nil)
	return routes, nil
}
func (f *fakeLab) Conn(contract.Side) swan.Conn {
	return swan.Conn{Version: 2, Proposals: []string{"aes256-sha256-modp1024"}, DPDDelay: 30 * time.Second}
}
func (f *fakeLab) BGPConfig(contract.Side) (uint32, uint32) { return 65010, 65515 }
func (f *fakeLab) BGPSettings(contract.Side) *bgp.Config    { return nil }
func (f *fakeLab) OnpremLAN() []string                      { return []string{"198.18.10.0/24"} }
func (f *fakeLab) AzureModel() azure.Model                  { return azure.DefaultModel() }
func (f *fakeLab) ClientCert() (*x509.Certificate, error)   { return nil, errors.New("none") }
func (f *fakeLab) ClientCertRemoved() bool                  { return false }

var _ Lab = (*fakeLab)(nil)

const pingOut = `PING 198.19.1.4 (198.19.1.4) 56(84) bytes of data.
64 bytes from 198.19.1.4: icmp_seq=1 ttl=62 time=1.74 ms

--- 198.19.1.4 ping statistics ---
4 packets transmitted, 3 received, 25% packet loss, time 751ms
`

func newFake(routerOK bool) *fakeLab {
	events := `{"time":"2026-12-01T11:00:00Z","level":"INFO","msg":"old","source":"charon"}
{"time":"2030-01-01T00:00:00Z","level":"WARN","msg":"sent notification","source":"gobgp","node":"onprem-gw","Data":"hold timer expired","Key":"169.254.21.1"}
not json
`
	return &fakeLab{routerOK: routerOK, exec: map[string]lab.ExecResult{
		lab.OnpremHost + ": ping":                      {Stdout: pingOut},
		lab.OnpremHost + ": vpnlab-node probe tcp":     {Stdout: `{"ok":true,"rtt_ms":1.2}`},
		lab.OnpremHost + ": vpnlab-node probe bulk":    {Stdout: `{"ok":false,"bytes":1000,"wanted":262144,"error":"timeout"}`},
		lab.OnpremHost + ": vpnlab-node probe pmtu":    {Stdout: `{"max_passing":1300,"min_silent":1301,"largest_tried":1500}`},
		lab.OnpremGW + ": vpnlab-node tunnel":          {Stdout: `{"mtu":1230,"mss_clamp":1190}`},
		lab.OnpremGW + ": ip -o route show dev ipsec0": {Stdout: "198.19.0.0/16 scope link\n169.254.21.1 scope link\n"},
		lab.OnpremGW + ": cat " + contract.EventsFile:  {Stdout: events},
	}}
}

func TestEvidence(t *testing.T) {
	since := time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC)
	ev, err := Evidence(context.Background(), newFake(true), since)
	if err != nil {
		t.Fatal(err)
	}
	if p := ev.Probes.Ping; p == nil || p.Sent != 4 || p.Received != 3 {
		t.Errorf("ping %+v, want 4 sent, 3 received (from the ping output)", p)
	}
	if c := ev.Probes.TCPConnect; c == nil || !c.OK {
		t.Errorf("tcp connect %+v", c)
	}
	if b := ev.Probes.TCPBulk; b == nil || b.OK || b.Bytes != 1000 || b.Error != "timeout" {
		t.Errorf("bulk %+v", b)
	}
	if m := ev.Probes.PMTU; m == nil || m.MaxPassing != 1300 || m.MinSilent != 1301 {
		t.Errorf("pmtu %+v", m)
	}
	d := ev.Onprem
	if d == nil {
		t.Fatal("no device")
	}
	// The live tunnel, not the profile's defaults (a fix may have changed them).
	if d.Config.TunnelMTU != 1230 || d.Config.MSSClamp != 1190 {
		t.Errorf("tunnel MTU %d, MSS clamp %d; want the live 1230 and 1190", d.Config.TunnelMTU, d.Config.MSSClamp)
	}
	if len(d.IKE) != 1 || len(d.IKE[0].Children) != 1 || d.IKE[0].Children[0].PacketsInDelta == 0 {
		t.Errorf("device SAs %+v, want a CHILD SA whose packets grew in the window", d.IKE)
	}
	if strings.Join(d.Routes, " ") != "198.19.0.0/16 169.254.21.1" {
		t.Errorf("routes %v", d.Routes)
	}
	// Events before the window and lines that are no JSON are left out;
	// the structured fields follow the message, sorted, as offline reads them.
	if len(d.Log) != 1 || d.Log[0].Source != "gobgp" ||
		d.Log[0].Message != "sent notification Data=hold timer expired Key=169.254.21.1" {
		t.Errorf("device log %+v", d.Log)
	}
	if len(d.BGP) != 1 || d.BGP[0].State != "ESTABLISHED" || d.Config.PeerASN != 65515 {
		t.Errorf("BGP %+v, peer ASN %d", d.BGP, d.Config.PeerASN)
	}
	if ev.Path == nil || ev.Path.ToAzure.ESP4500 != 100 || ev.Path.ToOnprem.ESP4500 != 50 {
		t.Errorf("path %+v, want the counters' growth between the snapshots", ev.Path)
	}
	if ev.Azure == nil || ev.Azure.ConnectionStatus != "Connected" {
		t.Fatalf("azure %+v", ev.Azure)
	}
	// The Azure model's routing: route tables, subnets, peerings, and the
	// VM NIC's effective routes.
	c := ev.Azure.Config
	if len(c.RouteTables) != 1 || len(c.RouteTables[0].Routes) != 1 || c.RouteTables[0].Routes[0].NextHopIP != "198.19.2.4" {
		t.Errorf("route tables %+v", c.RouteTables)
	}
	if len(c.Subnets) != 2 || c.Subnets[1].RouteTable != "rt" || len(c.Peerings) != 1 || c.Peerings[0].RemotePrefix[0] != "198.18.64.0/24" {
		t.Errorf("subnets %+v, peerings %+v", c.Subnets, c.Peerings)
	}
	user := false
	for _, r := range ev.Azure.EffectiveRoutes {
		user = user || r.Source == "User" && r.State == "Active" && r.NextHop == "VirtualAppliance"
	}
	if !user || ev.Azure.VMNIC != azure.VMNIC {
		t.Errorf("effective routes of %q: %+v", ev.Azure.VMNIC, ev.Azure.EffectiveRoutes)
	}
}

func TestEvidenceNamesWhatIsMissing(t *testing.T) {
	ev, err := Evidence(context.Background(), newFake(false), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Path != nil {
		t.Errorf("path %+v without router counters", ev.Path)
	}
	if !strings.Contains(strings.Join(ev.Missing, "\n"), "internet router counters: router gone") {
		t.Errorf("missing %q, want the router counters named", ev.Missing)
	}
}

// The device's CHILD SA timers are what its charon has loaded now: a
// change made on the device (a fault, the operator's reload) shows.
func TestLoadedTimers(t *testing.T) {
	installed := []diagnose.IKESA{{State: "ESTABLISHED", Children: []diagnose.ChildSA{
		{State: "REKEYED", InstalledSeconds: 50, ExpiresInSeconds: 1},
		{State: "INSTALLED", InstalledSeconds: 12, ExpiresInSeconds: 18, RekeyInSeconds: -40}}}}
	for _, tc := range []struct {
		name     string
		loaded   []swan.LoadedConn
		noRekey  bool
		lifetime int
	}{
		{"vici fails: the lab's own view stays", nil, false, 3600},
		{"never rekeyed: the lifetime is the SA's age plus its time to expiry",
			[]swan.LoadedConn{{Name: "other"}, {Name: "azure", Children: map[string]swan.LoadedChild{"azure": {RekeyTime: "0"}}}}, true, 30},
		{"fixed on the device: rekeyed", []swan.LoadedConn{{Name: "azure", Children: map[string]swan.LoadedChild{"azure": {RekeyTime: "25200"}}}}, false, 25200},
		{"another connection only", []swan.LoadedConn{{Name: "other", Children: map[string]swan.LoadedChild{"azure": {RekeyTime: "0"}}}}, false, 3600},
	} {
		d := &diagnose.Device{IKE: installed}
		d.Config.ChildLifetime = 3600
		loadedTimers(context.Background(), &fakeLab{loaded: tc.loaded}, "azure", "azure", d)
		if d.Config.ChildNoRekey != tc.noRekey || d.Config.ChildLifetime != tc.lifetime {
			t.Errorf("%s: no rekey %v, lifetime %d", tc.name, d.Config.ChildNoRekey, d.Config.ChildLifetime)
		}
	}
}
