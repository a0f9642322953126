package scenarios

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/contract"
)

// CatalogLab is what the fault catalog's kinds (issue 13) act on beyond
// Lab; *lab.Lab satisfies it.
type CatalogLab interface {
	Lab
	RemoveClientCert(ctx context.Context) error
	RestoreClientCert(ctx context.Context) error
	ReplaceP2SRoot(ctx context.Context, mode string) error
	RestoreP2SRoot(ctx context.Context) error
	SetP2SPool(ctx context.Context, prefixes []string) error
	RestoreP2SPool(ctx context.Context) error
	AzurePut(ctx context.Context, kind, name string, props any) error
	AzurePost(ctx context.Context, kind, name, action string) error
	WithdrawPrefix(ctx context.Context, side contract.Side, prefix string) error
	RestorePrefix(ctx context.Context, side contract.Side, prefix string) error
	SetLocalGateway(ctx context.Context, prefixes []string, bgpAddr string) error
	RestoreLocalGateway(ctx context.Context) error
	UpdateConnectionDPD(ctx context.Context, caller string, seconds int) error
	RestoreConnectionDPD(ctx context.Context) error
}

func catalog(l Lab) (CatalogLab, error) {
	c, ok := l.(CatalogLab)
	if !ok {
		return nil, fmt.Errorf("this lab cannot take the fault catalog's faults")
	}
	return c, nil
}

// build wraps a parameter struct with a check method as a kind.
func build[T any, P interface {
	*T
	Fault
	check() error
}](def func() *T) kind {
	return kind{
		params: func() any { return def() },
		build:  func(p any) (Fault, error) { f := P(p.(*T)); return f, f.check() },
	}
}

// catalogKinds are the fault kinds of the catalog (issue 13).
func catalogKinds() map[string]kind {
	return map[string]kind{
		"peer-address":    build[peerAddress](func() *peerAddress { return &peerAddress{Side: "onprem"} }),
		"ike-identity":    build[ikeIdentity](func() *ikeIdentity { return &ikeIdentity{Side: "onprem"} }),
		"p2s-client-cert": build[p2sClientCert](func() *p2sClientCert { return &p2sClientCert{Action: "remove"} }),
		"p2s-root":        build[p2sRoot](func() *p2sRoot { return &p2sRoot{Action: "other"} }),
		"p2s-pool":        build[p2sPool](func() *p2sPool { return &p2sPool{} }),
		"p2s-revoked":     build[p2sRevoked](func() *p2sRevoked { return &p2sRevoked{} }),
		"p2s-client-eku":  build[p2sClientEKU](func() *p2sClientEKU { return &p2sClientEKU{} }),
		"p2s-radius":      build[p2sRadius](func() *p2sRadius { return &p2sRadius{Action: "address"} }),
		"bgp-withdraw":    build[bgpWithdraw](func() *bgpWithdraw { return &bgpWithdraw{Side: "onprem"} }),
		"local-gateway":   build[localGateway](func() *localGateway { return &localGateway{} }),
		"child-sa":        build[childSA](func() *childSA { return &childSA{Side: "onprem", PFS: "none"} }),
		"connection-update": build[connectionUpdate](func() *connectionUpdate {
			return &connectionUpdate{Caller: "netadmin@contoso.example"}
		}),
	}
}

// peerAddress points one side's IKE at another address (seed 000 §5.3 ②:
// the device's profile targets the wrong Azure public IP).
type peerAddress struct {
	Side    contract.Side `yaml:"side"`
	Address string        `yaml:"address"`
}

func (f *peerAddress) Kind() string { return "peer-address" }
func (f *peerAddress) Describe() string {
	return fmt.Sprintf("the %s side's IKE peer address becomes %s", f.Side, f.Address)
}
func (f *peerAddress) check() error {
	if err := checkSide(f.Side); err != nil {
		return err
	}
	a, err := netip.ParseAddr(f.Address)
	if err != nil || !labAddr(a) {
		return fieldError{"address", "want an IPv4 address inside the lab's ranges (203.0.113.0/24, 198.51.100.0/24, 198.18.0.0/15)"}
	}
	return nil
}
func (f *peerAddress) Inject(ctx context.Context, l Lab) error {
	return l.ChangeConn(ctx, f.Side, contract.ConnChange{PeerAddress: f.Address})
}
func (f *peerAddress) Fix(ctx context.Context, l Lab) error { return l.RestoreConn(ctx, f.Side) }

