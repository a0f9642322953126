package suites_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/vpnlab/vpnlab/lab"
)

// armClients returns the official SDK's clients, pointed at the lab as a
// custom cloud and signed in with azidentity (see labCloud).
func armClients(l *lab.Lab) (*armnetwork.VirtualNetworkGatewayConnectionsClient, *armnetwork.VirtualNetworkGatewaysClient, *armnetwork.LocalNetworkGatewaysClient) {
	c := labCloud(l)
	opts := &arm.ClientOptions{ClientOptions: c.options(), DisableRPRegistration: true}
	sub := l.Model.SubscriptionID
	conns, err := armnetwork.NewVirtualNetworkGatewayConnectionsClient(sub, c.cred, opts)
	Expect(err).NotTo(HaveOccurred())
	gws, err := armnetwork.NewVirtualNetworkGatewaysClient(sub, c.cred, opts)
	Expect(err).NotTo(HaveOccurred())
	lngs, err := armnetwork.NewLocalNetworkGatewaysClient(sub, c.cred, opts)
	Expect(err).NotTo(HaveOccurred())
	return conns, gws, lngs
}

// The official Azure SDK for Go, pointed at the fake gateway, drives the lab.
var _ = Describe("Azure SDK for Go (armnetwork) against the fake gateway", Ordered, Label("lab", "armnetwork"), func() {
	var (
		l     *lab.Lab
		conns *armnetwork.VirtualNetworkGatewayConnectionsClient
		gws   *armnetwork.VirtualNetworkGatewaysClient
		lngs  *armnetwork.LocalNetworkGatewaysClient
	)

	BeforeAll(func(ctx SpecContext) {
		l = startHealthyLab(ctx, lab.WithScenario("armnetwork"))
		conns, gws, lngs = armClients(l)
	}, NodeTimeout(3*time.Minute))

	connectionStatus := func(ctx context.Context) armnetwork.VirtualNetworkGatewayConnectionStatus {
		r, err := conns.Get(ctx, l.Model.ResourceGroup, l.Model.Connection.Name, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Properties).NotTo(BeNil())
		Expect(r.Properties.ConnectionStatus).NotTo(BeNil())
		return *r.Properties.ConnectionStatus
	}

	It("reads the connection's status", func(ctx SpecContext) {
		Expect(connectionStatus(ctx)).To(Equal(armnetwork.VirtualNetworkGatewayConnectionStatusConnected))
		r, err := conns.Get(ctx, l.Model.ResourceGroup, l.Model.Connection.Name, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(*r.Properties.ConnectionType).To(Equal(armnetwork.VirtualNetworkGatewayConnectionTypeIPsec))
		Expect(r.Properties.SharedKey).To(BeNil(), "a GET never returns the shared key")
	})

	It("reads BGP peer status through the long-running operation", func(ctx SpecContext) {
		// The gateway refreshes its BGP view every second, as Azure's lags too.
		Eventually(func(g Gomega) {
			poller, err := gws.BeginGetBgpPeerStatus(ctx, l.Model.ResourceGroup, l.Model.Gateway.Name, nil)
			g.Expect(err).NotTo(HaveOccurred())
			r, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 200 * time.Millisecond})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(r.Value).To(ContainElement(HaveValue(SatisfyAll(
				HaveField("Neighbor", HaveValue(Equal(lab.OnpremBGPIP.String()))),
				HaveField("State", HaveValue(Equal(armnetwork.BgpPeerStateConnected))),
				HaveField("Asn", HaveValue(BeNumerically("==", 65010))),
				HaveField("RoutesReceived", HaveValue(BeNumerically(">=", 1))),
			))))
		}).WithContext(ctx).WithTimeout(15 * time.Second).WithPolling(time.Second).Should(Succeed())
	})

	It("changes the shared key: the on-prem device's key no longer matches and the tunnel goes down", func(ctx SpecContext) {
		poller, err := conns.BeginSetSharedKey(ctx, l.Model.ResourceGroup, l.Model.Connection.Name,
			armnetwork.ConnectionSharedKey{Value: to.Ptr("ChangedBySdk0123456789")}, nil)
		Expect(err).NotTo(HaveOccurred())
		r, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 200 * time.Millisecond})
		Expect(err).NotTo(HaveOccurred())
		// The operation's final GET reads the key back, as from Azure.
		Expect(r.Value).To(HaveValue(Equal("ChangedBySdk0123456789")))
		Eventually(func() armnetwork.VirtualNetworkGatewayConnectionStatus { return connectionStatus(ctx) }).
			WithContext(ctx).WithTimeout(30 * time.Second).WithPolling(500 * time.Millisecond).
			ShouldNot(Equal(armnetwork.VirtualNetworkGatewayConnectionStatusConnected))
		sas, err := l.SAs(ctx, lab.OnpremGW)
		Expect(err).NotTo(HaveOccurred())
		for _, sa := range sas {
			Expect(sa.Installed()).To(BeFalse(), "the device cannot authenticate with its old key")
		}
		// Put the device's key right again through the lab, as the operator would.
		Expect(l.SetSharedKey(ctx, lab.Onprem, "ChangedBySdk0123456789")).To(Succeed())
		Eventually(func() armnetwork.VirtualNetworkGatewayConnectionStatus { return connectionStatus(ctx) }).
			WithContext(ctx).WithTimeout(30 * time.Second).WithPolling(500 * time.Millisecond).
			Should(Equal(armnetwork.VirtualNetworkGatewayConnectionStatusConnected))
	}, NodeTimeout(2*time.Minute))

	It("refuses a reserved ASN with Azure's validation error, and changes nothing", func(ctx SpecContext) {
		got, err := lngs.Get(ctx, l.Model.ResourceGroup, l.Model.LocalGateway.Name, nil)
		Expect(err).NotTo(HaveOccurred())
		lng := got.LocalNetworkGateway
		lng.Properties.BgpSettings.Asn = to.Ptr[int64](65515)
		_, err = lngs.BeginCreateOrUpdate(ctx, l.Model.ResourceGroup, l.Model.LocalGateway.Name, lng, nil)
		var re *azcore.ResponseError
		Expect(errors.As(err, &re)).To(BeTrue(), "a ResponseError, got %v", err)
		Expect(re.StatusCode).To(Equal(http.StatusBadRequest))
		Expect(re.ErrorCode).To(Equal("InvalidAsn"))
		Expect(connectionStatus(ctx)).To(Equal(armnetwork.VirtualNetworkGatewayConnectionStatusConnected))
	})

	It("changes the local network gateway's BGP ASN: Azure's speaker follows, BGP breaks, and recovers when put back", func(ctx SpecContext) {
		got, err := lngs.Get(ctx, l.Model.ResourceGroup, l.Model.LocalGateway.Name, nil)
		Expect(err).NotTo(HaveOccurred())
		lng := got.LocalNetworkGateway
		Expect(*lng.Properties.BgpSettings.Asn).To(BeNumerically("==", 65010))
		put := func(asn int64) {
			lng.Properties.BgpSettings.Asn = to.Ptr(asn)
			p, err := lngs.BeginCreateOrUpdate(ctx, l.Model.ResourceGroup, l.Model.LocalGateway.Name, lng, nil)
			Expect(err).NotTo(HaveOccurred())
			_, err = p.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 200 * time.Millisecond})
			Expect(err).NotTo(HaveOccurred())
		}
		azurePeer := func() string {
			c, err := l.BGP(lab.AzureGW)
			Expect(err).NotTo(HaveOccurred())
			defer c.Close()
			peers, err := c.Peers(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(peers).To(HaveLen(1))
			return fmt.Sprintf("%d/%s", peers[0].PeerASN, peers[0].State)
		}
		put(65011)
		Eventually(azurePeer).WithContext(ctx).WithTimeout(30*time.Second).WithPolling(500*time.Millisecond).
			Should(HavePrefix("65011/"), "Azure's GoBGP speaker now expects AS 65011")
		Consistently(azurePeer).WithContext(ctx).WithTimeout(3*time.Second).WithPolling(500*time.Millisecond).
			ShouldNot(HaveSuffix("/ESTABLISHED"), "the device is AS 65010: no session")
		put(65010)
		Eventually(azurePeer).WithContext(ctx).WithTimeout(60 * time.Second).WithPolling(500 * time.Millisecond).
			Should(Equal("65010/ESTABLISHED"))
	}, NodeTimeout(2*time.Minute))

	// resetTo resets the gateway through the SDK and waits until the lab runs
	// on the instance want: it holds the tunnel, BGP is up on it, the
	// connection is Connected, and the other instance holds no tunnel.
	resetTo := func(ctx context.Context, from, want string) {
		Expect(l.ActiveInstance(ctx)).To(Equal(from))
		before, err := l.AzureLogs(ctx, "TunnelDiagnosticLog")
		Expect(err).NotTo(HaveOccurred())
		poller, err := gws.BeginReset(ctx, l.Model.ResourceGroup, l.Model.Gateway.Name, nil)
		Expect(err).NotTo(HaveOccurred())
		_, err = poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 200 * time.Millisecond})
		Expect(err).NotTo(HaveOccurred())
		Eventually(func(g Gomega) {
			act, err := l.ActiveInstance(ctx)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(act).To(Equal(want), "the standby took over")
			st := l.Status(ctx)
			g.Expect(st.Azure.Node).To(Equal(want))
			g.Expect(st.Azure.TunnelUp()).To(BeTrue(), "tunnel on %s", want)
			g.Expect(st.Azure.BGPUp()).To(BeTrue(), "BGP on %s", want)
			g.Expect(st.Onprem.TunnelUp()).To(BeTrue(), "the device reconnected")
			g.Expect(connectionStatus(ctx)).To(Equal(armnetwork.VirtualNetworkGatewayConnectionStatusConnected))
		}).WithContext(ctx).WithTimeout(60 * time.Second).WithPolling(500 * time.Millisecond).Should(Succeed())
		sas, err := l.SAs(ctx, from)
		Expect(err).NotTo(HaveOccurred())
		for _, sa := range sas {
			Expect(sa.Installed()).To(BeFalse(), "the rebooted instance %s holds no tunnel", from)
		}
		// Traffic takes the new instance both ways: the public IP and the
		// VNet's next hop moved with it.
		r, err := l.Exec(ctx, lab.OnpremHost, "ping", "-c", "3", "-i", "0.2", "-W", "2", lab.AzureVMIP.String())
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Stdout).To(ContainSubstring("3 received"), "ping after the reset: %s %s", r.Stdout, r.Stderr)
		// The logs tell the story as Azure's do: the tunnel dropped on one
		// instance and connected on the other.
		logs, err := l.AzureLogs(ctx, "TunnelDiagnosticLog")
		Expect(err).NotTo(HaveOccurred())
		fresh := logs[len(before):]
		worker := func(node string) string {
			if node == lab.AzureGW1 {
				return "GatewayTenantWorker_IN_1"
			}
			return "GatewayTenantWorker_IN_0"
		}
		Expect(fresh).To(ContainElement(SatisfyAll(HaveField("OperationName", "TunnelDisconnected"), HaveField("Instance", worker(from)))))
		Expect(fresh).To(ContainElement(SatisfyAll(HaveField("OperationName", "TunnelConnected"), HaveField("Instance", worker(want)))))
		gw, err := l.AzureLogs(ctx, "GatewayDiagnosticLog")
		Expect(err).NotTo(HaveOccurred())
		Expect(gw).To(ContainElement(SatisfyAll(HaveField("OperationName", "GatewayTenantPrimaryChanged"),
			HaveField("Instance", worker(want)), HaveField("Message", ContainSubstring("gateway reset")))))
	}

	It("resets the gateway: the active instance reboots, the standby takes over with the changed key, and resetting again reboots the other", func(ctx SpecContext) {
		// The shared key changed through the SDK above reached IN_1 too:
		// the device reconnects to it with that key.
		resetTo(ctx, lab.AzureGW, lab.AzureGW1)
		resetTo(ctx, lab.AzureGW1, lab.AzureGW)
	}, NodeTimeout(3*time.Minute))
})
