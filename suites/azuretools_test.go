package suites_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/azquery"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/vpnlab/vpnlab/cli"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/kql/queries"
	"github.com/vpnlab/vpnlab/lab"
)

// customCloud is the lab as a user's tools see it: a custom cloud
// configuration (Azure Stack Hub style), an HTTP client that trusts the
// lab's CA, and an azidentity credential signed in against the lab's
// issuer with the lab's service principal.
type customCloud struct {
	env  lab.Env
	cfg  cloud.Configuration
	hc   *http.Client
	cred *azidentity.ClientSecretCredential
}

func labCloud(l *lab.Lab) customCloud {
	env, err := l.Env()
	Expect(err).NotTo(HaveOccurred())
	c := customCloud{env: env, hc: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: l.APICertPool(), MinVersion: tls.VersionTLS12}}}}
	c.cfg = cloud.Configuration{
		ActiveDirectoryAuthorityHost: env.Authority,
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager:   {Endpoint: env.ARMEndpoint, Audience: env.ARMAudience},
			azquery.ServiceNameLogs: {Endpoint: env.LogAnalyticsEndpoint, Audience: env.LogAnalyticsAudience},
		},
	}
	c.cred, err = azidentity.NewClientSecretCredential(env.TenantID, env.ClientID, env.ClientSecret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: c.options(), DisableInstanceDiscovery: true})
	Expect(err).NotTo(HaveOccurred())
	return c
}

func (c customCloud) options() policy.ClientOptions {
	return policy.ClientOptions{Cloud: c.cfg, Transport: c.hc, Retry: policy.RetryOptions{MaxRetries: -1}}
}

// raw sends a request to the lab's API with token (none if empty).
func (c customCloud) raw(ctx context.Context, method, u, token, body string) (int, string) {
	req, err := http.NewRequestWithContext(ctx, method, u, strings.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// logAnalytics runs a KQL query through the Log Analytics API with the
// lab's own token and returns the raw answer.
func logAnalytics(ctx context.Context, l *lab.Lab, query string) (string, error) {
	env, err := l.Env()
	if err != nil {
		return "", err
	}
	tok, err := l.Token(ctx, azure.LogAnalyticsAudience, nil)
	if err != nil {
		return "", err
	}
	b, _ := json.Marshal(map[string]string{"query": query})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, env.LogAnalyticsEndpoint+"/workspaces/"+env.WorkspaceID+"/query", bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: l.APICertPool(), MinVersion: tls.VersionTLS12}}}
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("log analytics: %s: %s", resp.Status, out)
	}
	return string(out), err
}

// putStates records the provisioningState of every PUT answer the SDK gets.
type putStates struct {
	mu     sync.Mutex
	states []string
}

func (p *putStates) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	if err != nil || req.Raw().Method != http.MethodPut {
		return resp, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	var v struct {
		Properties struct {
			ProvisioningState string `json:"provisioningState"`
		} `json:"properties"`
	}
	json.Unmarshal(b, &v)
	p.mu.Lock()
	p.states = append(p.states, v.Properties.ProvisioningState)
	p.mu.Unlock()
	return resp, nil
}

// column returns the values of a column of an azquery table as strings.
func column(t *azquery.Table, name string) []string {
	i := slices.IndexFunc(t.Columns, func(c *azquery.Column) bool { return *c.Name == name })
	Expect(i).To(BeNumerically(">=", 0), "column %s", name)
	var out []string
	for _, r := range t.Rows {
		out = append(out, fmt.Sprint(r[i]))
	}
	return out
}

