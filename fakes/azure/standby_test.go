package azure_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

// forwardTo passes requests on to target's server, marked as forwarded, as
// the node's reverse proxy does.
func forwardTo(t *testing.T, target *httptest.Server) http.Handler {
	t.Helper()
	u, err := url.Parse(target.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := httputil.NewSingleHostReverseProxy(u)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set(azure.ForwardedHeader, "IN_1")
		p.ServeHTTP(w, r)
	})
}

func TestStandbyForwardsARMToTheActiveInstance(t *testing.T) {
	active := azure.New(azure.DefaultModel(), azure.WithInstance("IN_1"))
	active.TunnelConnected("198.51.100.10")
	act := serve(t, active)
	standby := azure.New(azure.DefaultModel(), azure.WithInstance("IN_0"), azure.WithForward(forwardTo(t, act.srv)))
	standby.SetActive(false)
	sb := serve(t, standby)

	r := sb.do(http.MethodGet, base+"connections/onprem-conn"+version, nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET through the standby: %d %s", r.status, r.body)
	}
	if got := get(t, r.obj(t), "properties", "connectionStatus"); got != azure.StatusConnected {
		t.Errorf("connectionStatus through the standby = %v, want the active instance's Connected", got)
	}
	// The lab's own routes stay the instance's: its diagnostics are its own.
	if r := sb.do(http.MethodGet, "/vpnlab/diagnostics", nil); r.status != http.StatusOK || strings.Contains(r.body, "TunnelConnected") {
		t.Errorf("GET /vpnlab/diagnostics on the standby: %d %s, want its own (empty) log", r.status, r.body)
	}
	// Active again: it answers for itself (Unknown: it saw no tunnel).
	standby.SetActive(true)
	r = sb.do(http.MethodGet, base+"connections/onprem-conn"+version, nil)
	if got := get(t, r.obj(t), "properties", "connectionStatus"); got != azure.StatusUnknown {
		t.Errorf("connectionStatus on the active IN_0 = %v, want its own Unknown", got)
	}
}

func TestStandbyAnswersForItsOwnOperations(t *testing.T) {
	other := azure.New(azure.DefaultModel(), azure.WithInstance("IN_1"))
	rec := &recorder{gate: make(chan struct{})}
	g := azure.New(azure.DefaultModel(), azure.WithReconfigurer(rec), azure.WithForward(forwardTo(t, serve(t, other).srv)))
	s := serve(t, g)
	r := s.do(http.MethodPost, base+"virtualNetworkGateways/vpnlab-vng/reset"+version, nil)
	if r.status != http.StatusAccepted {
		t.Fatalf("POST reset: %d %s", r.status, r.body)
	}
	g.SetActive(false) // the reset failed this instance over
	if st := s.status(r); st != "InProgress" {
		t.Errorf("operation status on the instance that started it = %q, want InProgress", st)
	}
	close(rec.gate)
	if st, body := s.await(r); st != "Succeeded" {
		t.Errorf("reset = %q (%s), want Succeeded", st, body.body)
	}
	// An operation it does not know goes to the active instance (404 there).
	u := "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Network/locations/japaneast/operations/00000000-0000-4000-8000-000000000000" + version
	if r := s.get(u); r.status != http.StatusNotFound || errorCode(t, r) != "NotFound" {
		t.Errorf("unknown operation: %d %s, want the active instance's 404", r.status, r.body)
	}
}

func TestActiveAsksTheOtherInstanceForOperationsItDoesNotKnow(t *testing.T) {
	// A reset sent through IN_0's endpoint while IN_0 was standby started on
	// IN_1, which then handed over to IN_0: the client still polls IN_0.
	rec := &recorder{gate: make(chan struct{})}
	in1 := azure.New(azure.DefaultModel(), azure.WithInstance("IN_1"), azure.WithReconfigurer(rec))
	s1 := serve(t, in1)
	in0 := azure.New(azure.DefaultModel(), azure.WithForward(forwardTo(t, s1.srv)))
	in0.SetActive(false)
	s0 := serve(t, in0)
	r := s0.do(http.MethodPost, base+"virtualNetworkGateways/vpnlab-vng/reset"+version, nil)
	if r.status != http.StatusAccepted || !strings.HasPrefix(r.header.Get("Azure-AsyncOperation"), s0.srv.URL) {
		t.Fatalf("POST reset through the standby: %d, Azure-AsyncOperation %q; want 202 on the client's endpoint %s",
			r.status, r.header.Get("Azure-AsyncOperation"), s0.srv.URL)
	}
	in1.SetActive(false)
	in0.SetActive(true)
	close(rec.gate)
	if st, body := s0.await(r); st != "Succeeded" {
		t.Errorf("reset polled on the now active IN_0 = %q (%s), want IN_1's Succeeded", st, body.body)
	}
	if rec.resetCount() != 1 {
		t.Errorf("IN_1 reset %d times, want 1", rec.resetCount())
	}
}

func TestForwardedRequestIsNeverForwardedAgain(t *testing.T) {
	var hops int
	var g *azure.Gateway
	loop := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hops++
		r.Header.Set(azure.ForwardedHeader, "IN_0")
		g.Handler().ServeHTTP(w, r) // "the active one" is a standby too
	})
	g = azure.New(azure.DefaultModel(), azure.WithForward(loop))
	g.SetActive(false)
	r := serve(t, g).do(http.MethodGet, base+"connections/onprem-conn"+version, nil)
	if r.status != http.StatusOK || hops != 1 {
		t.Errorf("status %d after %d hops, want 200 after 1", r.status, hops)
	}
}

func TestReplicateAppliesTheModelWithoutLogging(t *testing.T) {
	rec := &recorder{}
	g := azure.New(azure.DefaultModel(), azure.WithReconfigurer(rec))
	next := azure.DefaultModel()
	next.Connection.SharedKey = "ReplicatedKey123"
	next.LocalGateway.Asn = 65020
	if err := g.Replicate(context.Background(), next); err != nil {
		t.Fatal(err)
	}
	if got := g.Model().LocalGateway.Asn; got != 65020 {
		t.Errorf("ASN after Replicate = %d, want 65020", got)
	}
	if cs := rec.changes(); len(cs) != 1 || cs[0].new.Connection.SharedKey != "ReplicatedKey123" {
		t.Errorf("Apply calls %d, want 1 with the new key", len(cs))
	}
	if got := ops(g, azure.CategoryGateway); len(got) != 0 {
		t.Errorf("gateway log %v, want none: the instance that took the change logged it", got)
	}
	// The key is the replicated one, and never in the log.
	if r := serve(t, g).do(http.MethodGet, base+"connections/onprem-conn/sharedkey"+version, nil); !strings.Contains(r.body, "ReplicatedKey123") {
		t.Errorf("sharedkey after Replicate: %s", r.body)
	}
	if l := g.Logs("", time.Time{}); strings.Contains(fmt.Sprint(l), "ReplicatedKey123") {
		t.Error("the replicated key is logged")
	}
	bad := next
	bad.LocalGateway.Asn = 65515
	if err := g.Replicate(context.Background(), bad); err == nil {
		t.Error("Replicate took a reserved ASN")
	}
	if got := g.Model().LocalGateway.Asn; got != 65020 {
		t.Errorf("ASN after a refused Replicate = %d, want 65020 unchanged", got)
	}
}
