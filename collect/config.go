package collect

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/lab"
)

// Configuration as evidence (issue 13): both sides' configured values,
// timers as configured (a scenario may have shortened them), and the Azure
// model as its API shows it now.

// deviceConfig adds the device's identity, peer, selectors, timers and BGP
// addresses to d.
func deviceConfig(ctx context.Context, l Lab, d *diagnose.Device) {
	c := l.Conn(lab.Onprem)
	cfg := &d.Config
	cfg.LocalAddr, cfg.RemoteAddr, cfg.LocalID, cfg.RemoteID = c.LocalAddr, c.RemoteAddr, c.LocalID, c.RemoteID
	cfg.LocalTS, cfg.RemoteTS = c.LocalTS, c.RemoteTS
	cfg.IKELifetime = int(c.IKELifetime / time.Second)
	cfg.ChildLifetime = int(c.ChildLifetime / time.Second)
	if c.ChildHardLifetime > 0 {
		cfg.ChildLifetime = int(c.ChildHardLifetime / time.Second)
	}
	cfg.ChildNoRekey = c.ChildNoRekey
	loadedTimers(ctx, l, c.Name, c.Child(), d)
	cfg.LAN = l.OnpremLAN()
	if r, err := l.Exec(ctx, lab.OnpremGW, "cat", "/etc/vpnlab/strongswan.conf"); err == nil && r.ExitCode == 0 {
		ka := int(lab.NATKeepalive(r.Stdout) / time.Second)
		cfg.NATKeepalive = &ka
	}
	if b := l.BGPSettings(lab.Onprem); b != nil {
		cfg.BGPLocalAddress, cfg.BGPPeerAddress, cfg.Advertised = b.LocalAddress, b.Peer.Address, b.Advertise
	}
}

// azureConfig fills a's configuration from the live model and returns it.
func azureConfig(ctx context.Context, l Lab, a *diagnose.AzureSide, miss func(string, error)) azure.Model {
	m, err := l.LiveModel(ctx)
	if err != nil {
		miss("Azure model (ARM GET of gateway, local network gateway, connection)", err)
		m = l.AzureModel()
	}
	c := &a.Config
	c.GatewayASN, c.LocalGatewayASN = m.Gateway.Asn, m.LocalGateway.Asn
	c.CustomPolicy = len(m.Connection.IpsecPolicies) > 0
	c.BGPEnabled = m.Gateway.EnableBgp && m.Connection.EnableBgp
	c.ConnectionProtocol = m.Connection.ConnectionProtocol
	c.PublicIPs = m.Gateway.PublicIPs()
	c.VNetPrefixes = m.Gateway.VNetAddressSpace
	c.GatewayBGPAddresses = m.Gateway.CustomBgpIPAddresses
	if len(c.GatewayBGPAddresses) == 0 && m.Gateway.BgpPeeringAddress != "" {
		c.GatewayBGPAddresses = []string{m.Gateway.BgpPeeringAddress}
	}
	c.LocalGatewayIP, c.LocalGatewayPrefix, c.LocalGatewayBGPAddr = m.LocalGateway.GatewayIPAddress, m.LocalGateway.AddressPrefixes, m.LocalGateway.BgpPeeringAddress
	c.PolicyBasedTS = m.Connection.UsePolicyBasedTrafficSelectors
	c.DPDTimeout = m.Connection.DpdTimeoutSeconds
	if c.DPDTimeout == 0 {
		c.DPDTimeout = 45
	}
	if len(m.Connection.IpsecPolicies) > 0 {
		p := m.Connection.IpsecPolicies[0]
		c.Policy = &diagnose.AzurePolicy{IKEEncryption: p.IkeEncryption, IKEIntegrity: p.IkeIntegrity, DHGroup: p.DhGroup,
			IPsecEncryption: p.IpsecEncryption, IPsecIntegrity: p.IpsecIntegrity, PFSGroup: p.PfsGroup, SALifetime: p.SaLifeTimeSeconds}
	}
	for _, sn := range m.VirtualNetwork.Subnets {
		c.Subnets = append(c.Subnets, diagnose.AzureSubnet{Name: sn.Name, Prefix: sn.AddressPrefix, RouteTable: sn.RouteTable})
	}
	for _, p := range m.VirtualNetwork.Peerings {
		c.Peerings = append(c.Peerings, diagnose.AzurePeering{Name: p.Name, RemoteVNet: p.RemoteVirtualNetwork, RemotePrefix: p.RemoteAddressSpace})
	}
	for _, rt := range m.RouteTables {
		t := diagnose.AzureRouteTable{Name: rt.Name, DisablePropagation: rt.DisableBgpRoutePropagation}
		for _, r := range rt.Routes {
			t.Routes = append(t.Routes, diagnose.AzureUDR{Name: r.Name, Prefix: r.AddressPrefix, NextHop: r.NextHopType, NextHopIP: r.NextHopIPAddress})
		}
		c.RouteTables = append(c.RouteTables, t)
	}
	if vc := m.Gateway.VpnClient; vc != nil {
		p := &diagnose.P2SConfig{AddressPool: vc.AddressPrefixes, AuthTypes: vc.AuthenticationTypes, RadiusServer: vc.RadiusServerAddress}
		for _, r := range vc.RootCertificates {
			p.RootNames = append(p.RootNames, r.Name)
		}
		for _, r := range vc.RevokedCertificates {
			p.Revoked = append(p.Revoked, r.Thumbprint)
		}
		c.P2S = p
	}
	return m
}

