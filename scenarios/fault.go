package scenarios

import (
	"context"
	"time"

	"github.com/vpnlab/vpnlab/swan"
)

// Lab is what faults act on; *lab.Lab satisfies it. Sides are "onprem"
// and "azure".
type Lab interface {
	SetSharedKey(ctx context.Context, side, key string) error
	RestoreSharedKey(ctx context.Context, side string) error
	SetConn(ctx context.Context, side string, edit func(*swan.Conn)) error
	RestoreConn(ctx context.Context, side string) error
	RouterRule(ctx context.Context, add bool, rule ...string) error
	SetTunnelMTU(ctx context.Context, side string, mtu, mss int) error
	SetBGPPeerASN(ctx context.Context, side string, peerASN, localASN uint32) error
	RestoreBGPPeer(ctx context.Context, side string) error
	ReissueClientCert(ctx context.Context, notBefore, notAfter time.Time) error
	RestoreClientCert(ctx context.Context) error
	// Failover moves the gateway's public IP to the standby instance
	// (switchTime later) and returns once the tunnel is back.
	Failover(ctx context.Context, planned bool, switchTime time.Duration) error
}

// Fault is one fault injection: it acts on a real component, and Fix
// applies the documented remedy to the same component.
type Fault interface {
	Kind() string
	// Describe says what the fault does, without secrets.
	Describe() string
	Inject(ctx context.Context, l Lab) error
	Fix(ctx context.Context, l Lab) error
}
