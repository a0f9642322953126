package azure_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

const subscription = "/subscriptions/00000000-0000-0000-0000-000000000000"

var (
	asyncURL    = regexp.MustCompile(`^(https?)://127\.0\.0\.1:\d+` + subscription + `/providers/Microsoft\.Network/locations/japaneast/operations/([0-9a-f-]{36})\?api-version=2023-09-01$`)
	locationURL = regexp.MustCompile(`^(https?)://127\.0\.0\.1:\d+` + subscription + `/providers/Microsoft\.Network/locations/japaneast/operationResults/([0-9a-f-]{36})\?api-version=2023-09-01$`)
)

// checkAccepted checks ARM's 202 answer to a long-running action and
// returns the operation ID.
func checkAccepted(t *testing.T, r response, scheme string) string {
	t.Helper()
	if r.status != http.StatusAccepted {
		t.Fatalf("status %d, want 202; body %s", r.status, r.body)
	}
	a := asyncURL.FindStringSubmatch(r.header.Get("Azure-AsyncOperation"))
	l := locationURL.FindStringSubmatch(r.header.Get("Location"))
	if a == nil || l == nil {
		t.Fatalf("Azure-AsyncOperation %q, Location %q: not ARM operation URLs",
			r.header.Get("Azure-AsyncOperation"), r.header.Get("Location"))
	}
	if a[1] != scheme || l[1] != scheme {
		t.Errorf("schemes %s, %s, want %s", a[1], l[1], scheme)
	}
	if a[2] != l[2] {
		t.Errorf("operation IDs differ: %s, %s", a[2], l[2])
	}
	wantValue(t, "Retry-After", r.header.Get("Retry-After"), "1")
	if r.body != "" {
		t.Errorf("202 body %q, want empty", r.body)
	}
	return a[2]
}

func TestLongRunningActions(t *testing.T) {
	g, _ := newGateway(t)
	g.SetBgpPeer(azure.BgpPeerStatus{LocalAddress: "169.254.21.1", Neighbor: "169.254.21.2", Asn: 65020, State: "Connected"})
	g.SetRoutes([]azure.GatewayRoute{{Network: "198.18.10.0/24", SourcePeer: "169.254.21.2"}},
		[]azure.GatewayRoute{{Network: "198.19.0.0/16"}})
	s := serve(t, g)
	for _, tt := range []struct{ action, field, want string }{
		{"getBgpPeerStatus", "neighbor", "169.254.21.2"},
		{"getLearnedRoutes", "network", "198.18.10.0/24"},
		{"getAdvertisedRoutes?peer=169.254.21.2&", "network", "198.19.0.0/16"},
	} {
		path := base + "virtualNetworkGateways/vpnlab-vng/" + tt.action
		if strings.HasSuffix(path, "&") {
			path += "api-version=2023-09-01"
		} else {
			path += version
		}
		r := s.do(http.MethodPost, path, nil)
		checkAccepted(t, r, "http")
		// These finish at once: the first poll already says so.
		st := s.get(r.header.Get("Azure-AsyncOperation"))
		v := st.obj(t)
		wantValue(t, tt.action+" status", v["status"], "Succeeded")
		for _, k := range []string{"name", "startTime", "endTime"} {
			if s, _ := v[k].(string); s == "" {
				t.Errorf("%s: operation status lacks %s: %s", tt.action, k, st.body)
			}
		}
		final := s.get(r.header.Get("Location"))
		if final.status != http.StatusOK {
			t.Fatalf("%s: Location status %d; body %s", tt.action, final.status, final.body)
		}
		wantKeys(t, tt.action+" result", final.obj(t), "value")
		wantValue(t, tt.action+" "+tt.field, get(t, final.obj(t), "value", 0, tt.field), tt.want)
	}
}

func TestOperationURLsFollowTLS(t *testing.T) {
	g, _ := newGateway(t)
	srv := httptest.NewTLSServer(g.Handler())
	defer srv.Close()
	r := send(t, srv, http.MethodPost, srv.URL+base+"virtualNetworkGateways/vpnlab-vng/getLearnedRoutes"+version, nil)
	checkAccepted(t, r, "https")
	final := follow(t, srv, r)
	if final.status != http.StatusOK {
		t.Errorf("final status %d", final.status)
	}
}

func TestOperationsAreBounded(t *testing.T) {
	g, _ := newGateway(t)
	s := serve(t, g)
	path := base + "virtualNetworkGateways/vpnlab-vng/getLearnedRoutes" + version
	first := s.do(http.MethodPost, path, nil)
	checkAccepted(t, first, "http")
	if r := s.get(first.header.Get("Location")); r.status != http.StatusOK {
		t.Fatalf("first operation: status %d", r.status)
	}
	var last response
	for range 1000 {
		last = s.do(http.MethodPost, path, nil)
	}
	if r := s.get(first.header.Get("Location")); r.status != http.StatusNotFound {
		t.Errorf("1001st operation did not evict the first: status %d", r.status)
	}
	if r := s.get(last.header.Get("Location")); r.status != http.StatusOK {
		t.Errorf("latest operation: status %d", r.status)
	}
}