// labAddr reports whether a lies in the ranges lab traffic may use.
func labAddr(a netip.Addr) bool {
	for _, p := range []string{"203.0.113.0/24", "198.51.100.0/24", "198.18.0.0/15"} {
		if netip.MustParsePrefix(p).Contains(a) {
			return true
		}
	}
	return false
}

// ikeIdentity makes one side identify itself with another IKE ID, e.g. the
// private address of a device behind NAT (seed 000 §5.3 ②).
type ikeIdentity struct {
	Side    contract.Side `yaml:"side"`
	LocalID string        `yaml:"local_id"`
}

func (f *ikeIdentity) Kind() string { return "ike-identity" }
func (f *ikeIdentity) Describe() string {
	return fmt.Sprintf("the %s side identifies itself as %q in IKE", f.Side, f.LocalID)
}
func (f *ikeIdentity) check() error {
	if err := checkSide(f.Side); err != nil {
		return err
	}
	if f.LocalID == "" {
		return fieldError{"local_id", "an identity is needed (an address, an FQDN or a DN)"}
	}
	return nil
}
func (f *ikeIdentity) Inject(ctx context.Context, l Lab) error {
	return l.ChangeConn(ctx, f.Side, contract.ConnChange{LocalID: f.LocalID})
}
func (f *ikeIdentity) Fix(ctx context.Context, l Lab) error { return l.RestoreConn(ctx, f.Side) }

// p2sClientCert takes the point-to-site client's certificate away (seed
// 003: error 798, no certificate for EAP/IKEv2).
type p2sClientCert struct {
	Action string `yaml:"action"` // remove
}

func (f *p2sClientCert) Kind() string { return "p2s-client-cert" }
func (f *p2sClientCert) Describe() string {
	return "the point-to-site client's certificate and key are removed from the client"
}
func (f *p2sClientCert) check() error {
	if f.Action != "remove" {
		return fieldError{"action", fmt.Sprintf("unknown action %q (actions: remove)", f.Action)}
	}
	return nil
}
func (f *p2sClientCert) Inject(ctx context.Context, l Lab) error {
	c, err := catalog(l)
	if err != nil {
		return err
	}
	return c.RemoveClientCert(ctx)
}

// Fix installs a client certificate from the uploaded root (seed 000 §5.4
// 証明書 ③④).
func (f *p2sClientCert) Fix(ctx context.Context, l Lab) error {
	c, err := catalog(l)
	if err != nil {
		return err
	}
	return c.RestoreClientCert(ctx)
}

// p2sRoot changes the root uploaded to the gateway (seed 003 0x80090326 /
// chain not trusted; seed 000 §5.4 証明書 ①②).
type p2sRoot struct {
	Action string `yaml:"action"` // other: a foreign root replaces the right one; expired: the root expired
}

func (f *p2sRoot) Kind() string { return "p2s-root" }
func (f *p2sRoot) Describe() string {
	if f.Action == "expired" {
		return "the P2S root certificate uploaded to the gateway (and the client certificate it issues) is reissued already expired"
	}
	return "the gateway's uploaded root is replaced by one that did not issue the client's certificate"
}
func (f *p2sRoot) check() error {
	if f.Action != "other" && f.Action != "expired" {
		return fieldError{"action", fmt.Sprintf("unknown action %q (actions: other, expired)", f.Action)}
	}
	return nil
}
func (f *p2sRoot) Inject(ctx context.Context, l Lab) error {
	c, err := catalog(l)
	if err != nil {
		return err
	}
	return c.ReplaceP2SRoot(ctx, f.Action)
}

// Fix uploads a valid root that issued the client's certificate (seed 003:
// re-upload the root; seed 000 §5.4 証明書 ④ reissue).
func (f *p2sRoot) Fix(ctx context.Context, l Lab) error {
	c, err := catalog(l)
	if err != nil {
		return err
	}
	return c.RestoreP2SRoot(ctx)
}

// p2sPool sets the gateway's point-to-site client address pool through
// the Azure API (seed 002 「VPN Gateway側の設定確認」: a P2S address pool
// overlapping the VNet or other networks breaks routing). Azure refuses a
// pool inside the VNet, so a scenario overlaps an on-prem range, which it
// accepts.
type p2sPool struct {
	Prefixes []string `yaml:"prefixes"`
}

