package collect

import (
	"context"
	"crypto/x509"
	"time"

	"github.com/vpnlab/vpnlab/bgp"
	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/swan"
)

// Lab is what collect reads from a running lab; *lab.Lab satisfies it, and
// the unit tests run collect against a fake.
type Lab interface {
	// Exec runs a command in a node: probes, event logs, routes, the tunnel.
	Exec(ctx context.Context, node string, cmd ...string) (lab.ExecResult, error)
	// Node says whether the lab has a node (nil: no such node).
	Node(name string) *lab.Node
	// SAs and BGPPeers read a gateway's charon (vici) and GoBGP speaker.
	SAs(ctx context.Context, node string) ([]swan.IKESA, error)
	// LoadedConns are the connections a gateway's charon has loaded.
	LoadedConns(ctx context.Context, node string) ([]swan.LoadedConn, error)
	BGPPeers(ctx context.Context, node string) ([]bgp.PeerStatus, error)
	RouterCounters(ctx context.Context) (map[string]contract.Counter, error)
	// The fake gateway's Azure-like API.
	AzureConnection(ctx context.Context) (lab.ConnectionView, error)
	AzureBGPPeers(ctx context.Context) ([]azure.BgpPeerStatus, error)
	AzureLogs(ctx context.Context, category string) ([]azure.LogRecord, error)
	// LiveModel is the Azure model as the API shows it now; ActivityLog
	// the changes made through it since a time.
	LiveModel(ctx context.Context) (azure.Model, error)
	ActivityLog(ctx context.Context, since time.Time) ([]azure.ActivityEvent, error)
	// EffectiveRoutes are the Azure VM NIC's effective routes.
	EffectiveRoutes(ctx context.Context) ([]azure.EffectiveRoute, error)
	// What the lab configured: a side's connection as loaded, its BGP
	// ASNs and settings, the on-prem LAN, the Azure model, the P2S
	// client's certificate (or whether a fault removed it).
	Conn(side contract.Side) swan.Conn
	BGPConfig(side contract.Side) (local, peer uint32)
	BGPSettings(side contract.Side) *bgp.Config
	OnpremLAN() []string
	AzureModel() azure.Model
	ClientCert() (*x509.Certificate, error)
	ClientCertRemoved() bool
}

var _ Lab = (*lab.Lab)(nil)
