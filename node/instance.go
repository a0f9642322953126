package node

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/swan"
)

// instance is one fake gateway instance's part in an active-standby pair:
// it holds the gateway's addresses while active, hands over to its peer
// when it stops or is reset, and keeps the peer configured alike.
type instance struct {
	name string // IN_0 or IN_1
	g    *gateway
	t    *tracker
	cp   *azure.Gateway
	vips []string // the public IP and the VNet next hop
	peer *peer    // nil for a lone instance
	log  *slog.Logger

	mu sync.Mutex // serialises stop, activate and reset
}

// rebootTime is how long a reset instance takes to come back as standby.
const rebootTime = 2 * time.Second

func (in *instance) worker() string { return "GatewayTenantWorker_" + in.name }

// stop takes the instance out of service: the addresses go first, as when
// its host goes away, then its tunnel is torn down.
func (in *instance) stop(ctx context.Context, reason string) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.stopLocked(ctx, "Gateway instance "+in.name+" stopped: "+reason, false)
}

func (in *instance) stopLocked(ctx context.Context, reason string, reboot bool) error {
	in.cp.SetActive(false)
	in.t.setStopReason(reason)
	err := releaseVIPs(ctx, in.vips)
	if !reboot {
		return errors.Join(err, in.g.terminate(ctx))
	}
	// A reboot ends every SA, point-to-site ones too, and the BGP session.
	s, verr := localVici(ctx)
	if verr != nil {
		return errors.Join(err, verr)
	}
	defer s.Close()
	sas, lerr := swan.ListSAs(ctx, s)
	err = errors.Join(err, lerr)
	for _, sa := range sas {
		err = errors.Join(err, swan.TerminateIKEByID(ctx, s, sa.UniqueID))
	}
	if in.g.speaker != nil {
		err = errors.Join(err, in.g.speaker.Reset(ctx, "gateway reset"))
	}
	return err
}

// activate makes the instance primary: it takes the addresses, routes its
// public side and initiates the connection, as Azure's new primary does.
func (in *instance) activate(ctx context.Context, reason string) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.activateLocked(ctx, reason)
}

func (in *instance) activateLocked(ctx context.Context, reason string) error {
	in.t.setStopReason("")
	if err := takeVIPs(ctx, in.vips); err != nil {
		return err
	}
	in.cp.SetActive(true)
	if err := in.g.routeWAN(ctx); err != nil {
		return err
	}
	in.cp.GatewayEvent(azure.OperationGatewayTenantPrimaryChanged,
		fmt.Sprintf("%s is now the primary instance: %s", in.worker(), reason))
	return in.g.initiate(ctx)
}

// reset reboots the instance as Reset-AzVirtualNetworkGateway does: an
// active instance hands its addresses to the standby, which becomes
// primary, and comes back as the standby; a lone or standby instance
// reboots in place.
func (in *instance) reset(ctx context.Context) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	wasActive := in.cp.Active()
	in.cp.GatewayEvent(azure.OperationResetGateway, fmt.Sprintf("Gateway reset: rebooting %s", in.worker()))
	if err := in.stopLocked(ctx, "Gateway instance "+in.name+" rebooting: gateway reset", true); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	if !wasActive {
		return sleepCtx(ctx, rebootTime)
	}
	if in.peer != nil {
		err := in.peer.instance(ctx, InstanceAction{Action: "activate", Reason: "failover from " + in.worker() + " (gateway reset)"})
		if err == nil {
			in.log.Info("reset: failed over", "source", "node", "to", in.peer.base)
			if err := sleepCtx(ctx, rebootTime); err != nil {
				return err
			}
			in.cp.GatewayEvent(azure.OperationGatewayTenantPrimaryChanged,
				fmt.Sprintf("%s is back after the reset, as the standby instance", in.worker()))
			return nil
		}
		in.log.Warn("reset: the standby did not take over; rebooting in place", "source", "node", "err", err)
	}
	if err := sleepCtx(ctx, rebootTime); err != nil {
		return err
	}
	return in.activateLocked(ctx, "back after the gateway reset")
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// InstanceAction is the body of POST /vpnlab/instance.
type InstanceAction struct {
	Action string `json:"action"`
	Reason string `json:"reason,omitempty"`
}

// InstanceState is the answer of GET /vpnlab/instance.
type InstanceState struct {
	Instance string `json:"instance"`
	Active   bool   `json:"active"`
}

// ServeHTTP is the lab's lever on one gateway instance, the platform side
// Azure does not expose:
//
//	GET  /vpnlab/instance                     {"instance":"IN_0","active":true}
//	POST /vpnlab/instance {"action": ...}
//	     maintenance  log the start of host maintenance (GatewayDiagnosticLog)
//	     stop         the instance goes away: its addresses, then its tunnel
//	     activate     the instance becomes primary: it takes the addresses
//	                  and initiates the connection, as Azure does
//	POST /vpnlab/model {"model":..., "shared_key":...}
//	     the active instance keeps its peer configured alike
func (in *instance) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/vpnlab/instance" && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(InstanceState{Instance: in.name, Active: in.cp.Active()})
	case r.URL.Path == "/vpnlab/instance" && r.Method == http.MethodPost:
		in.serveAction(w, r)
	case r.URL.Path == "/vpnlab/model" && r.Method == http.MethodPost:
		var m replicatedModel
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&m); err != nil {
			http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
			return
		}
		m.Model.Connection.SharedKey = m.SharedKey
		if err := in.cp.Replicate(context.WithValue(r.Context(), replicatedKey{}, true), m.Model); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "not found", http.StatusNotFound)
	}
}

func (in *instance) serveAction(w http.ResponseWriter, r *http.Request) {
	var a InstanceAction
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&a); err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	var err error
	switch a.Action {
	case "maintenance":
		in.cp.GatewayEvent(azure.OperationHostMaintenanceEvent, fmt.Sprintf("Host maintenance started on %s: %s", in.worker(), a.Reason))
	case "stop":
		err = in.stop(ctx, a.Reason)
	case "activate":
		err = in.activate(ctx, a.Reason)
	default:
		http.Error(w, fmt.Sprintf("unknown action %q (maintenance, stop, activate)", a.Action), http.StatusBadRequest)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	in.log.Info("instance "+a.Action, "source", "node", "reason", a.Reason)
	w.WriteHeader(http.StatusNoContent)
}

// replicatedModel is the body of POST /vpnlab/model: the model, with the
// key apart since a Model never marshals it.
type replicatedModel struct {
	Model     azure.Model `json:"model"`
	SharedKey string      `json:"shared_key"`
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

func newPeer(addr string, api *APICert) *peer {
	scheme, tr := "http", http.DefaultTransport
	if api != nil {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM([]byte(api.CAPEM))
		scheme = "https"
		// The API's certificate names localhost: the peer checks it against that.
		tr = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS12},
			DialContext: (&net.Dialer{Timeout: 3 * time.Second}).DialContext}
	}
	return &peer{base: scheme + "://" + net.JoinHostPort(addr, strconv.Itoa(APIPort)), tr: tr,
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

func (p *peer) instance(ctx context.Context, a InstanceAction) error {
	return p.post(ctx, "/vpnlab/instance", a)
}

func (p *peer) replicate(ctx context.Context, m azure.Model) error {
	return p.post(ctx, "/vpnlab/model", replicatedModel{Model: m, SharedKey: m.Connection.SharedKey})
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