func (f *p2sPool) Kind() string { return "p2s-pool" }
func (f *p2sPool) Describe() string {
	return fmt.Sprintf("the gateway's point-to-site address pool becomes %s (through the Azure API)", strings.Join(f.Prefixes, ", "))
}
func (f *p2sPool) check() error {
	if len(f.Prefixes) == 0 {
		return fieldError{"prefixes", "at least one prefix is needed"}
	}
	for _, p := range f.Prefixes {
		pp, err := netip.ParsePrefix(p)
		if err != nil || !labAddr(pp.Addr()) {
			return fieldError{"prefixes", fmt.Sprintf("%q is not a prefix inside the lab's ranges, like 198.18.10.0/24", p)}
		}
	}
	return nil
}
func (f *p2sPool) Inject(ctx context.Context, l Lab) error {
	c, err := catalog(l)
	if err != nil {
		return err
	}
	return c.SetP2SPool(ctx, f.Prefixes)
}

// Fix gives the pool a range that overlaps neither the VNet nor on-prem
// (seed 002 「P2Sアドレスプール: … 重複していないか確認」) and has the client
// connect again.
func (f *p2sPool) Fix(ctx context.Context, l Lab) error {
	c, err := catalog(l)
	if err != nil {
		return err
	}
	return c.RestoreP2SPool(ctx)
}

// bgpWithdraw has one side's BGP speaker stop advertising a prefix (seed
// 000 §5.5 ④: an on-prem network not advertised, so Azure has no route back).
type bgpWithdraw struct {
	Side   contract.Side `yaml:"side"`
	Prefix string        `yaml:"prefix"`
}

func (f *bgpWithdraw) Kind() string { return "bgp-withdraw" }
func (f *bgpWithdraw) Describe() string {
	return fmt.Sprintf("the %s side's BGP speaker stops advertising %s", f.Side, f.Prefix)
}
func (f *bgpWithdraw) check() error {
	if err := checkSide(f.Side); err != nil {
		return err
	}
	if _, err := netip.ParsePrefix(f.Prefix); err != nil {
		return fieldError{"prefix", "want a prefix like 198.18.10.0/24"}
	}
	return nil
}
func (f *bgpWithdraw) Inject(ctx context.Context, l Lab) error {
	c, err := catalog(l)
	if err != nil {
		return err
	}
	return c.WithdrawPrefix(ctx, f.Side, f.Prefix)
}

// Fix advertises the prefix again (seed 000 §5.5 ④).
func (f *bgpWithdraw) Fix(ctx context.Context, l Lab) error {
	c, err := catalog(l)
	if err != nil {
		return err
	}
	return c.RestorePrefix(ctx, f.Side, f.Prefix)
}

// localGateway edits the local network gateway through the Azure API: its
// address space and/or its BGP peering address (seed 000 §5.5 ③④).
type localGateway struct {
	Prefixes   []string `yaml:"prefixes"`
	BGPAddress string   `yaml:"bgp_peering_address"`
}

func (f *localGateway) Kind() string { return "local-gateway" }
func (f *localGateway) Describe() string {
	switch {
	case f.BGPAddress != "" && f.Prefixes != nil:
		return fmt.Sprintf("the local network gateway's address space becomes %v and its BGP peer address %s", f.Prefixes, f.BGPAddress)
	case f.BGPAddress != "":
		return "the local network gateway's BGP peer address becomes " + f.BGPAddress
	}
	return fmt.Sprintf("the local network gateway's address space becomes %v", f.Prefixes)
}
func (f *localGateway) check() error {
	for _, p := range f.Prefixes {
		if _, err := netip.ParsePrefix(p); err != nil {
			return fieldError{"prefixes", fmt.Sprintf("%q is not a prefix like 198.18.10.0/24", p)}
		}
	}
	if f.BGPAddress != "" {
		if _, err := netip.ParseAddr(f.BGPAddress); err != nil {
			return fieldError{"bgp_peering_address", "want an address like 169.254.21.2"}
		}
	}
	if f.Prefixes == nil && f.BGPAddress == "" {
		return fieldError{"prefixes", "give prefixes and/or bgp_peering_address"}
	}
	return nil
}
func (f *localGateway) Inject(ctx context.Context, l Lab) error {
	c, err := catalog(l)
	if err != nil {
		return err
	}
	return c.SetLocalGateway(ctx, f.Prefixes, f.BGPAddress)
}

// Fix puts the local network gateway back as the device is (seed 000 §5.5 ③).
func (f *localGateway) Fix(ctx context.Context, l Lab) error {
	c, err := catalog(l)
	if err != nil {
		return err
	}
	return c.RestoreLocalGateway(ctx)
}

