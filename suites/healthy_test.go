package suites_test

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/runner"
	"github.com/vpnlab/vpnlab/swan"
)

var _ = Describe("healthy baseline", Ordered, Label("lab", "healthy"), func() {
	var (
		l      *lab.Lab
		status lab.Status
	)

	BeforeAll(func(ctx SpecContext) {
		var (
			t   lab.Timings
			st  lab.Status
			err error
		)
		l, t, st, err = lab.StartHealthy(ctx, lab.WithScenario("healthy"))
		DeferCleanup(func(ctx SpecContext) {
			id := ""
			if l != nil {
				id = l.ID()
			}
			Expect(l.Close(ctx)).To(Succeed())
			Expect(leftovers(ctx)).NotTo(ContainElement(id), "lab %s left objects behind", id)
		}, NodeTimeout(time.Minute))
		Expect(err).NotTo(HaveOccurred(), "lab status when giving up: %+v", st)
		GinkgoWriter.Printf("tunnel up %s, bgp up %s, healthy %s\n", t.TunnelUp, t.BGPUp, t.Healthy)
		status = st
	}, NodeTimeout(3*time.Minute))

	It("establishes the IKE SA and installs a CHILD SA on both gateways (read through vici)", func(ctx SpecContext) {
		conns := map[string]string{lab.OnpremGW: lab.ConnName, lab.AzureGW: l.Model.Connection.Name}
		for gw, conn := range conns {
			all, err := l.SAs(ctx, gw)
			Expect(err).NotTo(HaveOccurred())
			var sas []swan.IKESA
			for _, sa := range all {
				if sa.Conn == conn {
					sas = append(sas, sa)
				}
			}
			Expect(sas).To(HaveLen(1), "%s: exactly one site-to-site IKE SA", gw)
			Expect(sas[0].State).To(Equal("ESTABLISHED"), gw)
			Expect(sas[0].Children).NotTo(BeEmpty(), gw)
			Expect(sas[0].Children[0].State).To(Equal("INSTALLED"), gw)
			Expect(sas[0].Children[0].Encap).To(Equal("yes"), "%s: kernel-libipsec ESP is UDP-encapsulated", gw)
		}
	})

	It("establishes BGP on both speakers, each learning the other side's prefix (GoBGP API)", func(ctx SpecContext) {
		want := map[string]struct{ peer, prefix string }{
			lab.OnpremGW: {lab.AzureBGPIP.String(), lab.AzureVNet.String()},
			lab.AzureGW:  {lab.OnpremBGPIP.String(), lab.OnpremLAN.String()},
		}
		for gw, w := range want {
			c, err := l.BGP(gw)
			Expect(err).NotTo(HaveOccurred())
			peers, err := c.Peers(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(peers).To(HaveLen(1), gw)
			Expect(peers[0].Neighbor).To(Equal(w.peer), gw)
			Expect(peers[0].State).To(Equal("ESTABLISHED"), gw)
			learned, err := c.Learned(ctx, w.peer)
			Expect(err).NotTo(HaveOccurred())
			var prefixes []string
			for _, r := range learned {
				prefixes = append(prefixes, r.Prefix)
			}
			Expect(prefixes).To(ContainElement(w.prefix), "%s learned", gw)
			Expect(c.Close()).To(Succeed())
		}
	})

	It("carries ping and TCP from onprem-host to azure-vm through the tunnel", func(ctx SpecContext) {
		before, err := l.RouterCounters(ctx)
		Expect(err).NotTo(HaveOccurred())

		r, err := l.Exec(ctx, lab.OnpremHost, "ping", "-c", "5", "-i", "0.2", "-W", "2", lab.AzureVMIP.String())
		Expect(err).NotTo(HaveOccurred())
		Expect(r.ExitCode).To(Equal(0), "ping: %s %s", r.Stdout, r.Stderr)
		Expect(r.Stdout).To(ContainSubstring("5 received"))

		r, err = l.Exec(ctx, lab.OnpremHost, "vpnlab-node", "probe", "tcp", lab.AzureVMIP.String()+":80")
		Expect(err).NotTo(HaveOccurred())
		var probe contract.ProbeResult
		Expect(json.Unmarshal([]byte(r.Stdout), &probe)).To(Succeed(), r.Stdout)
		Expect(probe.OK).To(BeTrue(), probe.Error)
		Expect(probe.Banner).To(ContainSubstring("azure-vm"))

		after, err := l.RouterCounters(ctx)
		Expect(err).NotTo(HaveOccurred())
		for _, dir := range []string{"to-azure", "to-onprem"} {
			// 5 echoes and a TCP exchange each way at least: all ESP-in-UDP.
			Expect(after[dir+"/esp-udp4500"].Packets-before[dir+"/esp-udp4500"].Packets).To(BeNumerically(">=", 8),
				"%s: traffic must take the tunnel (router ESP counter)", dir)
			Expect(after[dir+"/other"].Packets-before[dir+"/other"].Packets).To(BeZero(), "%s: nothing may bypass the tunnel", dir)
		}
	})

	It("shows Connected, a Connected BGP peer with routes and a TunnelConnected log in the Azure-like API", func(ctx SpecContext) {
		a, err := l.AzureAPI()
		Expect(err).NotTo(HaveOccurred())
		conn, err := a.Connection(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(conn.Properties.ConnectionStatus).To(Equal("Connected"))
		Eventually(func(g Gomega) {
			c, err := a.Connection(ctx)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(c.Properties.IngressBytesTransferred).To(BeNumerically(">", 0))
			g.Expect(c.Properties.EgressBytesTransferred).To(BeNumerically(">", 0))
		}).WithContext(ctx).WithTimeout(5 * time.Second).Should(Succeed())

		Eventually(func(g Gomega) { // the gateway refreshes its BGP view every second
			peers, err := a.BgpPeers(ctx)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(peers).To(ContainElement(SatisfyAll(
				HaveField("Neighbor", lab.OnpremBGPIP.String()),
				HaveField("State", "Connected"),
				HaveField("Asn", uint32(65010)),
				HaveField("RoutesReceived", BeNumerically(">=", 1)),
			)))
		}).WithContext(ctx).WithTimeout(10 * time.Second).WithPolling(500 * time.Millisecond).Should(Succeed())
		logs, err := a.Logs(ctx, "TunnelDiagnosticLog")
		Expect(err).NotTo(HaveOccurred())
		Expect(logs).To(ContainElement(SatisfyAll(
			HaveField("OperationName", "TunnelConnected"),
			HaveField("RemoteIP", lab.OnpremPublic.String()),
			HaveField("Instance", "GatewayTenantWorker_IN_0"),
		)))
	})

	It("connects the point-to-site client with its certificate and carries its traffic", func(ctx SpecContext) {
		Expect(status.P2S).NotTo(BeNil())
		Expect(status.P2S.TunnelUp()).To(BeTrue(), "P2S client IKE SA and CHILD SA")
		Expect(status.P2S.SAs[0].LocalVIPs).To(ConsistOf(HavePrefix("198.18.200.")), "a virtual IP from the P2S pool")
		r, err := l.Exec(ctx, lab.P2SClient, "ping", "-c", "3", "-i", "0.2", "-W", "2", lab.AzureVMIP.String())
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Stdout).To(ContainSubstring("3 received"))
		logs, err := l.AzureLogs(ctx, "P2SDiagnosticLog")
		Expect(err).NotTo(HaveOccurred())
		Expect(logs).To(ContainElement(HaveField("Message", ContainSubstring("Connection successful"))))
	})

	It("is diagnosed healthy by the engine", Label("diagnose"), func(ctx SpecContext) {
		var t runner.Timings
		_, v, err := runner.Diagnose(ctx, l, time.Now().Add(-time.Minute), &t)
		Expect(err).NotTo(HaveOccurred())
		Expect(v.Category).To(Equal(diagnose.Healthy), "verdict:\n%s", v)
		Expect(v.Fault).To(BeEmpty())
	})

	It("never discloses the shared key in logs, status output or API responses", func(ctx SpecContext) {
		key := sharedKey(ctx, l)
		var seen []string
		for _, n := range lab.Nodes {
			out, err := l.Logs(ctx, n)
			Expect(err).NotTo(HaveOccurred())
			seen = append(seen, out)
		}
		for _, gw := range []string{lab.OnpremGW, lab.AzureGW} {
			r, err := l.Exec(ctx, gw, "sh", "-c", "cat /var/log/vpnlab/*")
			Expect(err).NotTo(HaveOccurred())
			Expect(r.Stdout).To(ContainSubstring("charon"), "the gateway's logs were read")
			seen = append(seen, r.Stdout)
		}
		b, err := json.Marshal(l.Status(ctx))
		Expect(err).NotTo(HaveOccurred())
		seen = append(seen, string(b))
		a, err := l.AzureAPI()
		Expect(err).NotTo(HaveOccurred())
		for _, path := range apiPaths(a) {
			body, err := a.Raw(ctx, path.method, path.url)
			Expect(err).NotTo(HaveOccurred(), path.url)
			seen = append(seen, body)
		}
		// Log Analytics answers and what `lab env` prints carry neither.
		env, err := l.Env()
		Expect(err).NotTo(HaveOccurred())
		b, err = json.Marshal(env)
		Expect(err).NotTo(HaveOccurred())
		seen = append(seen, string(b))
		la, err := logAnalytics(ctx, l, `AzureDiagnostics | project TimeGenerated, Category, OperationName, Message, status_s, remoteIP_s`)
		Expect(err).NotTo(HaveOccurred())
		seen = append(seen, la)
		for i, s := range seen {
			Expect(strings.Contains(s, key)).To(BeFalse(), "source %d discloses the shared key", i)
			Expect(s).NotTo(ContainSubstring("PRIVATE KEY"), "source %d discloses a private key", i)
		}
		// Azure returns the key to an authorised caller only.
		body, err := a.Raw(ctx, "GET", a.Model.ID("connections", a.Model.Connection.Name)+"/sharedkey?api-version="+lab.APIVersion)
		Expect(err).NotTo(HaveOccurred())
		Expect(body).To(ContainSubstring(key))
		_ = status
	})
})

// sharedKey reads the lab's key from where only the lab puts it: the
// gateway's spec file (mode 0600).
func sharedKey(ctx context.Context, l *lab.Lab) string {
	r, err := l.Exec(ctx, lab.OnpremGW, "cat", contract.SpecFile)
	Expect(err).NotTo(HaveOccurred())
	var spec contract.GatewaySpec
	Expect(json.Unmarshal([]byte(r.Stdout), &spec)).To(Succeed())
	Expect(len(spec.SharedKey)).To(BeNumerically(">=", 16))
	return spec.SharedKey
}

type apiPath struct{ method, url string }

func apiPaths(a *lab.AzureAPI) []apiPath {
	m := a.Model
	v := "?api-version=" + lab.APIVersion
	return []apiPath{
		{"GET", m.ID("connections", m.Connection.Name) + v},
		{"GET", "/subscriptions/" + m.SubscriptionID + "/resources" + v},
		{"GET", "/subscriptions/" + m.SubscriptionID + "/resourceGroups/" + m.ResourceGroup + "/providers/Microsoft.Network/connections" + v},
		{"GET", m.ID("virtualNetworkGateways", m.Gateway.Name) + "/connections" + v},
		{"GET", m.ID("virtualNetworkGateways", m.Gateway.Name) + v},
		{"GET", m.ID("localNetworkGateways", m.LocalGateway.Name) + v},
		{"POST", m.ID("virtualNetworkGateways", m.Gateway.Name) + "/getBgpPeerStatus" + v},
		{"GET", "/vpnlab/diagnostics"},
	}
}
