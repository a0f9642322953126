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
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/swan"
)

// instance is one fake gateway instance's part in the pair. In
// active-standby the primary instance holds the gateway's public IP and
// its GatewaySubnet address (the VNet's next hop) and the other waits; in
// active-active each instance holds its own public IP and serves its own
// tunnel, and the primary one also holds the VNet's next hop. An instance
// hands over to its peer when it stops or is reset and keeps the peer
// configured alike.
type instance struct {
	name    string // IN_0 or IN_1
	g       *gateway
	t       *tracker
	cp      *azure.Gateway
	own     []string // addresses held while the instance serves (active-active: its public IP)
	primary []string // addresses held while it is the primary
	aa      bool     // active-active
	peer    *peer    // nil for a lone instance
	log     *slog.Logger

	mu        sync.Mutex // serialises stop, activate and reset
	isPrimary bool
}

// rebootTime is how long a reset instance takes to come back.
const rebootTime = 2 * time.Second

func (in *instance) worker() string { return "GatewayTenantWorker_" + in.name }

// start brings the instance into service as the spec says.
func (in *instance) start(ctx context.Context, active, primary bool) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.cp.SetActive(active)
	if !active {
		return nil
	}
	in.isPrimary = primary
	if primary {
		return takeVIPs(ctx, append(slices.Clone(in.own), in.primary...))
	}
	return takeVIPs(ctx, in.own)
}

// stop takes the instance out of service: the addresses go first, as when
// its host goes away, then its tunnel is torn down.
func (in *instance) stop(ctx context.Context, reason string) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.stopLocked(ctx, "Gateway instance "+in.name+" stopped: "+reason, false)
}

func (in *instance) stopLocked(ctx context.Context, reason string, reboot bool) error {
	in.cp.SetActive(false)
	in.isPrimary = false
	in.t.setStopReason(reason)
	held := append(slices.Clone(in.own), in.primary...)
	if !reboot {
		return errors.Join(releaseVIPs(ctx, held), in.g.terminate(ctx))
	}
	// A reboot is orderly: IKE stops answering, every SA is deleted (the
	// peer hears of it and moves its traffic), point-to-site ones too, then
	// the BGP session and the addresses go.
	if err := fenceIKE(ctx, true); err != nil {
		return errors.Join(err, releaseVIPs(ctx, held))
	}
	s, err := localVici(ctx)
	if err != nil {
		return errors.Join(err, releaseVIPs(ctx, held))
	}
	defer s.Close()
	sas, err := swan.ListSAs(ctx, s)
	for _, sa := range sas {
		err = errors.Join(err, swan.TerminateIKEByID(ctx, s, sa.UniqueID))
	}
	if in.g.speaker != nil {
		err = errors.Join(err, in.g.speaker.Reset(ctx, "gateway reset"))
	}
	return errors.Join(err, releaseVIPs(ctx, held))
}

// activate makes the instance primary: it takes the addresses, routes its
// public side and initiates the connection unless its tunnel is up (an
// active-active instance taking over the VNet's next hop), as Azure's new
// primary does.
func (in *instance) activate(ctx context.Context, reason string) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.activateLocked(ctx, reason)
}

func (in *instance) activateLocked(ctx context.Context, reason string) error {
	in.t.setStopReason("")
	if err := takeVIPs(ctx, append(slices.Clone(in.own), in.primary...)); err != nil {
		return err
	}
	in.cp.SetActive(true)
	in.isPrimary = true
	if err := in.g.routeWAN(ctx); err != nil {
		return err
	}
	in.cp.GatewayEvent(azure.OperationGatewayTenantPrimaryChanged,
		fmt.Sprintf("%s is now the primary instance: %s", in.worker(), reason))
	return in.g.ensureUp(ctx)
}

// reset reboots the instance as Reset-AzVirtualNetworkGateway does. The
// primary hands its addresses to the peer, which becomes primary. After
// the reboot an active-standby instance is the standby; an active-active
// one takes its own public IP again and reconnects its tunnel.
func (in *instance) reset(ctx context.Context) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	wasPrimary := in.isPrimary
	fenced := true // by stopLocked; lifted after the reboot, or on the way out
	defer func() {
		if fenced {
			_ = fenceIKE(context.WithoutCancel(ctx), false)
		}
	}()
	in.cp.GatewayEvent(azure.OperationResetGateway, fmt.Sprintf("Gateway reset: rebooting %s", in.worker()))
	handedOver := false
	handOver := func() {
		if !wasPrimary || in.peer == nil {
			return
		}
		err := in.peer.instance(ctx, InstanceAction{Action: "activate", Reason: "failover from " + in.worker() + " (gateway reset)"})
		if err != nil {
			in.log.Warn("reset: the other instance did not take over; rebooting in place", "source", "node", "err", err)
			return
		}
		in.log.Info("reset: failed over", "source", "node", "to", in.peer.base)
		handedOver = true
	}
	// Active-active: the other instance serves already and takes the VNet's
	// next hop before this one goes; active-standby: the public IP moves,
	// so this instance lets go of it first.
	if in.aa {
		handOver()
	}
	if err := in.stopLocked(ctx, "Gateway instance "+in.name+" rebooting: gateway reset", true); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	if !in.aa {
		handOver()
	}
	err := sleepCtx(ctx, rebootTime)
	if err == nil {
		err = fenceIKE(ctx, false)
		fenced = false
	}
	if err != nil {
		return err
	}
	switch {
	case wasPrimary && !handedOver:
		return in.activateLocked(ctx, "back after the gateway reset")
	case in.aa:
		in.t.setStopReason("")
		if err := takeVIPs(ctx, in.own); err != nil {
			return err
		}
		in.cp.SetActive(true)
		in.cp.GatewayEvent(azure.OperationSetGatewayConfiguration, fmt.Sprintf("%s is back after the gateway reset", in.worker()))
		return in.g.ensureUp(ctx)
	case wasPrimary:
		in.cp.GatewayEvent(azure.OperationGatewayTenantPrimaryChanged,
			fmt.Sprintf("%s is back after the reset, as the standby instance", in.worker()))
	}
	return nil
}

// fenceIKE stops (or resumes) answering IKE and ESP-in-UDP, as an instance
// that is rebooting does not answer: a peer that reconnects at once must
// not reach it before its addresses are gone.
func fenceIKE(ctx context.Context, on bool) error {
	op := "-D"
	if on {
		op = "-I"
	}
	return run(ctx, "iptables", op, "INPUT", "-p", "udp", "-m", "multiport", "--dports", "500,4500", "-j", "DROP")
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
	Active   bool   `json:"active"`  // in service
	Primary  bool   `json:"primary"` // holds the VNet's next hop (active-standby: the active one)
}

// ServeHTTP is the lab's lever on one gateway instance, the platform side
// Azure does not expose:
//
//	GET  /vpnlab/instance   {"instance":"IN_0","active":true,"primary":true}
//	GET  /vpnlab/view       this instance's tunnels, BGP peers and learned routes
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
		in.mu.Lock()
		primary := in.isPrimary
		in.mu.Unlock()
		_ = json.NewEncoder(w).Encode(InstanceState{Instance: in.name, Active: in.cp.Active(), Primary: primary})
	case r.URL.Path == "/vpnlab/view" && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(in.cp.View())
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
