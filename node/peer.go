package node

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/fakes/azure"
)

// replicatedModel is the body of POST /vpnlab/model: the model, with the
// key apart since a Model never marshals it.
type replicatedModel struct {
	Model     azure.Model `json:"model"`
	SharedKey string      `json:"shared_key"`
	// RadiusSecret is the point-to-site RADIUS secret, apart for the same reason.
	RadiusSecret string `json:"radius_secret,omitempty"`
}

// replicatedKey marks the context of a change that came from the peer: it
// is not sent back.
type replicatedKey struct{}

// peer is the other instance of the pair, reached over the GatewaySubnet.
type peer struct {
	base string // https://198.19.255.5:8080
	hc   *http.Client
	tr   http.RoundTripper
}

func newPeer(addr string, api *contract.APICert) *peer {
	scheme, tr := "http", http.DefaultTransport
	if api != nil {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM([]byte(api.CAPEM))
		scheme = "https"
		// The API's certificate names localhost: the peer checks it against that.
		tr = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS12},
			DialContext: (&net.Dialer{Timeout: 3 * time.Second}).DialContext}
	}
	return &peer{base: scheme + "://" + net.JoinHostPort(addr, strconv.Itoa(contract.APIPort)), tr: tr,
		hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

func (p *peer) post(ctx context.Context, path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("%s: %s: %s", path, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

// view reads the peer's own tunnels, BGP peers and learned routes.
func (p *peer) view(ctx context.Context) (azure.InstanceView, error) {
	var v azure.InstanceView
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/vpnlab/view", nil)
	if err != nil {
		return v, err
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return v, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return v, fmt.Errorf("/vpnlab/view: %s", resp.Status)
	}
	return v, json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&v)
}

func (p *peer) instance(ctx context.Context, a contract.InstanceAction) error {
	return p.post(ctx, "/vpnlab/instance", a)
}

func (p *peer) replicate(ctx context.Context, m azure.Model) error {
	rm := replicatedModel{Model: m, SharedKey: m.Connection.SharedKey}
	if vc := m.Gateway.VpnClient; vc != nil {
		rm.RadiusSecret = vc.RadiusServerSecret
	}
	return p.post(ctx, "/vpnlab/model", rm)
}

// proxy passes ARM requests on to the peer, keeping the client's Host so
// that the URLs of long-running operations stay the client's endpoint.
func (p *peer) proxy(from string) http.Handler {
	u, _ := url.Parse(p.base)
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			r.Out.Host = r.In.Host
			r.Out.Header.Set(azure.ForwardedHeader, from)
		},
		Transport: p.tr,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{
				"code": "ServiceUnavailable", "message": "The active gateway instance did not answer: " + err.Error()}})
		},
	}
}
