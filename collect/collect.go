package collect

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/vpnlab/vpnlab/bgp"
	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/offline"
	"github.com/vpnlab/vpnlab/pki"
	"github.com/vpnlab/vpnlab/swan"
)

// Evidence collects evidence from l covering the time since since. Parts
// that cannot be read are named in Evidence.Missing; only a lab that cannot
// be read at all is an error.
func Evidence(ctx context.Context, l Lab, since time.Time) (diagnose.Evidence, error) {
	ev := diagnose.Evidence{WindowStart: since.UTC()}

	before := snapshot(ctx, l)
	var ike []string
	if before.onpremErr == nil && !anyEstablished(before.onprem) {
		// IKE does not come up: does the gateway answer IKE at all?
		ike = l.AzureModel().Gateway.PublicIPs()
	}
	ev.Probes = probes(ctx, l, ike)
	after := snapshot(ctx, l)
	ev.CollectedAt = time.Now().UTC()

	// The views below read different nodes and APIs: they run side by
	// side (the point-to-site client's after the Azure model it is
	// judged against), each naming what it missed in its own list, and
	// the lists join in a fixed order.
	var (
		wg                             sync.WaitGroup
		missDevice, missAzure, missP2S []string
		missPath, missRadius           []string
		nat                            *diagnose.PathNAT
		routerOK                       = before.routerErr == nil && after.routerErr == nil
	)
	missIn := func(list *[]string) func(string, error) {
		return func(what string, err error) { *list = append(*list, fmt.Sprintf("%s: %v", what, err)) }
	}
	wg.Add(3)
	go func() {
		defer wg.Done()
		if after.onpremErr != nil {
			missIn(&missDevice)("on-prem device (vici)", after.onpremErr)
			return
		}
		ev.Onprem = device(ctx, l, before.onprem, after.onprem, since)
	}()
	go func() {
		defer wg.Done()
		model := l.AzureModel()
		if after.azureErr != nil {
			missIn(&missAzure)("Azure side (API)", after.azureErr)
		} else {
			ev.Azure, model = azureSide(ctx, l, before, after, since, missIn(&missAzure))
		}
		ev.P2S = p2sClients(ctx, l, since, model, missIn(&missP2S))
	}()
	go func() {
		defer wg.Done()
		if routerOK {
			nat = pathNAT(ctx, l)
		} else {
			missIn(&missPath)("internet router counters", after.routerErr)
		}
		ev.Radius = radiusServer(ctx, l, since, missIn(&missRadius))
	}()
	wg.Wait()
	if routerOK {
		ev.Path = pathDelta(before.router, after.router)
		ev.Path.NAT = nat
	}
	for _, m := range [][]string{missDevice, missAzure, missPath, missP2S, missRadius} {
		ev.Missing = append(ev.Missing, m...)
	}
	if ev.Onprem == nil && ev.Azure == nil {
		return ev, fmt.Errorf("collect: neither side could be read: %v; %v", after.onpremErr, after.azureErr)
	}
	return ev, nil
}

// snap is one moment's counters.
type snap struct {
	onprem, azureSAs []swan.IKESA
	onpremErr        error
	router           map[string]contract.Counter
	routerErr        error
	conn             lab.ConnectionView
	azureErr         error
}

func snapshot(ctx context.Context, l Lab) snap {
	var s snap
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); s.onprem, s.onpremErr = l.SAs(ctx, lab.OnpremGW) }()
	go func() { defer wg.Done(); s.router, s.routerErr = l.RouterCounters(ctx) }()
	go func() { defer wg.Done(); s.conn, s.azureErr = l.AzureConnection(ctx) }()
	wg.Wait()
	return s
}

