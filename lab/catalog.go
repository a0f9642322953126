package lab

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/bgp"
	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/pause"
	"github.com/vpnlab/vpnlab/pki"
	"github.com/vpnlab/vpnlab/swan"
)

// Levers and readers the fault catalog (issue 13) needs beyond the first
// seven faults: the Azure model through its ARM API, as a user changes it.

// AzurePut sends PUT {kind}/{name} with {"properties": props}, as the
// portal or the SDK does, and waits for the long-running operation.
func (l *Lab) AzurePut(ctx context.Context, kind, name string, props any) error {
	return l.AzurePutAs(ctx, "", kind, name, props)
}

// AzurePutAs is AzurePut by a named caller (a user principal name): the
// Activity Log records it as the change's caller.
func (l *Lab) AzurePutAs(ctx context.Context, caller, kind, name string, props any) error {
	a, err := l.AzureAPI()
	if err != nil {
		return err
	}
	body, err := json.Marshal(map[string]any{"properties": props})
	if err != nil {
		return err
	}
	u := a.armURL(kind, name, "", nil)
	status, hdr, b, err := a.sendBody(ctx, http.MethodPut, u, body, caller)
	if err != nil {
		return err
	}
	for status == http.StatusAccepted {
		loc := hdr.Get("Location")
		if loc == "" {
			break
		}
		if err := pause.For(ctx, 200*time.Millisecond); err != nil {
			return err
		}
		if status, hdr, b, err = a.send(ctx, http.MethodGet, loc); err != nil {
			return err
		}
	}
	if status/100 != 2 {
		return fmt.Errorf("azure api PUT %s: %d: %s", kind+"/"+name, status, b)
	}
	// A PUT that ARM runs as a long-running operation answers at once
	// (provisioningState Updating) with an Azure-AsyncOperation URL whose
	// status says when the change is applied, as the SDK's poller reads it.
	if op := hdr.Get("Azure-AsyncOperation"); status != http.StatusAccepted && op != "" {
		return a.awaitOperation(ctx, op, "PUT "+kind+"/"+name)
	}
	return nil
}

