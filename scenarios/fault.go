package scenarios

import (
	"context"
	"time"

	"github.com/vpnlab/vpnlab/contract"
)

// Lab is what faults act on, in the lab's own terms; *lab.Lab satisfies it.
// A fault kind that reuses these actions touches this package only.
type Lab interface {
	// SetSharedKey loads another pre-shared key on one side and renegotiates.
	SetSharedKey(ctx context.Context, side contract.Side, key string) error
	RestoreSharedKey(ctx context.Context, side contract.Side) error
	// ChangeConn changes one side's IKE/ESP algorithms (empty fields
	// keep the configured ones) and renegotiates.
	ChangeConn(ctx context.Context, side contract.Side, p contract.ConnChange) error
	RestoreConn(ctx context.Context, side contract.Side) error
	// Block makes the internet router drop a class of traffic going one way.
	Block(ctx context.Context, class contract.Class, dir contract.Direction) error
	Unblock(ctx context.Context, class contract.Class, dir contract.Direction) error
	// LimitPath makes the internet router drop packets above max bytes,
	// answering with ICMP "fragmentation needed" only when icmp is set.
	LimitPath(ctx context.Context, max int, icmp bool) error
	UnlimitPath(ctx context.Context, max int, icmp bool) error
	// SetTunnelMTU sets a side's tunnel MTU and clamps TCP MSS (0 = MTU − 40).
	SetTunnelMTU(ctx context.Context, side contract.Side, mtu, mss int) error
	// RestoreTunnelMTU sets a side's tunnel MTU and MSS clamp back to its
	// profile's.
	RestoreTunnelMTU(ctx context.Context, side contract.Side) error
	SetBGPPeerASN(ctx context.Context, side contract.Side, peerASN, localASN uint32) error
	RestoreBGPPeer(ctx context.Context, side contract.Side) error
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

// Reverter is a fault whose fix works around it rather than undoing it
// (the path stays limited and the device adapts to it). Revert takes the
// workaround back, so that the fault shows again when it is injected
// again into the repaired lab; faults whose fix undoes them need none.
type Reverter interface {
	Revert(ctx context.Context, l Lab) error
}
