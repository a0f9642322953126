package validate

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/compat"
	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/devconf"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/pause"
	"github.com/vpnlab/vpnlab/profile"
	"github.com/vpnlab/vpnlab/runner"
	"github.com/vpnlab/vpnlab/swan"
)

// LiveReport is the outcome of the live proof.
type LiveReport struct {
	Lab          string   `json:"lab"`
	Steps        []Step   `json:"steps"`
	Unexpressed  []string `json:"unexpressed"`   // what the lab's stand-in could not take from the configuration
	Seconds      float64  `json:"seconds"`       // the whole proof, lab start and removal included
	StartSeconds float64  `json:"start_seconds"` // of which starting the lab's containers
	StopSeconds  float64  `json:"stop_seconds"`  // and removing the lab
}

// Step is one live check or forced event.
type Step struct {
	Name    string  `json:"name"`
	Passed  bool    `json:"passed"`
	Seconds float64 `json:"seconds"`
	Detail  string  `json:"detail,omitempty"`
	Verdict string  `json:"verdict,omitempty"` // the engine's category/fault when it failed
}

// Passed reports whether every step passed.
func (l *LiveReport) Passed() bool {
	for _, s := range l.Steps {
		if !s.Passed {
			return false
		}
	}
	return len(l.Steps) > 0
}