// device builds the on-prem device's view.
func device(ctx context.Context, l Lab, before, after []swan.IKESA, since time.Time) *diagnose.Device {
	d := &diagnose.Device{}
	prev := map[string]swan.ChildSA{}
	for _, sa := range before {
		for _, c := range sa.Children {
			prev[c.UniqueID] = c
		}
	}
	for _, sa := range after {
		e := diagnose.IKESA{State: sa.State, Local: sa.LocalHost, Remote: sa.RemoteHost, NATLocal: sa.NATLocal == "yes"}
		for _, c := range sa.Children {
			p := prev[c.UniqueID]
			e.Children = append(e.Children, diagnose.ChildSA{State: c.State, BytesIn: c.BytesIn, BytesOut: c.BytesOut,
				PacketsInDelta: sub(c.PacketsIn, p.PacketsIn), PacketsOutDelta: sub(c.PacketsOut, p.PacketsOut),
				InstalledSeconds: atoi(c.InstallTime), RekeyInSeconds: atoi(c.RekeyTime), ExpiresInSeconds: atoi(c.LifeTime), DHGroup: c.DHGroup,
				LocalTS: c.LocalTS, RemoteTS: c.RemoteTS})
		}
		d.IKE = append(d.IKE, e)
	}
	conn := l.Conn(lab.Onprem)
	local, peer := l.BGPConfig(lab.Onprem)
	d.Config = diagnose.DeviceConfig{IKEVersion: conn.Version, IKEProposals: conn.Proposals, ESPProposals: conn.ESPProposals,
		LocalASN: local, PeerASN: peer, DPDDelay: int(conn.DPDDelay / time.Second)}
	// The device's reads are independent: they run side by side, each
	// into its own variable (deviceConfig alone writes d.Config meanwhile).
	var (
		wg                sync.WaitGroup
		peers             []bgp.PeerStatus
		peersErr          error
		routes, tunnel    lab.ExecResult
		routesErr, tunErr error
	)
	run := func(f func()) { wg.Add(1); go func() { defer wg.Done(); f() }() }
	run(func() { peers, peersErr = l.BGPPeers(ctx, lab.OnpremGW) })
	run(func() {
		routes, routesErr = l.Exec(ctx, lab.OnpremGW, "ip", "-o", "route", "show", "dev", contract.TunnelIf)
	})
	// The tunnel as it is now: a fix may have changed its MTU and clamp.
	run(func() { tunnel, tunErr = l.Exec(ctx, lab.OnpremGW, "vpnlab-node", "tunnel") })
	run(func() { d.Log = deviceLog(ctx, l, lab.OnpremGW, since) })
	run(func() { deviceConfig(ctx, l, d) })
	wg.Wait()
	if peersErr == nil {
		for _, p := range peers {
			d.BGP = append(d.BGP, diagnose.BGPPeer{Neighbor: p.Neighbor, State: p.State, LocalASN: p.LocalASN,
				PeerASN: p.PeerASN, RoutesReceived: p.Received, NotificationsSent: p.NotificationsSent,
				NotificationsRcvd: p.NotificationsRcvd})
			if p.PeerASN != 0 {
				d.Config.PeerASN = p.PeerASN
			}
		}
	}
	if routesErr == nil {
		for _, line := range strings.Split(strings.TrimSpace(routes.Stdout), "\n") {
			if f := strings.Fields(line); len(f) > 0 {
				d.Routes = append(d.Routes, f[0])
			}
		}
	}
	if tunErr == nil && tunnel.ExitCode == 0 {
		var t contract.Tunnel
		if json.Unmarshal([]byte(tunnel.Stdout), &t) == nil {
			d.Config.TunnelMTU, d.Config.MSSClamp = t.MTU, t.MSSClamp
		}
	}
	return d
}

func anyEstablished(sas []swan.IKESA) bool {
	for _, sa := range sas {
		if sa.Established() {
			return true
		}
	}
	return false
}

func sub(a, b uint64) uint64 {
	if a < b {
		return a // a new SA: count from zero
	}
	return a - b
}

// deviceLog reads a node's structured event log since a time, each line as
// offline reads a node's events.
func deviceLog(ctx context.Context, l Lab, nodeName string, since time.Time) []diagnose.LogLine {
	r, err := l.Exec(ctx, nodeName, "cat", contract.EventsFile)
	if err != nil || r.ExitCode != 0 {
		return nil
	}
	var out []diagnose.LogLine
	sc := bufio.NewScanner(strings.NewReader(r.Stdout))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		t, src, msg, ok := offline.NodeEvent(sc.Bytes())
		if !ok || t.Before(since) {
			continue
		}
		out = append(out, diagnose.LogLine{Time: t.UTC(), Source: src, Message: msg})
	}
	return out
}

// azureSide builds the Azure side's view from its API.
func azureSide(ctx context.Context, l Lab, before, after snap, since time.Time, miss func(string, error)) (*diagnose.AzureSide, azure.Model) {
	p := after.conn.Properties
	a := &diagnose.AzureSide{ConnectionStatus: p.ConnectionStatus, IngressBytes: p.IngressBytesTransferred,
		EgressBytes:  p.EgressBytesTransferred,
		IngressDelta: sub(p.IngressBytesTransferred, before.conn.Properties.IngressBytesTransferred),
		EgressDelta:  sub(p.EgressBytesTransferred, before.conn.Properties.EgressBytesTransferred)}
	m := azureConfig(ctx, l, a, miss)
	if peers, err := l.AzureBGPPeers(ctx); err == nil {
		for _, p := range peers {
			a.BGPPeers = append(a.BGPPeers, diagnose.AzureBGPPeer{Neighbor: p.Neighbor, ASN: p.Asn, State: p.State, RoutesReceived: p.RoutesReceived})
		}
	} else {
		miss("Azure BGP peer status", err)
	}
	logs, err := l.AzureLogs(ctx, "")
	if err != nil {
		miss("Azure diagnostic logs", err)
		return a, m
	}
	a.Logs = azureLogs(logs, since)
	azureExtras(ctx, l, a, since, miss)
	return a, m
}

