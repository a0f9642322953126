package suites_test

import (
	"context"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/vpnlab/vpnlab/lab"
)

// An active-active gateway ([HA]): each instance has its own public IP and
// BGP address, the device keeps a tunnel and a BGP session to each, the
// connection shows one tunnel per instance, and an event on one instance
// drops only its tunnel while traffic carries on over the other.
var _ = Describe("active-active gateway", Ordered, Label("lab", "active-active"), func() {
	var (
		l     *lab.Lab
		conns *armnetwork.VirtualNetworkGatewayConnectionsClient
		gws   *armnetwork.VirtualNetworkGatewaysClient
	)

	BeforeAll(func(ctx SpecContext) {
		l = startHealthyLab(ctx, lab.WithScenario("active-active"), lab.WithActiveActive())
		conns, gws, _ = armClients(l)
	}, NodeTimeout(3*time.Minute))

	tunnels := func(ctx context.Context) map[string]armnetwork.VirtualNetworkGatewayConnectionStatus {
		r, err := conns.Get(ctx, l.Model.ResourceGroup, l.Model.Connection.Name, nil)
		Expect(err).NotTo(HaveOccurred())
		out := map[string]armnetwork.VirtualNetworkGatewayConnectionStatus{}
		for _, t := range r.Properties.TunnelConnectionStatus {
			out[*t.Tunnel] = *t.ConnectionStatus
		}
		return out
	}
	// Azure names a tunnel "<connection>_<instance public IP>".
	bothConnected := func() map[string]armnetwork.VirtualNetworkGatewayConnectionStatus {
		c := armnetwork.VirtualNetworkGatewayConnectionStatusConnected
		return map[string]armnetwork.VirtualNetworkGatewayConnectionStatus{
			l.Model.Connection.Name + "_" + lab.AzurePublic.String():  c,
			l.Model.Connection.Name + "_" + lab.AzurePublic2.String(): c,
		}
	}

	It("keeps a tunnel and a BGP session to each instance (vici, GoBGP)", func(ctx SpecContext) {
		for node, public := range map[string]string{lab.AzureGW: lab.AzurePublic.String(), lab.AzureGW1: lab.AzurePublic2.String()} {
			sas, err := l.SAs(ctx, node)
			Expect(err).NotTo(HaveOccurred())
			var on []string
			for _, sa := range sas {
				if sa.Installed() {
					on = append(on, sa.LocalHost)
				}
			}
			Expect(on).To(ContainElement(public), "%s holds a tunnel on its own public IP %s", node, public)
		}
		sas, err := l.SAs(ctx, lab.OnpremGW)
		Expect(err).NotTo(HaveOccurred())
		remotes := map[string]bool{}
		for _, sa := range sas {
			if sa.Installed() {
				remotes[sa.RemoteHost] = true
			}
		}
		Expect(remotes).To(HaveKey(lab.AzurePublic.String()))
		Expect(remotes).To(HaveKey(lab.AzurePublic2.String()))
		c, err := l.BGP(lab.OnpremGW)
		Expect(err).NotTo(HaveOccurred())
		defer c.Close()
		peers, err := c.Peers(ctx)
		Expect(err).NotTo(HaveOccurred())
		var up []string
		for _, p := range peers {
			if p.Established() {
				up = append(up, p.Neighbor)
			}
		}
		Expect(up).To(ConsistOf(lab.AzureBGPIP.String(), lab.AzureBGPIP2.String()))
	})

	It("shows the gateway active-active and one tunnel per instance through the Azure SDK", func(ctx SpecContext) {
		g, err := gws.Get(ctx, l.Model.ResourceGroup, l.Model.Gateway.Name, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(*g.Properties.Active).To(BeTrue(), "properties.activeActive")
		Expect(g.Properties.IPConfigurations).To(HaveLen(2))
		var tunnelIPs, bgpIPs []string
		for _, p := range g.Properties.BgpSettings.BgpPeeringAddresses {
			for _, a := range p.TunnelIPAddresses {
				tunnelIPs = append(tunnelIPs, *a)
			}
			for _, a := range p.CustomBgpIPAddresses {
				bgpIPs = append(bgpIPs, *a)
			}
		}
		Expect(tunnelIPs).To(ConsistOf(lab.AzurePublic.String(), lab.AzurePublic2.String()))
		Expect(bgpIPs).To(ConsistOf(lab.AzureBGPIP.String(), lab.AzureBGPIP2.String()))
		Eventually(tunnels).WithContext(ctx).WithTimeout(10 * time.Second).WithPolling(500 * time.Millisecond).Should(Equal(bothConnected()))
		// getBgpPeerStatus lists the device's session with each instance.
		Eventually(func(g Gomega) {
			poller, err := gws.BeginGetBgpPeerStatus(ctx, l.Model.ResourceGroup, l.Model.Gateway.Name, nil)
			g.Expect(err).NotTo(HaveOccurred())
			r, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 200 * time.Millisecond})
			g.Expect(err).NotTo(HaveOccurred())
			connected := map[string]string{}
			for _, p := range r.Value {
				if *p.State == armnetwork.BgpPeerStateConnected {
					connected[*p.LocalAddress] = *p.Neighbor
				}
			}
			g.Expect(connected).To(Equal(map[string]string{
				lab.AzureBGPIP.String(): lab.OnpremBGPIP.String(), lab.AzureBGPIP2.String(): lab.OnpremBGPIP.String()}))
		}).WithContext(ctx).WithTimeout(15 * time.Second).WithPolling(time.Second).Should(Succeed())
	})

	// resetVIP resets one instance by its public IP while onprem-host pings
	// azure-vm, and checks that only that instance's tunnel dropped, that
	// the connection stayed Connected, and that traffic went on.
	resetVIP := func(ctx context.Context, vip, worker string) {
		before, err := l.AzureLogs(ctx, "TunnelDiagnosticLog")
		Expect(err).NotTo(HaveOccurred())
		var (
			wg      sync.WaitGroup
			pingOut string
		)
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, _ := l.Exec(ctx, lab.OnpremHost, "ping", "-n", "-i", "0.2", "-W", "1", "-c", "600", lab.AzureVMIP.String())
			pingOut = r.Stdout
		}()
		time.Sleep(time.Second)
		var statuses []armnetwork.VirtualNetworkGatewayConnectionStatus
		stop := make(chan struct{})
		var sw sync.WaitGroup
		sw.Add(1)
		go func() { // the connection's status while the instance reboots
			defer sw.Done()
			defer GinkgoRecover()
			for {
				select {
				case <-stop:
					return
				case <-time.After(300 * time.Millisecond):
				}
				r, err := conns.Get(ctx, l.Model.ResourceGroup, l.Model.Connection.Name, nil)
				if err == nil {
					statuses = append(statuses, *r.Properties.ConnectionStatus)
				}
			}
		}()
		poller, err := gws.BeginReset(ctx, l.Model.ResourceGroup, l.Model.Gateway.Name,
			&armnetwork.VirtualNetworkGatewaysClientBeginResetOptions{GatewayVip: to.Ptr(vip)})
		Expect(err).NotTo(HaveOccurred())
		_, err = poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 200 * time.Millisecond})
		Expect(err).NotTo(HaveOccurred())
		Eventually(tunnels).WithContext(ctx).WithTimeout(30*time.Second).WithPolling(500*time.Millisecond).
			Should(Equal(bothConnected()), "both tunnels back")
		// Settled, not only healthy: the next reset moves traffic onto the
		// tunnel this one re-established, whose BGP routes must be in place.
		sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		_, err = l.WaitSettled(sctx)
		cancel()
		Expect(err).NotTo(HaveOccurred(), "the lab settles after the reset")
		close(stop)
		sw.Wait()
		_, _ = l.Exec(context.WithoutCancel(ctx), lab.OnpremHost, "pkill", "-INT", "ping")
		wg.Wait()

		Expect(statuses).NotTo(BeEmpty())
		Expect(statuses).To(HaveEach(armnetwork.VirtualNetworkGatewayConnectionStatusConnected),
			"the connection stays Connected while one tunnel is down")
		logs, err := l.AzureLogs(ctx, "TunnelDiagnosticLog")
		Expect(err).NotTo(HaveOccurred())
		var dropped []string
		for _, r := range logs[len(before):] {
			if r.OperationName == "TunnelDisconnected" {
				dropped = append(dropped, r.Instance)
			}
		}
		Expect(dropped).To(ConsistOf(worker), "only the reset instance's tunnel dropped")
		m := regexp.MustCompile(`(\d+) packets transmitted, (\d+) received`).FindStringSubmatch(pingOut)
		Expect(m).NotTo(BeNil(), "ping output: %s", pingOut)
		sent, _ := strconv.Atoi(m[1])
		got, _ := strconv.Atoi(m[2])
		GinkgoWriter.Printf("reset %s: %d echoes sent, %d answered\n", vip, sent, got)
		Expect(sent).To(BeNumerically(">=", 20))
		// Traffic moves to the other tunnel when the instance deletes its SAs;
		// an echo in flight at that moment may be lost (measured 0–2). Had it
		// not moved, the 2 s reboot alone would lose 10 or more.
		Expect(sent-got).To(BeNumerically("<=", 4), "traffic carried on over the other tunnel")
	}

	It("resets IN_1 by its VIP: only its tunnel drops, traffic carries on over IN_0's", func(ctx SpecContext) {
		resetVIP(ctx, lab.AzurePublic2.String(), "GatewayTenantWorker_IN_1")
	}, NodeTimeout(2*time.Minute))

	It("resets IN_0 by its VIP: the VNet's next hop moves to IN_1 and traffic carries on", func(ctx SpecContext) {
		resetVIP(ctx, lab.AzurePublic.String(), "GatewayTenantWorker_IN_0")
		primary, err := l.ActiveInstance(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(primary).To(Equal(lab.AzureGW1), "IN_1 holds the VNet's next hop after IN_0's reset")
	}, NodeTimeout(2*time.Minute))
})