// Live proves the device against the Azure side in a lab: the imported
// profile runs on the on-prem stand-in, the Azure side's connection
// settings on the fake gateway; then the healthy checks, a CHILD and an
// IKE rekey initiated by Azure, a large DF packet and a gateway reset. The
// first failure is diagnosed by the engine and ends the run. The lab is
// removed in every case.
func Live(ctx context.Context, d compat.Device, syntax string, az compat.Azure, opts ...lab.Option) (rep *LiveReport, err error) {
	start := time.Now()
	prof, notes := devconf.ToProfile(d, syntax)
	rep = &LiveReport{Unexpressed: notes}
	defer func() { rep.Seconds = time.Since(start).Seconds() }()
	if prof.BGP == nil {
		b := *profile.Default().BGP
		if carries(prof.IPsec.LocalTS, b.LocalAddress) && carries(prof.IPsec.RemoteTS, b.PeerAddress) {
			// Selectors wide enough for BGP: the stand-in runs the lab's
			// session too, so that the proof covers what BGP sees.
			prof.BGP, prof.StaticRoutes = &b, nil
			rep.Unexpressed = append(rep.Unexpressed, "the device routes statically; its selectors carry the lab's BGP session (AS 65010 to 65515 over APIPA), which the stand-in also runs; the IPsec settings are the device's")
		} else {
			rep.Unexpressed = append(rep.Unexpressed, "the device routes statically and its selectors do not carry BGP: the lab routes statically too (the local network gateway holds the device's LAN) and judges health by the tunnel and traffic")
		}
	}
	if d.DPD.Set && d.DPD.V == 0 {
		rep.Unexpressed = append(rep.Unexpressed, "dead peer detection is off on the device; the lab's stand-in needs DPD (9-3600 s) and runs 45 s")
	}
	l, err := lab.Start(ctx, append([]lab.Option{lab.WithProfile(prof), lab.WithScenario("validate")}, opts...)...)
	rep.StartSeconds = time.Since(start).Seconds()
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer cancel()
		t0 := time.Now()
		_ = l.Close(cctx)
		rep.StopSeconds = time.Since(t0).Seconds()
	}()
	if err != nil {
		return rep, fmt.Errorf("live: start the lab: %w", err)
	}
	rep.Lab = l.ID()
	since := time.Now()
	// run runs one check or event; record reports it, with the engine's
	// verdict when it failed.
	run := func(fn func(context.Context) (string, error)) Step {
		t0 := time.Now()
		// Generous: on a loaded machine a bring-up step can take a minute.
		sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		detail, err := fn(sctx)
		cancel()
		s := Step{Passed: err == nil, Seconds: time.Since(t0).Seconds(), Detail: detail}
		if err != nil {
			s.Detail = err.Error()
		}
		return s
	}
	record := func(name string, s Step) bool {
		s.Name = name
		if !s.Passed {
			dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			var t runner.Timings
			if _, v, derr := runner.Diagnose(dctx, l, since, &t); derr == nil {
				s.Verdict = v.Category + "/" + v.Fault
				if v.Fault == "" {
					s.Verdict = v.Category
				}
			}
			cancel()
		}
		rep.Steps = append(rep.Steps, s)
		return s.Passed
	}
	step := func(name string, fn func(context.Context) (string, error)) bool { return record(name, run(fn)) }
	if !step("configure the Azure side", func(ctx context.Context) (string, error) { return ApplyAzure(ctx, l, d, az) }) {
		return rep, nil
	}
	if !step("tunnel and BGP up", func(ctx context.Context) (string, error) {
		t, _, err := l.Wait(ctx)
		return fmt.Sprintf("healthy after %.1f s", t.Healthy.Seconds()), err
	}) {
		return rep, nil
	}
	ping := func(args ...string) func(context.Context) (string, error) {
		return func(ctx context.Context) (string, error) {
			cmd := append([]string{"ping", "-c", "2", "-i", "0.2", "-W", "2"}, args...)
			cmd = append(cmd, lab.AzureVMIP.String())
			r, err := l.Exec(ctx, lab.OnpremHost, cmd...)
			if err != nil {
				return "", err
			}
			if r.ExitCode != 0 {
				return "", fmt.Errorf("%s: no answer from %s", args, lab.AzureVMIP)
			}
			return "answered", nil
		}
	}
	// The two probes are independent pings: they run at once and are
	// reported in order (the large packet only when traffic flows).
	large := make(chan Step, 1)
	go func() { large <- run(ping("-M", "do", "-s", "1372")) }()
	if !record("traffic onprem-host -> azure-vm", run(ping())) {
		<-large
		return rep, nil
	}
	if !record("large packet (1400 bytes, DF)", <-large) {
		return rep, nil
	}
	rekey := func(kind string) func(context.Context) (string, error) {
		what := map[string]string{"child": "CHILD", "ike": "IKE"}[kind]
		return func(ctx context.Context) (string, error) {
			active, err := l.ActiveInstance(ctx)
			if err != nil {
				return "", err
			}
			name := l.Conn(lab.Azure).Name
			target := []string{"--" + kind, name}
			var now saList
			if kind == "child" && len(az.Model.Connection.IpsecPolicies) == 0 {
				var id string
				if id, now, err = azureChild(ctx, l, active, name); err != nil {
					return "", err
				}
				target = []string{"--child-id", id}
			} else if now, err = listed(ctx, l, active, name); err != nil {
				return "", err
			}
			spis := func(s saList) map[string]bool {
				return map[string]map[string]bool{"child": s.spiIn, "ike": s.ikeSPI}[kind]
			}
			before := spis(now)
			r, err := l.Exec(ctx, active, append(append([]string{"swanctl", "--rekey"}, target...), "--uri", vici)...)
			if err != nil {
				return "", err
			}
			if r.ExitCode != 0 {
				return "", fmt.Errorf("swanctl --rekey %s: %s", strings.Join(target, " "), r.Stdout+r.Stderr)
			}
			// A failed rekey leaves the old SA in place until its hard
			// lifetime: only a new SPI says the rekey worked.
			var after map[string]bool
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
				s, err := listSAs(ctx, l, active, name)
				if err != nil {
					return "", err
				}
				after = spis(s)
				if newSPI(before, after) {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if !newSPI(before, after) {
				return "", fmt.Errorf("Azure's %s SA rekey did not complete (no new SA within 5 s): the old SA runs on until its lifetime ends, then the tunnel drops", what)
			}
			if _, err := ping()(ctx); err != nil {
				return "", fmt.Errorf("after Azure rekeyed the %s SA: %w", what, err)
			}
			return "Azure initiated the rekey; traffic still flows", nil
		}
	}
	if !step("CHILD SA rekey initiated by Azure", rekey("child")) {
		return rep, nil
	}
	if !step("IKE SA rekey initiated by Azure", rekey("ike")) {
		return rep, nil
	}
	step("gateway reset (failover to the standby instance)", func(ctx context.Context) (string, error) {
		r, err := l.ResetGateway(ctx, "")
		if err != nil {
			return "", err
		}
		if _, err := ping()(ctx); err != nil {
			return "", fmt.Errorf("after the reset: %w", err)
		}
		return fmt.Sprintf("restored after %.1f s, longest gap %.1f s, %d echoes lost", r.Restored.Seconds(), r.Outage.Seconds(), r.Lost), nil
	})
	return rep, nil
}

