package collect

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/node"
	"github.com/vpnlab/vpnlab/pki"
	"github.com/vpnlab/vpnlab/swan"
)

// Evidence collects evidence from l covering the time since since. Parts
// that cannot be read are named in Evidence.Missing; only a lab that cannot
// be read at all is an error.
func Evidence(ctx context.Context, l *lab.Lab, since time.Time) (diagnose.Evidence, error) {
	ev := diagnose.Evidence{WindowStart: since.UTC()}
	miss := func(what string, err error) { ev.Missing = append(ev.Missing, fmt.Sprintf("%s: %v", what, err)) }

	before := snapshot(ctx, l)
	ev.Probes = probes(ctx, l)
	after := snapshot(ctx, l)
	ev.CollectedAt = time.Now().UTC()

	if after.onpremErr != nil {
		miss("on-prem device (vici)", after.onpremErr)
	} else {
		ev.Onprem = device(ctx, l, before.onprem, after.onprem, since)
	}
	if after.azureErr != nil {
		miss("Azure side (API)", after.azureErr)
	} else {
		ev.Azure = azureSide(ctx, l, before, after, since, miss)
	}
	if before.routerErr == nil && after.routerErr == nil {
		ev.Path = pathDelta(before.router, after.router)
	} else {
		miss("internet router counters", after.routerErr)
	}
	ev.P2S = p2sClients(ctx, l, since, miss)
	if ev.Onprem == nil && ev.Azure == nil {
		return ev, fmt.Errorf("collect: neither side could be read: %v; %v", after.onpremErr, after.azureErr)
	}
	return ev, nil
}

// snap is one moment's counters.
type snap struct {
	onprem, azureSAs []swan.IKESA
	onpremErr        error
	router           map[string]node.Counter
	routerErr        error
	conn             lab.ConnectionView
	azureErr         error
}

func snapshot(ctx context.Context, l *lab.Lab) snap {
	var s snap
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); s.onprem, s.onpremErr = l.SAs(ctx, lab.OnpremGW) }()
	go func() { defer wg.Done(); s.router, s.routerErr = l.RouterCounters(ctx) }()
	go func() {
		defer wg.Done()
		a, err := l.AzureAPI()
		if err != nil {
			s.azureErr = err
			return
		}
		s.conn, s.azureErr = a.Connection(ctx)
	}()
	wg.Wait()
	return s
}

// device builds the on-prem device's view.
func device(ctx context.Context, l *lab.Lab, before, after []swan.IKESA, since time.Time) *diagnose.Device {
	d := &diagnose.Device{}
	prev := map[string]swan.ChildSA{}
	for _, sa := range before {
		for _, c := range sa.Children {
			prev[c.UniqueID] = c
		}
	}
	for _, sa := range after {
		e := diagnose.IKESA{State: sa.State, Local: sa.LocalHost, Remote: sa.RemoteHost}
		for _, c := range sa.Children {
			p := prev[c.UniqueID]
			e.Children = append(e.Children, diagnose.ChildSA{State: c.State, BytesIn: c.BytesIn, BytesOut: c.BytesOut,
				PacketsInDelta: sub(c.PacketsIn, p.PacketsIn), PacketsOutDelta: sub(c.PacketsOut, p.PacketsOut)})
		}
		d.IKE = append(d.IKE, e)
	}
	conn := l.Conn(lab.Onprem)
	local, peer := l.BGPConfig(lab.Onprem)
	d.Config = diagnose.DeviceConfig{IKEVersion: conn.Version, IKEProposals: conn.Proposals, ESPProposals: conn.ESPProposals,
		LocalASN: local, PeerASN: peer, TunnelMTU: l.Profile.TunnelMTU, MSSClamp: l.Profile.MSSClamp,
		DPDDelay: int(conn.DPDDelay / time.Second)}
	if c, err := l.BGP(lab.OnpremGW); err == nil {
		if peers, err := c.Peers(ctx); err == nil {
			for _, p := range peers {
				d.BGP = append(d.BGP, diagnose.BGPPeer{Neighbor: p.Neighbor, State: p.State, LocalASN: p.LocalASN,
					PeerASN: p.PeerASN, RoutesReceived: p.Received, NotificationsSent: p.NotificationsSent,
					NotificationsRcvd: p.NotificationsRcvd})
				if p.PeerASN != 0 {
					d.Config.PeerASN = p.PeerASN
				}
			}
		}
		c.Close()
	}
	if r, err := l.Exec(ctx, lab.OnpremGW, "ip", "-o", "route", "show", "dev", node.TunnelIf); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
			if f := strings.Fields(line); len(f) > 0 {
				d.Routes = append(d.Routes, f[0])
			}
		}
	}
	if r, err := l.Exec(ctx, lab.OnpremGW, "ip", "-o", "link", "show", node.TunnelIf); err == nil {
		if i := strings.Index(r.Stdout, " mtu "); i >= 0 {
			fmt.Sscanf(r.Stdout[i+5:], "%d", &d.Config.TunnelMTU)
		}
	}
	d.Log = deviceLog(ctx, l, lab.OnpremGW, since)
	return d
}

