package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/lab"
)

func labStatus(ctx context.Context, args []string, out, errw io.Writer) error {
	l, asJSON, err := attachJSON(ctx, "lab status", args, errw, nil)
	if err != nil {
		return err
	}
	defer l.Release()
	st := l.Status(ctx)
	if asJSON {
		return printJSON(out, st)
	}
	printStatus(out, st)
	return nil
}

func printStatus(w io.Writer, s lab.Status) {
	fmt.Fprintf(w, "\nLab %s\n", s.Lab)
	gws := []lab.GatewayStatus{s.Onprem, s.Azure}
	if s.AzureIN1 != nil {
		gws = append(gws, *s.AzureIN1)
	}
	for _, g := range gws {
		fmt.Fprintf(w, "\n[%s] (charon via vici, GoBGP via gRPC)\n", g.Node)
		if len(g.SAs) == 0 {
			fmt.Fprintln(w, "  IKE SA: none")
		}
		for _, sa := range g.SAs {
			fmt.Fprintf(w, "  IKE SA %s #%s: %s  %s <-> %s  %s-%s/%s/%s\n", sa.Conn, sa.UniqueID, sa.State,
				sa.LocalHost, sa.RemoteHost, sa.EncrAlg, sa.EncrKeysize, sa.IntegAlg+sa.PRFAlg, sa.DHGroup)
			if len(sa.Children) == 0 {
				fmt.Fprintln(w, "    CHILD SA: none")
			}
			for _, c := range sa.Children {
				fmt.Fprintf(w, "    CHILD SA %s #%s: %s %s/%s  in %d B / %d pkts, out %d B / %d pkts  %s === %s\n",
					c.Name, c.UniqueID, c.State, c.EncrAlg, c.IntegAlg, c.BytesIn, c.PacketsIn, c.BytesOut, c.PacketsOut,
					strings.Join(c.LocalTS, ","), strings.Join(c.RemoteTS, ","))
			}
		}
		for _, p := range g.Peers {
			fmt.Fprintf(w, "  BGP %s AS%d -> %s AS%d: %s (up %s) received %d, advertised %d, notifications sent %d / received %d\n",
				p.LocalAddress, p.LocalASN, p.Neighbor, p.PeerASN, p.State, p.Uptime, p.Received, p.Advertised,
				p.NotificationsSent, p.NotificationsRcvd)
		}
		for _, r := range g.Learned {
			fmt.Fprintf(w, "    learned %s via %s AS path %s\n", r.Prefix, r.NextHop, r.ASPathString())
		}
		for _, e := range g.Errors {
			fmt.Fprintf(w, "  error: %s\n", e)
		}
	}
	if s.P2S != nil {
		fmt.Fprintf(w, "\n[%s] (point-to-site, certificate)\n", s.P2S.Node)
		if len(s.P2S.SAs) == 0 {
			fmt.Fprintln(w, "  not connected")
		}
		for _, sa := range s.P2S.SAs {
			fmt.Fprintf(w, "  IKE SA %s: %s  %s <-> %s  virtual IP %s\n", sa.Conn, sa.State, sa.LocalHost, sa.RemoteHost,
				strings.Join(sa.LocalVIPs, ","))
			for _, c := range sa.Children {
				fmt.Fprintf(w, "    CHILD SA %s: %s  in %d B, out %d B  %s === %s\n", c.Name, c.State, c.BytesIn, c.BytesOut,
					strings.Join(c.LocalTS, ","), strings.Join(c.RemoteTS, ","))
			}
		}
		for _, e := range s.P2S.Errors {
			fmt.Fprintf(w, "  error: %s\n", e)
		}
	}
	a := s.API
	fmt.Fprintf(w, "\n[Azure portal] connection status: %s  ingress %d B, egress %d B\n", a.ConnectionStatus, a.IngressBytes, a.EgressBytes)
	if len(a.Tunnels) > 1 {
		for _, t := range a.Tunnels {
			fmt.Fprintf(w, "  tunnel %s: %s  ingress %d B, egress %d B\n", t.Tunnel, t.ConnectionStatus, t.IngressBytesTransferred, t.EgressBytesTransferred)
		}
	}
	for _, p := range a.BgpPeers {
		fmt.Fprintf(w, "  BGP peer %s ASN %d: %s (connected %s) routes received %d\n", p.Neighbor, p.Asn, p.State, p.ConnectedDuration, p.RoutesReceived)
	}
	for _, r := range a.TunnelLog {
		fmt.Fprintf(w, "  %s %s %s %s %s %s\n", r.TimeGenerated.Format("15:04:05"), r.Category, r.OperationName, r.Instance, r.RemoteIP, r.StateChangeReason)
	}
	for _, e := range a.Errors {
		fmt.Fprintf(w, "  error: %s\n", e)
	}
	if len(s.Router) > 0 {
		fmt.Fprintf(w, "\n[internet router] forwarded packets:\n")
		for _, d := range contract.Directions {
			fmt.Fprintf(w, "  %-10s", d)
			for _, k := range contract.CounterClasses {
				fmt.Fprintf(w, "  %s %d", k, s.Router[contract.CounterName(d, k)].Packets)
			}
			fmt.Fprintln(w)
		}
	}
	for _, e := range s.Errors {
		fmt.Fprintf(w, "error: %s\n", e)
	}
	verdict := "NOT healthy"
	if s.Healthy() {
		verdict = "healthy"
	}
	fmt.Fprintf(w, "\nOverall: %s\n", verdict)
}