// awaitOperation polls an Azure-AsyncOperation URL until its status is
// Succeeded, or returns the operation's error.
func (a *AzureAPI) awaitOperation(ctx context.Context, u, what string) error {
	for {
		var st struct {
			Status string          `json:"status"`
			Error  json.RawMessage `json:"error"`
		}
		if err := a.do(ctx, http.MethodGet, u, &st); err != nil {
			return err
		}
		switch st.Status {
		case "Succeeded":
			return nil
		case "Failed", "Canceled":
			return fmt.Errorf("azure api %s: the operation %s: %s", what, strings.ToLower(st.Status), st.Error)
		}
		if err := pause.For(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
}

// AzurePost sends POST {kind}/{name}/{action} without a body and waits for
// the long-running operation.
func (l *Lab) AzurePost(ctx context.Context, kind, name, action string) error {
	a, err := l.AzureAPI()
	if err != nil {
		return err
	}
	var raw json.RawMessage
	return a.do(ctx, http.MethodPost, a.armURL(kind, name, action, nil), &raw)
}

// AzureGet reads a resource and decodes it into v.
func (l *Lab) AzureGet(ctx context.Context, kind, name string, v any) error {
	a, err := l.AzureAPI()
	if err != nil {
		return err
	}
	return a.do(ctx, http.MethodGet, a.armURL(kind, name, "", url.Values{}), v)
}

func (a *AzureAPI) sendBody(ctx context.Context, method, u string, body []byte, caller string) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	token, err := a.callerToken(ctx, caller)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.hc.Do(req)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("azure api: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	return resp.StatusCode, resp.Header, b, err
}

// LiveModel reads the Azure model as the API shows it now (the lab's Model
// is what it started with): the gateway's BGP and point-to-site settings,
// the local network gateway and the connection. Public IPs, the VNet and
// the SKU come from the lab's model (the API names them by resource ID).
func (l *Lab) LiveModel(ctx context.Context) (azure.Model, error) {
	m := l.Model
	m.Gateway.VpnClient = nil
	if l.Model.Gateway.VpnClient != nil {
		vc := *l.Model.Gateway.VpnClient
		m.Gateway.VpnClient = &vc
	}
	var gw struct {
		Properties struct {
			EnableBgp   bool `json:"enableBgp"`
			BgpSettings struct {
				Asn                 uint32 `json:"asn"`
				BgpPeeringAddresses []struct {
					CustomBgpIPAddresses []string `json:"customBgpIpAddresses"`
				} `json:"bgpPeeringAddresses"`
			} `json:"bgpSettings"`
			VpnClient *struct {
				Pool struct {
					AddressPrefixes []string `json:"addressPrefixes"`
				} `json:"vpnClientAddressPool"`
				AuthenticationTypes []string `json:"vpnAuthenticationTypes"`
				RadiusServerAddress string   `json:"radiusServerAddress"`
				Roots               []struct {
					Name       string `json:"name"`
					Properties struct {
						PublicCertData string `json:"publicCertData"`
					} `json:"properties"`
				} `json:"vpnClientRootCertificates"`
				Revoked []struct {
					Name       string `json:"name"`
					Properties struct {
						Thumbprint string `json:"thumbprint"`
					} `json:"properties"`
				} `json:"vpnClientRevokedCertificates"`
			} `json:"vpnClientConfiguration"`
		} `json:"properties"`
	}
	if err := l.AzureGet(ctx, "virtualNetworkGateways", m.Gateway.Name, &gw); err != nil {
		return m, err
	}
	p := gw.Properties
	m.Gateway.EnableBgp, m.Gateway.Asn = p.EnableBgp, p.BgpSettings.Asn
	var custom []string
	for _, b := range p.BgpSettings.BgpPeeringAddresses {
		custom = append(custom, b.CustomBgpIPAddresses...)
	}
	m.Gateway.CustomBgpIPAddresses = custom
	if vc := p.VpnClient; vc != nil {
		c := azure.VpnClientConfiguration{AddressPrefixes: vc.Pool.AddressPrefixes, AuthenticationTypes: vc.AuthenticationTypes,
			RadiusServerAddress: vc.RadiusServerAddress}
		for _, r := range vc.Roots {
			c.RootCertificates = append(c.RootCertificates, azure.VpnClientRootCertificate{Name: r.Name, PublicCertData: r.Properties.PublicCertData})
		}
		for _, r := range vc.Revoked {
			c.RevokedCertificates = append(c.RevokedCertificates, azure.VpnClientRevokedCertificate{Name: r.Name, Thumbprint: r.Properties.Thumbprint})
		}
		m.Gateway.VpnClient = &c
	}
	var lng struct {
		Properties struct {
			GatewayIPAddress string `json:"gatewayIpAddress"`
			Space            struct {
				AddressPrefixes []string `json:"addressPrefixes"`
			} `json:"localNetworkAddressSpace"`
			BgpSettings *struct {
				Asn               uint32 `json:"asn"`
				BgpPeeringAddress string `json:"bgpPeeringAddress"`
			} `json:"bgpSettings"`
		} `json:"properties"`
	}
	if err := l.AzureGet(ctx, "localNetworkGateways", m.LocalGateway.Name, &lng); err != nil {
		return m, err
	}
	m.LocalGateway.GatewayIPAddress = lng.Properties.GatewayIPAddress
	m.LocalGateway.AddressPrefixes = lng.Properties.Space.AddressPrefixes
	if b := lng.Properties.BgpSettings; b != nil {
		m.LocalGateway.Asn, m.LocalGateway.BgpPeeringAddress = b.Asn, b.BgpPeeringAddress
	}
	var conn struct {
		Properties struct {
			ConnectionProtocol             string              `json:"connectionProtocol"`
			EnableBgp                      bool                `json:"enableBgp"`
			DpdTimeoutSeconds              int                 `json:"dpdTimeoutSeconds"`
			UsePolicyBasedTrafficSelectors bool                `json:"usePolicyBasedTrafficSelectors"`
			IpsecPolicies                  []azure.IpsecPolicy `json:"ipsecPolicies"`
		} `json:"properties"`
	}
	if err := l.AzureGet(ctx, "connections", m.Connection.Name, &conn); err != nil {
		return m, err
	}
	c := conn.Properties
	m.Connection.ConnectionProtocol, m.Connection.EnableBgp = c.ConnectionProtocol, c.EnableBgp
	m.Connection.DpdTimeoutSeconds, m.Connection.UsePolicyBasedTrafficSelectors = c.DpdTimeoutSeconds, c.UsePolicyBasedTrafficSelectors
	m.Connection.IpsecPolicies = c.IpsecPolicies
	if err := l.liveNetwork(ctx, &m); err != nil {
		return m, err
	}
	return m, nil
}

// RootsOf returns the root certificates a model has uploaded.
func RootsOf(m azure.Model) []*x509.Certificate {
	var out []*x509.Certificate
	if vc := m.Gateway.VpnClient; vc != nil {
		for _, r := range vc.RootCertificates {
			der, err := base64.StdEncoding.DecodeString(r.PublicCertData)
			if err != nil {
				continue
			}
			if c, err := x509.ParseCertificate(der); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// BGPSettings returns a side's BGP configuration (nil without BGP).
func (l *Lab) BGPSettings(side contract.Side) *bgp.Config {
	_, spec, err := l.gatewayOf(side)
	if err != nil || spec.BGP == nil {
		return nil
	}
	b := *spec.BGP
	if o, ok := l.bgpOverride[side]; ok {
		b = o
	}
	return &b
}

// ClientCertRemoved reports whether a fault took the point-to-site
// client's certificate away.
func (l *Lab) ClientCertRemoved() bool {
	return l.p2s.Conn.LocalCert == "" && l.pki != nil && l.radius == nil
}

// RemoveClientCert takes the point-to-site client's certificate and key
// away (a user whose certificate was never installed, or deleted) and has
// the client try to connect.
func (l *Lab) RemoveClientCert(ctx context.Context) error {
	if l.pki == nil {
		return fmt.Errorf("lab %s has no point-to-site client", l.id)
	}
	l.p2s.Conn.LocalCert = ""
	if err := l.writeP2SClientFiles(ctx); err != nil {
		return err
	}
	return l.reconnectP2S(ctx)
}

// reconnectP2S loads the client's connection as it now is and connects
// again, as a user pressing "Connect" does.
func (l *Lab) reconnectP2S(ctx context.Context) error {
	s, err := l.vici(ctx, P2SClient)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := swan.LoadConn(ctx, s, l.p2s.Conn); err != nil {
		return err
	}
	_ = swan.TerminateIKE(ctx, s, l.p2s.Conn.Name)
	_ = swan.Initiate(ctx, s, l.p2s.Conn.Child(), 2*time.Second)
	return nil
}

// ReconnectP2S has the point-to-site client connect again.
func (l *Lab) ReconnectP2S(ctx context.Context) error { return l.reconnectP2S(ctx) }

// rootPut is the gateway PUT that uploads roots.
func rootPut(roots ...azure.VpnClientRootCertificate) map[string]any {
	var rs []map[string]any
	for _, r := range roots {
		rs = append(rs, map[string]any{"name": r.Name, "properties": map[string]any{"publicCertData": r.PublicCertData}})
	}
	return map[string]any{"vpnClientConfiguration": map[string]any{"vpnClientRootCertificates": rs}}
}

// ReplaceP2SRoot changes the root uploaded to the gateway and reconnects
// the client. mode "other": a root that did not issue the client's
// certificate replaces the right one (the right root was never uploaded,
// or deleted). mode "expired": the root is reissued expired (same name and
// subject), uploaded, and the client's certificate is reissued from it.
func (l *Lab) ReplaceP2SRoot(ctx context.Context, mode string) error {
	if l.pki == nil {
		return fmt.Errorf("lab %s has no point-to-site client", l.id)
	}
	now := time.Now()
	switch mode {
	case "other":
		other, err := pki.NewCA("OtherRootCert", now.Add(-time.Hour), now.AddDate(2, 0, 0))
		if err != nil {
			return err
		}
		if err := l.AzurePut(ctx, "virtualNetworkGateways", l.Model.Gateway.Name,
			rootPut(azure.VpnClientRootCertificate{Name: "OtherRootCert", PublicCertData: other.PublicCertData()})); err != nil {
			return err
		}
	case "expired":
		// A root of its own key: the renewed one must not be taken for it.
		root, err := pki.NewCA("P2SRootCert", now.AddDate(-2, 0, 0), now.Add(-24*time.Hour))
		if err != nil {
			return err
		}
		if err := l.AzurePut(ctx, "virtualNetworkGateways", l.Model.Gateway.Name,
			rootPut(azure.VpnClientRootCertificate{Name: "P2SRootCert", PublicCertData: root.PublicCertData()})); err != nil {
			return err
		}
		c, err := pki.Issue(root, pki.Leaf{CN: "p2s-client", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
			NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0)}, l.pki.client.Key)
		if err != nil {
			return err
		}
		l.p2s.Conn.LocalCert = c.CertPEM()
		l.pki.kept = &root
		if err := l.writeP2SClientFiles(ctx); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown root fault %q (other, expired)", mode)
	}
	return l.reconnectP2S(ctx)
}

// RestoreP2SRoot uploads the lab's root again, reissues the client's
// certificate from it and reconnects the client.
func (l *Lab) RestoreP2SRoot(ctx context.Context) error {
	if l.pki == nil {
		return fmt.Errorf("lab %s has no point-to-site client", l.id)
	}
	if err := l.AzurePut(ctx, "virtualNetworkGateways", l.Model.Gateway.Name,
		rootPut(azure.VpnClientRootCertificate{Name: "P2SRootCert", PublicCertData: l.pki.root.PublicCertData()})); err != nil {
		return err
	}
	l.pki.kept = nil
	return l.RestoreClientCert(ctx)
}

// WithdrawPrefix has a side's BGP speaker stop advertising prefix.
func (l *Lab) WithdrawPrefix(ctx context.Context, side contract.Side, prefix string) error {
	return l.advertise(ctx, side, prefix, false)
}

// RestorePrefix has a side's BGP speaker advertise prefix again.
func (l *Lab) RestorePrefix(ctx context.Context, side contract.Side, prefix string) error {
	return l.advertise(ctx, side, prefix, true)
}

func (l *Lab) advertise(ctx context.Context, side contract.Side, prefix string, on bool) error {
	name, _, err := l.gatewayOf(side)
	if err != nil {
		return err
	}
	b := l.BGPSettings(side)
	if b == nil {
		return fmt.Errorf("%s runs no BGP", name)
	}
	c, err := l.BGP(name)
	if err != nil {
		return err
	}
	defer c.Close()
	var adv []string
	for _, p := range b.Advertise {
		if p != prefix {
			adv = append(adv, p)
		}
	}
	if on {
		adv = append(adv, prefix)
		err = c.Originate(ctx, prefix, b.LocalAddress)
	} else {
		err = c.Withdraw(ctx, prefix, b.LocalAddress)
	}
	if err != nil {
		return err
	}
	b.Advertise = adv
	if l.bgpOverride == nil {
		l.bgpOverride = map[contract.Side]bgp.Config{}
	}
	l.bgpOverride[side] = *b
	return nil
}

// SetLocalGateway changes the local network gateway through the API, as a
// user editing it in the portal: its address space (prefixes, when not
// nil) and its BGP peering address (when not empty).
func (l *Lab) SetLocalGateway(ctx context.Context, prefixes []string, bgpAddr string) error {
	props := map[string]any{}
	if prefixes != nil {
		props["localNetworkAddressSpace"] = map[string]any{"addressPrefixes": prefixes}
	}
	if bgpAddr != "" {
		props["bgpSettings"] = map[string]any{"asn": l.Model.LocalGateway.Asn, "bgpPeeringAddress": bgpAddr}
	}
	return l.AzurePut(ctx, "localNetworkGateways", l.Model.LocalGateway.Name, props)
}

// RestoreLocalGateway puts the local network gateway back as the lab set it up.
func (l *Lab) RestoreLocalGateway(ctx context.Context) error {
	lng := l.Model.LocalGateway
	prefixes := lng.AddressPrefixes
	if prefixes == nil {
		prefixes = []string{}
	}
	props := map[string]any{"localNetworkAddressSpace": map[string]any{"addressPrefixes": prefixes}}
	if lng.BgpPeeringAddress != "" {
		props["bgpSettings"] = map[string]any{"asn": lng.Asn, "bgpPeeringAddress": lng.BgpPeeringAddress}
	}
	return l.AzurePut(ctx, "localNetworkGateways", lng.Name, props)
}

// callerToken is a token of the lab's service principal, signed in on
// behalf of caller (a user principal name, shown in the Activity Log) when
// one is named.
func (a *AzureAPI) callerToken(ctx context.Context, caller string) (string, error) {
	if a.lab == nil {
		return BearerToken, nil
	}
	var extra url.Values
	if caller != "" {
		extra = url.Values{"vpnlab_upn": {caller}}
	}
	return a.lab.Token(ctx, azure.ARMAudience, extra)
}

// ActivityLog reads the Activity Log since a time, as
// Get-AzActivityLog / the Activity Log REST API return it.
func (l *Lab) ActivityLog(ctx context.Context, since time.Time) ([]azure.ActivityEvent, error) {
	a, err := l.AzureAPI()
	if err != nil {
		return nil, err
	}
	q := url.Values{"api-version": {"2015-04-01"}, "$filter": {"eventTimestamp ge '" + since.UTC().Format(time.RFC3339Nano) + "'"}}
	u := a.Base + "/subscriptions/" + l.Model.SubscriptionID + "/providers/microsoft.insights/eventtypes/management/values?" + q.Encode()
	var v struct {
		Value []struct {
			Caller         string    `json:"caller"`
			EventTimestamp time.Time `json:"eventTimestamp"`
			OperationName  struct {
				Value string `json:"value"`
			} `json:"operationName"`
			ResourceID string `json:"resourceId"`
			Status     struct {
				Value string `json:"value"`
			} `json:"status"`
			Properties struct {
				Changed string `json:"changedProperties"`
			} `json:"properties"`
		} `json:"value"`
	}
	if err := a.do(ctx, http.MethodGet, u, &v); err != nil {
		return nil, err
	}
	var out []azure.ActivityEvent
	for _, e := range v.Value {
		ev := azure.ActivityEvent{EventTimestamp: e.EventTimestamp, OperationName: e.OperationName.Value, ResourceID: e.ResourceID,
			Caller: e.Caller, Status: e.Status.Value}
		if e.Properties.Changed != "" {
			ev.Changed = strings.Split(e.Properties.Changed, ", ")
		}
		out = append(out, ev)
	}
	return out, nil
}

// UpdateConnectionDPD changes the connection's DPD timeout through the API
// as caller (a user editing the connection in the portal).
func (l *Lab) UpdateConnectionDPD(ctx context.Context, caller string, seconds int) error {
	return l.AzurePutAs(ctx, caller, "connections", l.Model.Connection.Name, map[string]any{"dpdTimeoutSeconds": seconds})
}

// RestoreConnectionDPD puts the connection's DPD timeout back to the one
// the lab set up, through the API as the lab's own service principal (the
// operator reverting a change).
func (l *Lab) RestoreConnectionDPD(ctx context.Context) error {
	d := l.Model.Connection.DpdTimeoutSeconds
	if d == 0 {
		d = azure.DefaultModel().Connection.DpdTimeoutSeconds
	}
	return l.AzurePut(ctx, "connections", l.Model.Connection.Name, map[string]any{"dpdTimeoutSeconds": d})
}

// SetP2SPool changes the gateway's point-to-site client address pool
// through the API, as an administrator editing the Point-to-site
// configuration, and has the client connect again (the gateway drops
// connected clients when their pool changes).
func (l *Lab) SetP2SPool(ctx context.Context, prefixes []string) error {
	if l.pki == nil {
		return fmt.Errorf("lab %s has no point-to-site client", l.id)
	}
	if err := l.AzurePut(ctx, "virtualNetworkGateways", l.Model.Gateway.Name, map[string]any{
		"vpnClientConfiguration": map[string]any{"vpnClientAddressPool": map[string]any{"addressPrefixes": prefixes}}}); err != nil {
		return err
	}
	return l.reconnectP2S(ctx)
}

// RestoreP2SPool puts the lab's point-to-site pool back and reconnects the client.
func (l *Lab) RestoreP2SPool(ctx context.Context) error {
	return l.SetP2SPool(ctx, []string{P2SPool.String()})
}