func azureLogs(recs []azure.LogRecord, since time.Time) []diagnose.AzureLog {
	var out []diagnose.AzureLog
	for _, r := range recs {
		if r.TimeGenerated.Before(since) {
			continue
		}
		out = append(out, diagnose.AzureLog{Time: r.TimeGenerated, Category: r.Category, Operation: r.OperationName,
			Level: r.Level, Message: r.Message, Instance: r.Instance, Status: r.Status, RemoteIP: r.RemoteIP,
			Reason: r.StateChangeReason})
	}
	return out
}

func pathDelta(before, after map[string]contract.Counter) *diagnose.Path {
	pc := func(dir contract.Direction) diagnose.PathCounters {
		d := func(c contract.Class) uint64 {
			k := contract.CounterName(dir, c)
			return sub(after[k].Packets, before[k].Packets)
		}
		return diagnose.PathCounters{IKE500: d(contract.IKE500), IKE4500: d(contract.IKE4500),
			ESP4500: d(contract.ESP4500), ESP: d(contract.ESP)}
	}
	return &diagnose.Path{ToAzure: pc(contract.ToAzure), ToOnprem: pc(contract.ToOnprem)}
}

// p2sClients describes the lab's point-to-site client: connection, the
// certificate it is configured with, and the roots uploaded to the gateway.
func p2sClients(ctx context.Context, l Lab, since time.Time, m azure.Model, miss func(string, error)) []diagnose.P2SClient {
	if l.Node(lab.P2SClient) == nil {
		return nil
	}
	c := diagnose.P2SClient{Name: lab.P2SClient}
	sas, err := l.SAs(ctx, lab.P2SClient)
	if err != nil {
		miss("point-to-site client (vici)", err)
		return nil
	}
	for _, sa := range sas {
		if sa.Installed() {
			c.Connected = true
			if len(sa.LocalVIPs) > 0 {
				c.VirtualIP = sa.LocalVIPs[0]
			}
		}
	}
	if r, ok := l.(radiusLab); ok && r.RadiusAuth() && !r.EAPTLS() {
		c.EAP, c.User = "eap-mschapv2", lab.P2SUser
	} else if cert, absent, ok := clientCertOnClient(ctx, l); ok {
		if absent {
			c.NoCert = true
		} else {
			ci := certInfo(cert)
			c.Cert = &ci
		}
	} else if cert, err := l.ClientCert(); err == nil {
		ci := certInfo(cert)
		c.Cert = &ci
	} else if l.ClientCertRemoved() {
		c.NoCert = true
	} else {
		miss("point-to-site client certificate", err)
	}
	if r, ok := l.(radiusLab); ok && r.EAPTLS() {
		// RADIUS certificate authentication: the certificate in EAP-TLS,
		// as the name in it
		c.EAP, c.User = "eap-tls", lab.P2SClientEAPID
	}
	for _, r := range lab.RootsOf(m) {
		ci := certInfo(r)
		ci.Revoked = revokedIn(m, ci.Thumbprint)
		c.Roots = append(c.Roots, ci)
	}
	if c.Cert != nil {
		c.Cert.Revoked = revokedIn(m, c.Cert.Thumbprint)
	}
	c.Log = deviceLog(ctx, l, lab.P2SClient, since)
	return []diagnose.P2SClient{c}
}

func certInfo(c *x509.Certificate) diagnose.CertInfo {
	return diagnose.CertInfo{Subject: c.Subject.String(), Issuer: c.Issuer.String(), NotBefore: c.NotBefore.UTC(),
		NotAfter: c.NotAfter.UTC(), EKU: pki.EKUNames(c), Thumbprint: pki.Thumbprint(c)}
}

// clientCertOnClient reads the certificate the point-to-site client holds
// (lab.P2SClientCertPath), as its user would export it: a lab attached from
// another process knows only the certificate it was started with, not one a
// fault or a fix put there since. absent: the file is not there; ok false:
// it could not be read (then the lab's own record serves).
func clientCertOnClient(ctx context.Context, l Lab) (cert *x509.Certificate, absent, ok bool) {
	r, err := l.Exec(ctx, lab.P2SClient, "cat", lab.P2SClientCertPath)
	if err != nil {
		return nil, false, false
	}
	if r.ExitCode != 0 {
		return nil, strings.Contains(r.Stderr, "No such file"), strings.Contains(r.Stderr, "No such file")
	}
	b, _ := pem.Decode([]byte(r.Stdout))
	if b == nil {
		return nil, false, false
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return nil, false, false
	}
	return c, false, true
}