func sub(a, b uint64) uint64 {
	if a < b {
		return a // a new SA: count from zero
	}
	return a - b
}

// deviceLog reads a node's structured event log since a time.
func deviceLog(ctx context.Context, l *lab.Lab, nodeName string, since time.Time) []diagnose.LogLine {
	r, err := l.Exec(ctx, nodeName, "cat", node.EventsFile)
	if err != nil || r.ExitCode != 0 {
		return nil
	}
	var out []diagnose.LogLine
	sc := bufio.NewScanner(strings.NewReader(r.Stdout))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) != nil {
			continue
		}
		t, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(m["time"]))
		if t.Before(since) {
			continue
		}
		src, _ := m["source"].(string)
		msg, _ := m["msg"].(string)
		// Keep the speaker's structured fields: a NOTIFICATION's reason is there.
		var extra []string
		for k, v := range m {
			switch k {
			case "time", "level", "msg", "source", "node", "group", "conn":
				continue
			}
			extra = append(extra, fmt.Sprintf("%s=%v", k, v))
		}
		sort.Strings(extra)
		if len(extra) > 0 {
			msg += " " + strings.Join(extra, " ")
		}
		out = append(out, diagnose.LogLine{Time: t.UTC(), Source: src, Message: msg})
	}
	return out
}

// azureSide builds the Azure side's view from its API.
func azureSide(ctx context.Context, l *lab.Lab, before, after snap, since time.Time, miss func(string, error)) *diagnose.AzureSide {
	p := after.conn.Properties
	a := &diagnose.AzureSide{ConnectionStatus: p.ConnectionStatus, IngressBytes: p.IngressBytesTransferred,
		EgressBytes:  p.EgressBytesTransferred,
		IngressDelta: sub(p.IngressBytesTransferred, before.conn.Properties.IngressBytesTransferred),
		EgressDelta:  sub(p.EgressBytesTransferred, before.conn.Properties.EgressBytesTransferred)}
	m := l.Model
	a.Config = diagnose.AzureConfig{GatewayASN: m.Gateway.Asn, LocalGatewayASN: m.LocalGateway.Asn,
		CustomPolicy: len(m.Connection.IpsecPolicies) > 0, BGPEnabled: m.Gateway.EnableBgp && m.Connection.EnableBgp}
	api, err := l.AzureAPI()
	if err != nil {
		miss("Azure API", err)
		return a
	}
	if peers, err := api.BgpPeers(ctx); err == nil {
		for _, p := range peers {
			a.BGPPeers = append(a.BGPPeers, diagnose.AzureBGPPeer{Neighbor: p.Neighbor, ASN: p.Asn, State: p.State, RoutesReceived: p.RoutesReceived})
		}
	} else {
		miss("Azure BGP peer status", err)
	}
	logs, err := l.AzureLogs(ctx, "")
	if err != nil {
		miss("Azure diagnostic logs", err)
		return a
	}
	a.Logs = azureLogs(logs, since)
	return a
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

func pathDelta(before, after map[string]node.Counter) *diagnose.Path {
	d := func(k string) uint64 { return sub(after[k].Packets, before[k].Packets) }
	pc := func(dir string) diagnose.PathCounters {
		return diagnose.PathCounters{IKE500: d(dir + "/ike-udp500"), IKE4500: d(dir + "/ike-udp4500"),
			ESP4500: d(dir + "/esp-udp4500"), ESP: d(dir + "/esp")}
	}
	return &diagnose.Path{ToAzure: pc("to-azure"), ToOnprem: pc("to-onprem")}
}

// p2sClients describes the lab's point-to-site client: connection, the
// certificate it is configured with, and the roots uploaded to the gateway.
func p2sClients(ctx context.Context, l *lab.Lab, since time.Time, miss func(string, error)) []diagnose.P2SClient {
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
	if cert, err := l.ClientCert(); err == nil {
		ci := certInfo(cert)
		c.Cert = &ci
	} else {
		miss("point-to-site client certificate", err)
	}
	for _, r := range l.Roots() {
		c.Roots = append(c.Roots, certInfo(r))
	}
	c.Log = deviceLog(ctx, l, lab.P2SClient, since)
	return []diagnose.P2SClient{c}
}

func certInfo(c *x509.Certificate) diagnose.CertInfo {
	return diagnose.CertInfo{Subject: c.Subject.String(), Issuer: c.Issuer.String(), NotBefore: c.NotBefore.UTC(),
		NotAfter: c.NotAfter.UTC(), EKU: pki.EKUNames(c), Thumbprint: pki.Thumbprint(c)}
}