// childSA changes one side's CHILD SA: its ESP proposals with a PFS group,
// and its timers, which a scenario shortens so that the rekey or expiry
// that exposes a latent fault happens within seconds (issue 13).
type childSA struct {
	Side      contract.Side `yaml:"side"`
	Proposals []string      `yaml:"proposals"`
	PFS       string        `yaml:"pfs"`      // none, or a group such as ecp384, modp2048
	Lifetime  string        `yaml:"lifetime"` // the CHILD SA lifetime, e.g. 30s (shortened)
	NoRekey   bool          `yaml:"no_rekey"` // the side never rekeys: the SA expires at lifetime

	life time.Duration
}

func (f *childSA) Kind() string { return "child-sa" }
func (f *childSA) Describe() string {
	var parts []string
	if len(f.Proposals) > 0 {
		parts = append(parts, fmt.Sprintf("ESP proposals %s (PFS %s)", strings.Join(f.Proposals, ","), f.PFS))
	}
	if f.Lifetime != "" {
		s := "CHILD SA lifetime " + f.Lifetime + " (shortened)"
		if f.NoRekey {
			s += " without rekeying"
		}
		parts = append(parts, s)
	}
	return fmt.Sprintf("the %s side's CHILD SA: %s", f.Side, strings.Join(parts, "; "))
}
func (f *childSA) check() error {
	if err := checkSide(f.Side); err != nil {
		return err
	}
	if f.Lifetime != "" {
		var err error
		if f.life, err = time.ParseDuration(f.Lifetime); err != nil || f.life < 5*time.Second {
			return fieldError{"lifetime", "want a duration of at least 5s, like 30s"}
		}
	}
	if f.NoRekey && f.life == 0 {
		return fieldError{"no_rekey", "needs a lifetime"}
	}
	if len(f.Proposals) == 0 && f.life == 0 {
		return fieldError{"proposals", "give proposals and/or a lifetime"}
	}
	return nil
}
func (f *childSA) Inject(ctx context.Context, l Lab) error {
	ch := contract.ConnChange{ChildLifetime: f.life, ChildNoRekey: f.NoRekey}
	for _, p := range f.Proposals {
		if f.PFS != "" && f.PFS != "none" {
			p += "-" + f.PFS
		}
		ch.ESP = append(ch.ESP, p)
	}
	return l.ChangeConn(ctx, f.Side, ch)
}

// Fix restores the side's configured CHILD SA (proposals and timers).
func (f *childSA) Fix(ctx context.Context, l Lab) error { return l.RestoreConn(ctx, f.Side) }

// connectionUpdate is a change made on the Azure side through the API by
// a named user, which the Activity Log records: the connection's DPD
// timeout is edited, and Azure reapplies the connection (the tunnel drops
// for a few seconds) (seed 000 §5.6 設定変更).
type connectionUpdate struct {
	DPDTimeout int    `yaml:"dpd_timeout"`
	Caller     string `yaml:"caller"`
}

func (f *connectionUpdate) Kind() string { return "connection-update" }
func (f *connectionUpdate) Describe() string {
	return fmt.Sprintf("%s sets the connection's DPD timeout to %d s through the Azure API", f.Caller, f.DPDTimeout)
}
func (f *connectionUpdate) check() error {
	if f.DPDTimeout < 9 || f.DPDTimeout > 3600 {
		return fieldError{"dpd_timeout", "want 9..3600 seconds (Azure's range)"}
	}
	if !strings.Contains(f.Caller, "@") {
		return fieldError{"caller", "want a user principal name like netadmin@contoso.example"}
	}
	return nil
}
func (f *connectionUpdate) Inject(ctx context.Context, l Lab) error {
	c, err := catalog(l)
	if err != nil {
		return err
	}
	return c.UpdateConnectionDPD(ctx, f.Caller, f.DPDTimeout)
}

// Fix reverts the change through the Azure API, as the operator does once
// the Activity Log has named it and its author and it turns out not to be
// agreed (seed 000 §5.6 直前に行った変更の棚卸し): the connection's DPD
// timeout goes back to the lab's. Azure reapplies the connection, so the
// tunnel drops once more and comes back by itself (the runner judges the
// lab from when it is healthy again).
func (f *connectionUpdate) Fix(ctx context.Context, l Lab) error {
	c, err := catalog(l)
	if err != nil {
		return err
	}
	return c.RestoreConnectionDPD(ctx)
}