// revokedIn reports whether a thumbprint is on the gateway's revoked list.
func revokedIn(m azure.Model, thumb string) bool {
	if m.Gateway.VpnClient == nil {
		return false
	}
	for _, r := range m.Gateway.VpnClient.RevokedCertificates {
		if strings.EqualFold(r.Thumbprint, thumb) {
			return true
		}
	}
	return false
}

// azureExtras adds what the Azure side shows beyond the gateway itself:
// the Activity Log of the window and the VM's effective routes.
func azureExtras(ctx context.Context, l Lab, a *diagnose.AzureSide, since time.Time, miss func(string, error)) {
	if routes, err := l.EffectiveRoutes(ctx); err != nil {
		miss("the Azure VM NIC's effective routes", err)
	} else {
		for _, n := range l.AzureModel().NetworkInterfaces {
			if n.PrivateIP == lab.AzureVMIP.String() {
				a.VMNIC, a.VMAddress = n.Name, n.PrivateIP
			}
		}
		for _, r := range routes {
			a.EffectiveRoutes = append(a.EffectiveRoutes, diagnose.EffectiveRoute{Source: r.Source, State: r.State,
				Prefixes: r.AddressPrefix, NextHop: r.NextHopType, NextHopIP: r.NextHopIPAddress, Name: r.Name})
		}
	}
	evs, err := l.ActivityLog(ctx, since)
	if err != nil {
		miss("Azure Activity Log", err)
		return
	}
	for _, e := range evs {
		a.Activity = append(a.Activity, diagnose.ActivityEvent{Time: e.EventTimestamp.UTC(), Operation: e.OperationName,
			Resource: e.ResourceID, Caller: e.Caller, Status: e.Status, Changed: e.Changed})
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// pathNAT reads the router's NAT of the device, if any: its translation
// rule and its UDP timeout (an assured flow's), as a NAT's settings show.
func pathNAT(ctx context.Context, l Lab) *diagnose.PathNAT {
	r, err := l.Exec(ctx, lab.Internet, "sh", "-c", "iptables -t nat -S POSTROUTING; cat /proc/sys/net/netfilter/nf_conntrack_udp_timeout_stream")
	if err != nil || r.ExitCode != 0 || !strings.Contains(r.Stdout, "SNAT") {
		return nil
	}
	n := &diagnose.PathNAT{Inside: lab.OnpremPublic.String()}
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	n.UDPTimeout = atoi(strings.TrimSpace(lines[len(lines)-1]))
	return n
}

// loadedTimers corrects the CHILD SA timers with what the device's charon
// has loaded now (vici list-conns): a change made on the device itself,
// by a fault or by the operator's reload, that the lab did not make.
// list-conns shows no hard lifetime: for a CHILD SA that is never rekeyed
// it is the installed SA's age plus its time to expiry.
func loadedTimers(ctx context.Context, l Lab, conn, child string, d *diagnose.Device) {
	conns, err := l.LoadedConns(ctx, lab.OnpremGW)
	if err != nil {
		return
	}
	for _, lc := range conns {
		ch, ok := lc.Children[child]
		if lc.Name != conn || !ok {
			continue
		}
		rekey, err := strconv.Atoi(ch.RekeyTime)
		if err != nil {
			return
		}
		cfg := &d.Config
		if rekey > 0 {
			cfg.ChildNoRekey, cfg.ChildLifetime = false, rekey
			return
		}
		cfg.ChildNoRekey = true
		for _, sa := range d.IKE {
			for _, c := range sa.Children {
				if strings.EqualFold(c.State, "INSTALLED") && c.ExpiresInSeconds > 0 {
					cfg.ChildLifetime = c.InstalledSeconds + c.ExpiresInSeconds
					return
				}
			}
		}
		return
	}
}
