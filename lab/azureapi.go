package lab

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/fakes/azure"
)

// APIVersion is the ARM api-version the lab's own client sends.
const APIVersion = "2024-05-01"

// AzureAPI reads the fake gateway's Azure-like API.
type AzureAPI struct {
	Base  string // https://127.0.0.1:port
	Model azure.Model
	hc    *http.Client
	lab   *Lab // signs the lab's requests in (Lab.Token)
}

// BearerToken is what the lab's own client presents to a fake without
// sign-in (a lab started by an older vpnlab), which accepts any token.
const BearerToken = "vpnlab-lab-token"

// APICertPool returns the CA pool that verifies the fake gateway API's
// certificate, for clients such as the Azure SDK.
func (l *Lab) APICertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(l.apiCA))
	return pool
}

// AzureEndpoint is the base URL of the active instance's API (an ARM endpoint).
func (l *Lab) AzureEndpoint() (string, error) {
	a, err := l.AzureAPI()
	if err != nil {
		return "", err
	}
	return a.Base, nil
}

// AzureAPI returns a client of the fake gateway's API. It is the Azure
// Resource Manager endpoint of the lab, whatever instance is active: IN_0's
// port, which passes ARM requests on to IN_1 while IN_0 is standby.
func (l *Lab) AzureAPI() (*AzureAPI, error) { return l.instanceAPI(AzureGW) }

// AzureLogs returns the diagnostic log records of every instance, oldest first.
func (l *Lab) AzureLogs(ctx context.Context, category string) ([]azure.LogRecord, error) {
	var all []azure.LogRecord
	for _, name := range []string{AzureGW, AzureGW1} {
		if l.nodes[name] == nil {
			continue
		}
		a, err := l.instanceAPI(name)
		if err != nil {
			return nil, err
		}
		recs, err := a.Logs(ctx, category)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		all = append(all, recs...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].TimeGenerated.Before(all[j].TimeGenerated) })
	return all, nil
}

func (l *Lab) instanceAPI(name string) (*AzureAPI, error) {
	n := l.nodes[name]
	if n == nil {
		return nil, fmt.Errorf("lab %s has no %s", l.id, name)
	}
	addr, err := n.Addr(nodeAPIPort)
	if err != nil {
		return nil, err
	}
	scheme, tr := "http://", http.DefaultTransport
	if l.apiCA != "" {
		scheme = "https://"
		l.apiOnce.Do(func() {
			l.apiTransport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: l.APICertPool(), MinVersion: tls.VersionTLS12}}
		})
		tr = l.apiTransport
	}
	m := l.Model
	if m.Gateway.Name == "" {
		m = azure.DefaultModel()
	}
	return &AzureAPI{Base: scheme + addr, Model: m, hc: &http.Client{Timeout: 5 * time.Second, Transport: tr}, lab: l}, nil
}

// ConnectionView is the part of a connections GET the lab reads.
type ConnectionView struct {
	Name       string `json:"name"`
	Properties struct {
		ConnectionStatus        string                         `json:"connectionStatus"`
		IngressBytesTransferred uint64                         `json:"ingressBytesTransferred"`
		EgressBytesTransferred  uint64                         `json:"egressBytesTransferred"`
		Tunnels                 []azure.TunnelConnectionHealth `json:"tunnelConnectionStatus"`
	} `json:"properties"`
}

// Instance reads which instance serves this endpoint and whether it is the
// active one (the lab's own route).
func (a *AzureAPI) Instance(ctx context.Context) (contract.InstanceState, error) {
	var st contract.InstanceState
	return st, a.do(ctx, http.MethodGet, a.Base+"/vpnlab/instance", &st)
}

func (a *AzureAPI) armURL(kind, name, action string, q url.Values) string {
	if q == nil {
		q = url.Values{}
	}
	q.Set("api-version", APIVersion)
	u := a.Base + a.Model.ID(kind, name)
	if action != "" {
		u += "/" + action
	}
	return u + "?" + q.Encode()
}

// Connection reads the connection resource.
func (a *AzureAPI) Connection(ctx context.Context) (ConnectionView, error) {
	var v ConnectionView
	err := a.do(ctx, http.MethodGet, a.armURL("connections", a.Model.Connection.Name, "", nil), &v)
	return v, err
}

// BgpPeers calls getBgpPeerStatus.
func (a *AzureAPI) BgpPeers(ctx context.Context) ([]azure.BgpPeerStatus, error) {
	var v struct {
		Value []azure.BgpPeerStatus `json:"value"`
	}
	err := a.do(ctx, http.MethodPost, a.armURL("virtualNetworkGateways", a.Model.Gateway.Name, "getBgpPeerStatus", nil), &v)
	return v.Value, err
}

// P2SSessions calls getVpnclientConnectionHealth: the point-to-site
// sessions the portal lists.
func (a *AzureAPI) P2SSessions(ctx context.Context) ([]azure.VpnClientConnectionHealthDetail, error) {
	var v struct {
		Value []azure.VpnClientConnectionHealthDetail `json:"value"`
	}
	err := a.do(ctx, http.MethodPost, a.armURL("virtualNetworkGateways", a.Model.Gateway.Name, "getVpnclientConnectionHealth", nil), &v)
	return v.Value, err
}

// LearnedRoutes calls getLearnedRoutes.
func (a *AzureAPI) LearnedRoutes(ctx context.Context) ([]azure.GatewayRoute, error) {
	var v struct {
		Value []azure.GatewayRoute `json:"value"`
	}
	err := a.do(ctx, http.MethodPost, a.armURL("virtualNetworkGateways", a.Model.Gateway.Name, "getLearnedRoutes", nil), &v)
	return v.Value, err
}

// Logs reads diagnostic log records of a category ("" = all).
func (a *AzureAPI) Logs(ctx context.Context, category string) ([]azure.LogRecord, error) {
	var v struct {
		Value []azure.LogRecord `json:"value"`
	}
	q := url.Values{}
	if category != "" {
		q.Set("category", category)
	}
	err := a.do(ctx, http.MethodGet, a.Base+"/vpnlab/diagnostics?"+q.Encode(), &v)
	return v.Value, err
}

// Raw performs a request on a path of the API and returns the body.
func (a *AzureAPI) Raw(ctx context.Context, method, path string) (string, error) {
	var raw json.RawMessage
	err := a.do(ctx, method, a.Base+path, &raw)
	return string(raw), err
}

func (a *AzureAPI) do(ctx context.Context, method, u string, v any) error {
	status, hdr, b, err := a.send(ctx, method, u)
	if err != nil {
		return err
	}
	// A long-running operation (ARM): poll its Location until it completes.
	for status == http.StatusAccepted {
		loc := hdr.Get("Location")
		if loc == "" {
			return fmt.Errorf("azure api %s: 202 without a Location header", u)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if status, hdr, b, err = a.send(ctx, http.MethodGet, loc); err != nil {
			return err
		}
	}
	if status/100 != 2 {
		return fmt.Errorf("azure api %s %s: %d: %s", method, u, status, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("azure api %s: %w", u, err)
	}
	return nil
}

func (a *AzureAPI) send(ctx context.Context, method, u string) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	token := BearerToken
	if a.lab != nil && strings.Contains(u, "/subscriptions/") {
		if token, err = a.lab.Token(ctx, azure.ARMAudience, nil); err != nil {
			return 0, nil, nil, err
		}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := a.hc.Do(req)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("azure api: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("azure api: %w", err)
	}
	return resp.StatusCode, resp.Header, b, nil
}