// ApplyAzure puts the user's Azure connection settings on the lab's fake
// gateway, through its API where Azure allows the change.
func ApplyAzure(ctx context.Context, l *lab.Lab, d compat.Device, az compat.Azure) (string, error) {
	var done []string
	m := az.Model
	if az.Given[compat.PartConnection] {
		props := map[string]any{"dpdTimeoutSeconds": max(m.Connection.DpdTimeoutSeconds, 9),
			"usePolicyBasedTrafficSelectors": m.Connection.UsePolicyBasedTrafficSelectors, "ipsecPolicies": m.Connection.IpsecPolicies}
		if m.Connection.IpsecPolicies == nil {
			props["ipsecPolicies"] = []any{}
		}
		if err := put(ctx, l, "connections", props); err != nil {
			return "", err
		}
		done = append(done, "connection policy")
		if m.Connection.ConnectionProtocol == "IKEv1" {
			// Azure fixes the protocol at creation: the lab's gateway is told directly.
			if err := l.ChangeConn(ctx, lab.Azure, contract.ConnChange{IKEVersion: 1}); err != nil {
				return "", err
			}
			done = append(done, "IKEv1")
		}
	}
	if az.Given[compat.PartLocalGateway] && d.BGP != nil && m.LocalGateway.Asn != 0 && m.LocalGateway.Asn != d.BGP.ASN.V {
		if err := put(ctx, l, "localNetworkGateways", map[string]any{"bgpSettings": map[string]any{"asn": m.LocalGateway.Asn}}); err != nil {
			return "", err
		}
		done = append(done, fmt.Sprintf("local network gateway ASN %d", m.LocalGateway.Asn))
	}
	psk := d.PSK.V
	if key := m.Connection.SharedKey; key != "" && d.PSK.Set && !psk.Opaque() && !psk.Placeholder() && !psk.Empty() {
		if err := l.SetSharedKey(ctx, lab.Onprem, psk.Reveal()); err != nil {
			return "", err
		}
		if err := l.SetSharedKey(ctx, lab.Azure, key); err != nil {
			return "", err
		}
		done = append(done, "both pre-shared keys (not shown)")
	}
	if len(done) == 0 {
		return "Azure's defaults (no --azure connection given)", nil
	}
	return fmt.Sprint(done), nil
}

// put sends a PUT with properties to the lab's Azure API for the model's
// resource of kind.
func put(ctx context.Context, l *lab.Lab, kind string, props map[string]any) error {
	a, err := l.AzureAPI()
	if err != nil {
		return err
	}
	name := map[string]string{"connections": a.Model.Connection.Name, "localNetworkGateways": a.Model.LocalGateway.Name,
		"virtualNetworkGateways": a.Model.Gateway.Name}[kind]
	body, _ := json.Marshal(map[string]any{"location": a.Model.Location, "properties": props})
	u := a.Base + a.Model.ID(kind, name) + "?api-version=" + lab.APIVersion
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	token, err := l.Token(ctx, azure.ARMAudience, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: l.APICertPool()}}, Timeout: 20 * time.Second}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("azure api: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("azure api: PUT %s: %d %s", kind, resp.StatusCode, bytes.TrimSpace(b))
	}
	return nil
}