func TestReset(t *testing.T) {
	rec := &recorder{gate: make(chan struct{})}
	g, _ := newGateway(t, azure.WithReconfigurer(rec))
	s := serve(t, g)
	r := s.do(http.MethodPost, base+"virtualNetworkGateways/vpnlab-vng/reset"+version+"&gatewayVip=203.0.113.10", nil)
	checkAccepted(t, r, "http")

	// Running: the Location URL answers 202, the status InProgress.
	loc := s.get(r.header.Get("Location"))
	if loc.status != http.StatusAccepted || loc.header.Get("Location") != r.header.Get("Location") ||
		loc.header.Get("Retry-After") != "1" {
		t.Errorf("Location while running: %d, Location %q, Retry-After %q",
			loc.status, loc.header.Get("Location"), loc.header.Get("Retry-After"))
	}
	if st := s.status(r); st != "InProgress" {
		t.Errorf("status while running %q, want InProgress", st)
	}
	// A change or a second reset meanwhile is refused, as ARM does.
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{http.MethodPut, base + "connections/onprem-conn/sharedkey" + version, map[string]string{"value": "OtherKey1"}},
		{http.MethodPost, base + "virtualNetworkGateways/vpnlab-vng/reset" + version, nil},
	} {
		b := s.do(c.method, c.path, c.body)
		if b.status != http.StatusConflict || errorCode(t, b) != "AnotherOperationInProgress" {
			t.Errorf("%s %s during a reset: %d %s", c.method, c.path, b.status, b.body)
		}
	}
	if n := rec.resetCount(); n != 0 {
		t.Fatalf("Reset returned %d times before the gate opened", n)
	}

	close(rec.gate)
	status, _ := s.await(r)
	wantValue(t, "final status", status, "Succeeded")
	final := s.get(r.header.Get("Location"))
	if final.status != http.StatusOK {
		t.Fatalf("Location after reset: %d %s", final.status, final.body)
	}
	wantValue(t, "result type", final.obj(t)["type"], "Microsoft.Network/virtualNetworkGateways")
	wantValue(t, "resets", rec.resetCount(), 1)
	logs := g.Logs(azure.CategoryGateway, time.Time{})
	if len(logs) != 1 || logs[0].OperationName != azure.OperationResetGateway || logs[0].OperationStatus != "Success" {
		t.Errorf("gateway log %+v, want one successful ResetGateway", logs)
	}
	// Changes work again.
	if b := s.do(http.MethodPut, base+"connections/onprem-conn/sharedkey"+version, map[string]string{"value": "OtherKey1"}); b.status != http.StatusOK {
		t.Errorf("change after reset: %d %s", b.status, b.body)
	}
}

func TestResetFails(t *testing.T) {
	rec := &recorder{resetErr: errors.New("instance " + sharedKey + " did not come back")}
	g, _ := newGateway(t, azure.WithReconfigurer(rec))
	s := serve(t, g)
	r := s.do(http.MethodPost, base+"virtualNetworkGateways/vpnlab-vng/reset"+version, nil)
	checkAccepted(t, r, "http")
	status, st := s.await(r)
	wantValue(t, "status", status, "Failed")
	wantValue(t, "error.code", get(t, st.obj(t), "error", "code"), "InternalServerError")
	final := s.get(r.header.Get("Location"))
	if final.status != http.StatusInternalServerError || errorCode(t, final) != "InternalServerError" {
		t.Errorf("Location after a failed reset: %d %s", final.status, final.body)
	}
	for _, b := range []string{st.body, final.body} {
		if strings.Contains(b, sharedKey) {
			t.Errorf("failure discloses the key: %s", b)
		}
	}
	logs := g.Logs(azure.CategoryGateway, time.Time{})
	if len(logs) != 1 || logs[0].OperationStatus != "Failure" || logs[0].Level != azure.LevelError {
		t.Errorf("gateway log %+v, want one failed ResetGateway", logs)
	}
}

func TestResetRejectsForeignVip(t *testing.T) {
	rec := &recorder{}
	g, _ := newGateway(t, azure.WithReconfigurer(rec))
	r := serve(t, g).do(http.MethodPost, base+"virtualNetworkGateways/vpnlab-vng/reset"+version+"&gatewayVip=192.0.2.1", nil)
	if r.status != http.StatusBadRequest || errorCode(t, r) != "InvalidParameter" {
		t.Errorf("status %d body %s", r.status, r.body)
	}
	time.Sleep(20 * time.Millisecond)
	if n := rec.resetCount(); n != 0 {
		t.Errorf("Reset called %d times", n)
	}
}

func TestAuthorization(t *testing.T) {
	g, _ := newGateway(t)
	srv := httptest.NewServer(g.Handler())
	defer srv.Close()
	tests := []struct {
		name, path, auth string
		status           int
	}{
		{"no header", base + "connections/onprem-conn" + version, "", 401},
		{"basic", base + "connections/onprem-conn" + version, "Basic dXNlcjpwYXNz", 401},
		{"empty bearer", base + "connections/onprem-conn" + version, "Bearer ", 401},
		{"bearer only", base + "connections/onprem-conn" + version, "Bearer", 401},
		{"no header, operation", subscription + "/providers/Microsoft.Network/locations/japaneast/operations/x" + version, "", 401},
		{"no header, no api-version", base + "connections/onprem-conn", "", 401},
		{"any token", base + "connections/onprem-conn" + version, "Bearer x", 200},
		{"lower-case scheme", base + "connections/onprem-conn" + version, "bearer eyJ0eXAi.abc.def", 200},
		{"healthz is open", "/healthz", "", 200},
		{"diagnostics are open", "/vpnlab/diagnostics", "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tt.status, b)
			}
			if tt.status != 401 {
				return
			}
			r := response{resp.StatusCode, resp.Header, string(b)}
			wantValue(t, "error.code", errorCode(t, r), "AuthenticationFailed")
			if h := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer ") {
				t.Errorf("WWW-Authenticate %q", h)
			}
		})
	}
}