// Your own Azure tools against the lab: sign-in with azidentity against the
// lab's issuer, the gateway, connection and local network gateway through
// armnetwork, and the diagnostic logs through the Azure Monitor query SDK.
var _ = Describe("Your own Azure tools (azidentity, armnetwork, azquery) against the lab", Ordered, Label("lab", "azuretools"), func() {
	var (
		l      *lab.Lab
		c      customCloud
		conns  *armnetwork.VirtualNetworkGatewayConnectionsClient
		gws    *armnetwork.VirtualNetworkGatewaysClient
		lngs   *armnetwork.LocalNetworkGatewaysClient
		logs   *azquery.LogsClient
		puts   = &putStates{}
		rg     string
		resetN string // the instance the reset rebooted
	)
	poll := &runtime.PollUntilDoneOptions{Frequency: 200 * time.Millisecond}

	BeforeAll(func(ctx SpecContext) {
		l = startHealthyLab(ctx, lab.WithScenario("azuretools"))
		c = labCloud(l)
		rg = l.Model.ResourceGroup
		opts := &arm.ClientOptions{ClientOptions: c.options(), DisableRPRegistration: true}
		opts.PerCallPolicies = []policy.Policy{puts}
		var err error
		conns, err = armnetwork.NewVirtualNetworkGatewayConnectionsClient(c.env.SubscriptionID, c.cred, opts)
		Expect(err).NotTo(HaveOccurred())
		gws, err = armnetwork.NewVirtualNetworkGatewaysClient(c.env.SubscriptionID, c.cred, opts)
		Expect(err).NotTo(HaveOccurred())
		lngs, err = armnetwork.NewLocalNetworkGatewaysClient(c.env.SubscriptionID, c.cred, opts)
		Expect(err).NotTo(HaveOccurred())
		logs, err = azquery.NewLogsClient(c.cred, &azquery.LogsClientOptions{ClientOptions: c.options()})
		Expect(err).NotTo(HaveOccurred())
	}, NodeTimeout(3*time.Minute))

	It("is discoverable: lab env --json, the metadata endpoints and the CA file", func(ctx SpecContext) {
		var out, errw bytes.Buffer
		Expect(cli.Run(ctx, []string{"lab", "env", "--json", "--lab", l.ID()}, &out, &errw)).To(Succeed(), errw.String())
		var env map[string]string
		Expect(json.Unmarshal(out.Bytes(), &env)).To(Succeed())
		for _, k := range []string{"arm_endpoint", "ca_file", "authority", "tenant_id", "client_id", "client_secret",
			"subscription_id", "resource_group", "workspace_id", "log_analytics_endpoint"} {
			Expect(env).To(HaveKeyWithValue(k, Not(BeEmpty())), k)
		}
		Expect(env["arm_endpoint"]).To(Equal(c.env.ARMEndpoint))
		fi, err := os.Stat(env["ca_file"])
		Expect(err).NotTo(HaveOccurred())
		Expect(fi.Mode().Perm()).To(Equal(os.FileMode(0o600)))
		status, body := c.raw(ctx, "GET", c.env.ARMEndpoint+"metadata/endpoints?api-version=2015-01-01", "", "")
		Expect(status).To(Equal(200))
		var meta struct {
			Authentication struct {
				LoginEndpoint string   `json:"loginEndpoint"`
				Audiences     []string `json:"audiences"`
			} `json:"authentication"`
		}
		Expect(json.Unmarshal([]byte(body), &meta)).To(Succeed())
		Expect(meta.Authentication.LoginEndpoint).To(Equal(c.env.Authority))
		Expect(meta.Authentication.Audiences).To(ContainElement(c.env.ARMAudience))
		st, err := json.Marshal(l.Status(ctx))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(st)).To(ContainSubstring(`"workspace_id":"` + c.env.WorkspaceID + `"`))
	})

	It("signs in with azidentity (custom cloud, instance discovery off) and refuses a wrong secret", func(ctx SpecContext) {
		tok, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.env.ARMAudience + ".default"}})
		Expect(err).NotTo(HaveOccurred())
		Expect(tok.ExpiresOn).To(BeTemporally(">", time.Now().Add(50*time.Minute)))
		bad, err := azidentity.NewClientSecretCredential(c.env.TenantID, c.env.ClientID, "wrong-secret",
			&azidentity.ClientSecretCredentialOptions{ClientOptions: c.options(), DisableInstanceDiscovery: true})
		Expect(err).NotTo(HaveOccurred())
		_, err = bad.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.env.ARMAudience + ".default"}})
		Expect(err).To(MatchError(ContainSubstring("AADSTS7000215")))
	})

	It("lists, gets and tags the gateway, the local network gateway and the connection", func(ctx SpecContext) {
		var gwNames, lngNames, connNames, gwConns []string
		for p := gws.NewListPager(rg, nil); p.More(); {
			page, err := p.NextPage(ctx)
			Expect(err).NotTo(HaveOccurred())
			for _, v := range page.Value {
				gwNames = append(gwNames, *v.Name)
			}
		}
		for p := lngs.NewListPager(rg, nil); p.More(); {
			page, err := p.NextPage(ctx)
			Expect(err).NotTo(HaveOccurred())
			for _, v := range page.Value {
				lngNames = append(lngNames, *v.Name)
			}
		}
		for p := conns.NewListPager(rg, nil); p.More(); {
			page, err := p.NextPage(ctx)
			Expect(err).NotTo(HaveOccurred())
			for _, v := range page.Value {
				connNames = append(connNames, *v.Name)
			}
		}
		for p := gws.NewListConnectionsPager(rg, l.Model.Gateway.Name, nil); p.More(); {
			page, err := p.NextPage(ctx)
			Expect(err).NotTo(HaveOccurred())
			for _, v := range page.Value {
				gwConns = append(gwConns, *v.Name)
				Expect(*v.Properties.ConnectionStatus).To(Equal(armnetwork.VirtualNetworkGatewayConnectionStatusConnected))
			}
		}
		Expect(gwNames).To(Equal([]string{l.Model.Gateway.Name}))
		Expect(lngNames).To(Equal([]string{l.Model.LocalGateway.Name}))
		Expect(connNames).To(Equal([]string{l.Model.Connection.Name}))
		Expect(gwConns).To(Equal([]string{l.Model.Connection.Name}))

		gw, err := gws.Get(ctx, rg, l.Model.Gateway.Name, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(gw.Etag).NotTo(BeNil())
		Expect(*gw.Properties.ResourceGUID).NotTo(BeEmpty())
		Expect(*gw.Properties.BgpSettings.Asn).To(BeNumerically("==", 65515))
		tags := map[string]*string{"owner": to.Ptr("aztools"), "env": to.Ptr("lab")}
		gp, err := gws.BeginUpdateTags(ctx, rg, l.Model.Gateway.Name, armnetwork.TagsObject{Tags: tags}, nil)
		Expect(err).NotTo(HaveOccurred())
		tagged, err := gp.PollUntilDone(ctx, poll)
		Expect(err).NotTo(HaveOccurred())
		Expect(tagged.Tags).To(HaveKeyWithValue("owner", HaveValue(Equal("aztools"))))
		Expect(*tagged.Etag).NotTo(Equal(*gw.Etag), "a change gives a new etag")
		lt, err := lngs.UpdateTags(ctx, rg, l.Model.LocalGateway.Name, armnetwork.TagsObject{Tags: tags}, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(lt.Tags).To(HaveKey("env"))
		cp, err := conns.BeginUpdateTags(ctx, rg, l.Model.Connection.Name, armnetwork.TagsObject{Tags: tags}, nil)
		Expect(err).NotTo(HaveOccurred())
		ct, err := cp.PollUntilDone(ctx, poll)
		Expect(err).NotTo(HaveOccurred())
		Expect(ct.Tags).To(HaveLen(2))
		Expect(*ct.Properties.ConnectionStatus).To(Equal(armnetwork.VirtualNetworkGatewayConnectionStatusConnected), "tags do not touch the tunnel")
	})

	It("updates with PUT: Updating while it applies, then Succeeded; a stale etag is refused", func(ctx SpecContext) {
		got, err := lngs.Get(ctx, rg, l.Model.LocalGateway.Name, nil)
		Expect(err).NotTo(HaveOccurred())
		stale := *got.Etag
		lng := got.LocalNetworkGateway
		lng.Tags["put"] = to.Ptr("yes")
		p, err := lngs.BeginCreateOrUpdate(ctx, rg, l.Model.LocalGateway.Name, lng, nil)
		Expect(err).NotTo(HaveOccurred())
		done, err := p.PollUntilDone(ctx, poll)
		Expect(err).NotTo(HaveOccurred())
		Expect(*done.Properties.ProvisioningState).To(Equal(armnetwork.ProvisioningStateSucceeded))
		Expect(done.Tags).To(HaveKey("put"))
		puts.mu.Lock()
		Expect(puts.states).To(ContainElement("Updating"), "the PUT's answer")
		puts.mu.Unlock()
		tok, err := l.Token(ctx, azure.ARMAudience, nil)
		Expect(err).NotTo(HaveOccurred())
		b, _ := json.Marshal(map[string]any{"tags": map[string]string{}})
		req, _ := http.NewRequestWithContext(ctx, "PATCH", c.env.ARMEndpoint+strings.TrimPrefix(*done.ID, "/")+"?api-version="+lab.APIVersion, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("If-Match", stale)
		resp, err := c.hc.Do(req)
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusPreconditionFailed))
	})

	It("reads BGP peer status", func(ctx SpecContext) {
		Eventually(func(g Gomega) {
			p, err := gws.BeginGetBgpPeerStatus(ctx, rg, l.Model.Gateway.Name, nil)
			g.Expect(err).NotTo(HaveOccurred())
			r, err := p.PollUntilDone(ctx, poll)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(r.Value).To(ContainElement(HaveValue(SatisfyAll(
				HaveField("Neighbor", HaveValue(Equal(lab.OnpremBGPIP.String()))),
				HaveField("State", HaveValue(Equal(armnetwork.BgpPeerStateConnected))),
				HaveField("RoutesReceived", HaveValue(BeNumerically(">=", 1)))))))
		}).WithContext(ctx).WithTimeout(15 * time.Second).WithPolling(time.Second).Should(Succeed())
	})

	It("reads the shared key, sets a new one, and the device follows", func(ctx SpecContext) {
		k, err := conns.GetSharedKey(ctx, rg, l.Model.Connection.Name, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(*k.Value).To(Equal(sharedKey(ctx, l)), "Azure returns the key to an authorised caller")
		const next = "SetByAzTools0123456789"
		p, err := conns.BeginSetSharedKey(ctx, rg, l.Model.Connection.Name, armnetwork.ConnectionSharedKey{Value: to.Ptr(next)}, nil)
		Expect(err).NotTo(HaveOccurred())
		_, err = p.PollUntilDone(ctx, poll)
		Expect(err).NotTo(HaveOccurred())
		k, err = conns.GetSharedKey(ctx, rg, l.Model.Connection.Name, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(*k.Value).To(Equal(next))
		// A script configures the device with the key it read from Azure.
		Expect(l.SetSharedKey(ctx, lab.Onprem, *k.Value)).To(Succeed())
		Eventually(func(g Gomega) {
			r, err := conns.Get(ctx, rg, l.Model.Connection.Name, nil)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(*r.Properties.ConnectionStatus).To(Equal(armnetwork.VirtualNetworkGatewayConnectionStatusConnected))
		}).WithContext(ctx).WithTimeout(45 * time.Second).WithPolling(500 * time.Millisecond).Should(Succeed())
	}, NodeTimeout(2*time.Minute))

	It("resets the gateway: the standby takes over", func(ctx SpecContext) {
		from, err := l.ActiveInstance(ctx)
		Expect(err).NotTo(HaveOccurred())
		resetN = from
		p, err := gws.BeginReset(ctx, rg, l.Model.Gateway.Name, nil)
		Expect(err).NotTo(HaveOccurred())
		_, err = p.PollUntilDone(ctx, poll)
		Expect(err).NotTo(HaveOccurred())
		Eventually(func(g Gomega) {
			act, err := l.ActiveInstance(ctx)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(act).NotTo(Equal(from))
			st := l.Status(ctx)
			g.Expect(st.Azure.TunnelUp() && st.Azure.BGPUp()).To(BeTrue())
			g.Expect(st.API.ConnectionStatus).To(Equal("Connected"))
		}).WithContext(ctx).WithTimeout(60 * time.Second).WithPolling(500 * time.Millisecond).Should(Succeed())
	}, NodeTimeout(2*time.Minute))

	It("answers Azure's documented VPN gateway KQL queries with what the lab did", func(ctx SpecContext) {
		m := l.Model
		gwID := m.ID("virtualNetworkGateways", m.Gateway.Name)
		onprem := m.LocalGateway.GatewayIPAddress
		recs, err := l.AzureLogs(ctx, "")
		Expect(err).NotTo(HaveOccurred())
		count := func(cat string, ops ...string) int {
			n := 0
			for _, r := range recs {
				if r.Category == cat && (len(ops) == 0 || slices.Contains(ops, r.OperationName)) {
					n++
				}
			}
			return n
		}
		wantInstance := map[string]string{lab.AzureGW: "GatewayTenantWorker_IN_0", lab.AzureGW1: "GatewayTenantWorker_IN_1"}[resetN]
		checks := map[string]func(t *azquery.Table){
			"gateway-diagnostic-log": func(t *azquery.Table) {
				Expect(column(t, "OperationName")).To(ContainElements("SetGatewayConfiguration", "GatewayTenantPrimaryChanged"))
				Expect(column(t, "Resource")).To(HaveEach(strings.ToUpper(m.Gateway.Name)))
				Expect(len(t.Rows)).To(BeNumerically(">=", count(azure.CategoryGateway)))
			},
			"tunnel-diagnostic-log": func(t *azquery.Table) {
				Expect(column(t, "instance_s")).To(ContainElements("GatewayTenantWorker_IN_0", "GatewayTenantWorker_IN_1"), "a failover shows on both instances")
				ops := column(t, "OperationName")
				Expect(ops[len(ops)-1]).To(Equal("TunnelConnected"), "sorted by time, the tunnel is up now")
				Expect(len(t.Rows)).To(BeNumerically(">=", count(azure.CategoryTunnel)))
			},
			"route-diagnostic-log": func(t *azquery.Table) {
				Expect(column(t, "OperationName")).To(ContainElement("BgpConnectedEvent"))
			},
			"ike-diagnostic-log": func(t *azquery.Table) {
				Expect(len(t.Rows)).To(BeNumerically(">", 0))
				Expect(column(t, "RemoteIP")).To(ContainElement(onprem))
				Expect(column(t, "LocalIP")).To(ContainElement(m.Gateway.PublicIP))
			},
			"p2s-diagnostic-log": func(t *azquery.Table) {
				Expect(column(t, "Message")).To(ContainElement(ContainSubstring("Connection successful")))
			},
			"tunnel-disconnected-alert": func(t *azquery.Table) {
				Expect(column(t, "instance_s")).To(ContainElement(wantInstance), "the reset instance's disconnect, within 5 minutes")
				Expect(column(t, "_ResourceId")).To(HaveEach(strings.ToLower(gwID)))
			},
			"tunnel-disconnected-alert-2019": func(t *azquery.Table) {
				Expect(column(t, "instance_s")).To(ContainElement(wantInstance))
			},
			"p2s-connection-log-seed-002": func(t *azquery.Table) {
				Expect(len(t.Rows)).To(BeNumerically("==", count(azure.CategoryP2S)))
			},
			"tunnel-status-changes": func(t *azquery.Table) {
				Expect(column(t, "status_s")).To(HaveEach(BeElementOf("Connected", "Disconnected")))
				Expect(column(t, "remoteIP_s")).To(HaveEach(onprem))
			},
			"tunnel-events-per-instance": func(t *azquery.Table) {
				Expect(column(t, "instance_s")).To(ContainElements("GatewayTenantWorker_IN_0", "GatewayTenantWorker_IN_1"))
			},
			"latest-tunnel-state": func(t *azquery.Table) {
				Expect(column(t, "remoteIP_s")).To(Equal([]string{onprem}))
				Expect(column(t, "OperationName")).To(Equal([]string{"TunnelConnected"}), "the SDK says Connected too")
			},
			"bgp-events":               func(t *azquery.Table) { Expect(column(t, "OperationName")).To(ContainElement("BgpConnectedEvent")) },
			"config-changes-last-hour": func(t *azquery.Table) { Expect(len(t.Rows)).To(BeNumerically(">=", 3), "tags, PUT and key") },
			"ike-errors-by-remote":     func(t *azquery.Table) { Expect(len(t.Columns)).To(Equal(3)) },
		}
		documented := 0
		for _, q := range queries.VPNGateway() {
			check, ok := checks[q.Name]
			Expect(ok).To(BeTrue(), "no check for %s", q.Name)
			By(q.Name + " (" + q.Source + ")")
			res, err := logs.QueryWorkspace(ctx, c.env.WorkspaceID, azquery.Body{
				Query: to.Ptr(q.Fill(gwID, onprem)), Timespan: to.Ptr(azquery.NewTimeInterval(time.Now().Add(-time.Hour), time.Now().Add(time.Minute))),
			}, nil)
			Expect(err).NotTo(HaveOccurred(), q.Name)
			Expect(res.Error).To(BeNil(), q.Name)
			Expect(res.Tables).To(HaveLen(1))
			check(res.Tables[0])
			if q.Documented() {
				documented++
			}
		}
		Expect(documented).To(BeNumerically(">=", 8))
	})

	It("refuses requests without a token, with an expired token or a foreign audience, as Azure does", func(ctx SpecContext) {
		gwURL := c.env.ARMEndpoint + strings.TrimPrefix(l.Model.ID("virtualNetworkGateways", l.Model.Gateway.Name), "/") + "?api-version=" + lab.APIVersion
		laURL := c.env.LogAnalyticsEndpoint + "/workspaces/" + c.env.WorkspaceID + "/query"
		armTok, err := l.Token(ctx, azure.ARMAudience, nil)
		Expect(err).NotTo(HaveOccurred())
		la, err := l.Token(ctx, azure.LogAnalyticsAudience, nil)
		Expect(err).NotTo(HaveOccurred())
		short, err := l.Token(ctx, azure.ARMAudience, url.Values{"vpnlab_expires_in": {"1"}})
		Expect(err).NotTo(HaveOccurred())
		time.Sleep(2 * time.Second)
		for _, tt := range []struct {
			name, method, url, token string
			status                   int
			code                     string
		}{
			{"ARM token", "GET", gwURL, armTok, 200, ""},
			{"no token", "GET", gwURL, "", 401, "AuthenticationFailed"},
			{"expired", "GET", gwURL, short, 401, "ExpiredAuthenticationToken"},
			{"foreign audience", "GET", gwURL, la, 401, "InvalidAuthenticationTokenAudience"},
			{"forged", "GET", gwURL, armTok[:len(armTok)-6] + "AAAAAA", 401, "InvalidAuthenticationToken"},
			{"Log Analytics token", "POST", laURL, la, 200, ""},
			{"ARM token on Log Analytics", "POST", laURL, armTok, 401, "InvalidTokenError"},
		} {
			status, body := c.raw(ctx, tt.method, tt.url, tt.token, map[bool]string{true: `{"query":"AzureDiagnostics | count"}`}[tt.method == "POST"])
			Expect(status).To(Equal(tt.status), "%s: %s", tt.name, body)
			if tt.code != "" {
				Expect(body).To(ContainSubstring(`"code":"`+tt.code+`"`), tt.name)
			}
		}
		// The SDK surfaces the refusal as Azure's ResponseError.
		expired, err := armnetwork.NewVirtualNetworkGatewaysClient(c.env.SubscriptionID, staticToken(short),
			&arm.ClientOptions{ClientOptions: c.options(), DisableRPRegistration: true})
		Expect(err).NotTo(HaveOccurred())
		_, err = expired.Get(ctx, rg, l.Model.Gateway.Name, nil)
		var re *azcore.ResponseError
		Expect(errors.As(err, &re)).To(BeTrue(), "%v", err)
		Expect(re.StatusCode).To(Equal(401))
		Expect(re.ErrorCode).To(Equal("ExpiredAuthenticationToken"))
	})
})

// staticToken is a credential that hands out one token, expired or not.
type staticToken string

func (s staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(s), ExpiresOn: time.Now().Add(time.Hour)}, nil
}