// azureChild has Azure open a CHILD SA with the offers it makes as
// initiator under the IKE SA that is up, and returns the SA's unique id.
//
// An SA is rekeyed with the proposals it was negotiated with, and the
// lab's gateway came up with the list Azure accepts as responder: the SA
// built in IKE_AUTH would be rekeyed with offers Azure never makes (its
// first PFS group among them). As initiator Azure offers only its six
// proposals without PFS (azure-rules R2.2), so its connection is narrowed
// to those and Azure opens a CHILD SA with them: a CREATE_CHILD_SA, the
// exchange of its rekey, in which the device takes or refuses Azure's
// offers. That SA is then rekeyed. The IKE SA, and BGP over the tunnel,
// stay up, so no re-establishment is waited for. It returns the listing
// taken once the SA was there.
func azureChild(ctx context.Context, l *lab.Lab, node, name string) (string, saList, error) {
	if err := l.LoadConn(ctx, lab.Azure, contract.ConnChange{ESP: azure.DefaultESPInitiatorOffers}); err != nil {
		return "", saList{}, err
	}
	before, err := listed(ctx, l, node, name)
	if err != nil {
		return "", saList{}, err
	}
	r, err := l.Exec(ctx, node, "swanctl", "--initiate", "--child", name, "--timeout", "10", "--uri", vici)
	if err != nil {
		return "", saList{}, err
	}
	after, err := listed(ctx, l, node, name)
	if err != nil {
		return "", saList{}, err
	}
	for id, state := range after.children {
		if _, old := before.children[id]; !old && state == "INSTALLED" {
			return id, after, nil
		}
	}
	why := ""
	if r.ExitCode != 0 {
		why = " (" + lastLine(r.Stdout+r.Stderr) + ")"
	}
	return "", saList{}, fmt.Errorf("Azure's CHILD SA rekey did not complete: the device refused a CHILD SA with Azure's offers as initiator (%s, no PFS), opened by Azure in a CREATE_CHILD_SA under the IKE SA that is up, the exchange of a rekey%s: the old SA runs on until its lifetime ends, then the tunnel drops",
		strings.Join(azure.DefaultESPInitiatorOffers, ", "), why)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

var vici = "tcp://127.0.0.1:" + strconv.Itoa(swan.ViciPort)

// saList is what a node's charon lists of one connection's SAs.
type saList struct {
	ikeSPI   map[string]bool   // the IKE SAs' initiator SPIs
	spiIn    map[string]bool   // the CHILD SAs' inbound SPIs
	children map[string]string // the CHILD SAs' unique ids and states
}

// saListOf picks connection name's SAs out of a node's list.
func saListOf(sas []swan.IKESA, name string) saList {
	s := saList{ikeSPI: map[string]bool{}, spiIn: map[string]bool{}, children: map[string]string{}}
	for _, sa := range sas {
		if sa.Conn != name {
			continue
		}
		if sa.InitiatorSPI != "" {
			s.ikeSPI[sa.InitiatorSPI] = true
		}
		for _, c := range sa.Children {
			if c.Name != name {
				continue
			}
			s.children[c.UniqueID] = c.State
			if c.SPIIn != "" {
				s.spiIn[c.SPIIn] = true
			}
		}
	}
	return s
}

// listSAs lists a node's SAs of connection name (over vici).
func listSAs(ctx context.Context, l *lab.Lab, node, name string) (saList, error) {
	sas, err := l.SAs(ctx, node)
	if err != nil {
		return saList{}, err
	}
	return saListOf(sas, name), nil
}

// listed lists a node's SAs of connection name once the listing holds its
// IKE SA and an installed CHILD SA: a listing taken while charon works on
// an SA can leave it out, and a "before" without it would make any SA
// look new afterwards.
func listed(ctx context.Context, l *lab.Lab, node, name string) (saList, error) {
	for deadline := time.Now().Add(3 * time.Second); ; {
		s, err := listSAs(ctx, l, node, name)
		if err != nil {
			return s, err
		}
		for _, st := range s.children {
			if len(s.ikeSPI) > 0 && st == "INSTALLED" {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			return s, fmt.Errorf("%s lists no established SA of %s", node, name)
		}
		if err := pause.For(ctx, 100*time.Millisecond); err != nil {
			return s, err
		}
	}
}

func newSPI(before, after map[string]bool) bool {
	for s := range after {
		if !before[s] {
			return true
		}
	}
	return false
}

// carries reports whether a traffic selector list covers the address.
func carries(selectors []string, addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	for _, ts := range selectors {
		if p, err := netip.ParsePrefix(ts); err == nil && p.Contains(a) {
			return true
		}
	}
	return false
}
