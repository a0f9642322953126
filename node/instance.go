package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/pause"
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

// all returns every address the instance holds as the primary.
func (in *instance) all() []string { return append(slices.Clone(in.own), in.primary...) }

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
		return takeVIPs(ctx, in.all())
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
	held := in.all()
	if !reboot {
		return errors.Join(releaseVIPs(ctx, held), in.g.terminate(ctx))
	}
	// A reboot is orderly: IKE stops answering, every SA is deleted (the
	// peer hears of it and moves its traffic), point-to-site ones too, then
	// the addresses and the BGP session go.
	if err := fenceIKE(ctx, true); err != nil {
		return errors.Join(err, releaseVIPs(ctx, held))
	}
	in.g.rebooting.Store(true)
	defer in.g.rebooting.Store(false)
	s, err := localVici(ctx)
	if err != nil {
		return errors.Join(err, releaseVIPs(ctx, held))
	}
	defer s.Close()
	sas, err := swan.ListSAs(ctx, s)
	for _, sa := range sas {
		err = errors.Join(err, swan.TerminateIKEByID(ctx, s, sa.UniqueID))
	}
	err = errors.Join(err, releaseVIPs(ctx, held))
	// The session is reset last, when its NOTIFICATION can no longer reach
	// the peer: the peer's own reset (tunnel down) brings it back sooner
	// than a received Cease would (GoBGP then idles 5 s).
	if in.g.speaker != nil {
		err = errors.Join(err, in.g.speaker.Reset(ctx, "gateway reset"))
	}
	return err
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
	if err := takeVIPs(ctx, in.all()); err != nil {
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
		err := in.peer.instance(ctx, contract.InstanceAction{Action: "activate", Reason: "failover from " + in.worker() + " (gateway reset)"})
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
	err := pause.For(ctx, rebootTime)
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
		_ = json.NewEncoder(w).Encode(contract.InstanceState{Instance: in.name, Active: in.cp.Active(), Primary: primary})
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
		if vc := m.Model.Gateway.VpnClient; vc != nil {
			vc.RadiusServerSecret = m.RadiusSecret
		}
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
	var a contract.InstanceAction
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
