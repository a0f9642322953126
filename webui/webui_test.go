package webui

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/vpnlab/vpnlab/bgp"
	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/swan"
)

func gw(name string, tunnel, bgpUp bool) lab.GatewayStatus {
	g := lab.GatewayStatus{Node: name}
	if tunnel {
		g.SAs = []swan.IKESA{{State: "ESTABLISHED", Children: []swan.ChildSA{{State: "INSTALLED"}}}}
	}
	p := bgp.PeerStatus{State: "ACTIVE"}
	if bgpUp {
		p = bgp.PeerStatus{State: "ESTABLISHED", Received: 2}
	}
	g.Peers = []bgp.PeerStatus{p}
	return g
}

// connecting is a gateway whose IKE SA is still being negotiated (a
// refused key: it retries and never establishes).
func connecting(name string) lab.GatewayStatus {
	g := gw(name, false, false)
	g.SAs = []swan.IKESA{{State: "CONNECTING"}}
	return g
}

func TestDraw(t *testing.T) {
	healthy := lab.Status{Onprem: gw(lab.OnpremGW, true, true), Azure: gw(lab.AzureGW, true, true),
		API: lab.AzureView{ConnectionStatus: "Connected"}}
	tests := []struct {
		name  string
		s     lab.Status
		nodes map[string]string
		links map[string]string
	}{
		{"healthy", healthy,
			map[string]string{lab.OnpremGW: Up, lab.AzureGW: Up, lab.AzureGW1: Standby, "portal": Up, lab.P2SClient: Absent},
			map[string]string{"tunnel": Up, "child": Up, "bgp": Up, "p2s": Absent}},
		{"tunnel down", lab.Status{Onprem: gw(lab.OnpremGW, false, false), Azure: gw(lab.AzureGW, false, false),
			API: lab.AzureView{ConnectionStatus: "NotConnected"}, P2S: &lab.GatewayStatus{Node: lab.P2SClient}},
			map[string]string{lab.OnpremGW: Down, lab.AzureGW: Down, "portal": Down, lab.P2SClient: Down},
			map[string]string{"tunnel": Down, "child": Down, "bgp": Down, "p2s": Down}},
		{"bgp down", lab.Status{Onprem: gw(lab.OnpremGW, true, false), Azure: gw(lab.AzureGW, true, false),
			API: lab.AzureView{ConnectionStatus: "Connected"}},
			map[string]string{lab.OnpremGW: Degraded, lab.AzureGW: Degraded},
			map[string]string{"tunnel": Up, "bgp": Down}},
		{"IKE retried, never established", lab.Status{Onprem: connecting(lab.OnpremGW), Azure: gw(lab.AzureGW, false, false),
			API: lab.AzureView{ConnectionStatus: "Connecting"}},
			map[string]string{lab.OnpremGW: Down, lab.AzureGW: Down},
			map[string]string{"tunnel": Down, "bgp": Down}},
		{"failed over", lab.Status{Onprem: gw(lab.OnpremGW, true, true), Azure: gw(lab.AzureGW1, true, true),
			API: lab.AzureView{ConnectionStatus: "Connected"}},
			map[string]string{lab.AzureGW1: Up, lab.AzureGW: Standby},
			map[string]string{"tunnel": Up}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Draw(tc.s, nil)
			for k, v := range tc.nodes {
				if d.Nodes[k] != v {
					t.Errorf("node %s = %q, want %q", k, d.Nodes[k], v)
				}
			}
			for k, v := range tc.links {
				if d.Links[k] != v {
					t.Errorf("link %s = %q, want %q", k, d.Links[k], v)
				}
			}
		})
	}
	aa := healthy
	in1 := gw(lab.AzureGW1, false, false)
	aa.AzureIN1 = &in1
	if d := Draw(aa, nil); d.Nodes[lab.AzureGW1] != Down || d.Links["tunnel-in1"] != Down || d.Nodes[lab.AzureGW] != Up {
		t.Errorf("active-active with IN_1 down: %+v", d)
	}
}

// Every element the script looks up by id exists in the page or is made
// by the script: a missing one would be a console error in the browser.
func TestAssetsConsistent(t *testing.T) {
	page, err := fs.ReadFile(assets, "assets/index.html")
	if err != nil {
		t.Fatal(err)
	}
	js, err := fs.ReadFile(assets, "assets/app.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"app.js", "style.css"} {
		if !strings.Contains(string(page), `"`+f+`"`) {
			t.Errorf("index.html does not load %s", f)
		}
	}
	if regexp.MustCompile(`(?i)(src|href)="https?:`).Match(page) || strings.Contains(string(js), "http://") && !strings.Contains(string(js), "http://www.w3.org/2000/svg") {
		t.Error("the page loads something from outside")
	}
	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(`id="([\w-]+)"`).FindAllStringSubmatch(string(page), -1) {
		ids[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`\$\("([\w-]+)"\)`).FindAllStringSubmatch(string(js), -1) {
		id := m[1]
		made := strings.Contains(string(js), `id="`+id+`"`)
		if i := strings.Index(id, "-"); i > 0 {
			made = made || strings.Contains(string(js), `setAttribute("id", "`+id[:i+1]+`" +`)
		}
		if !ids[id] && !made {
			t.Errorf("app.js uses #%s, which the page does not have", id)
		}
	}
	for _, tab := range regexp.MustCompile(`data-tab="([\w-]+)"`).FindAllStringSubmatch(string(page), -1) {
		if !ids["tab-"+tab[1]] {
			t.Errorf("nav names tab %s, which has no section", tab[1])
		}
	}
}

func TestLocalOnly(t *testing.T) {
	h := localOnly(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for host, want := range map[string]int{"127.0.0.1:8080": 200, "localhost:1": 200, "evil.example:8080": 403, "10.1.1.1": 403} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("Host %s: %d, want %d", host, w.Code, want)
		}
	}
}

func TestHandlerRoutes(t *testing.T) {
	h := (&Server{}).Handler() // panics on conflicting patterns
	r := httptest.NewRequest("GET", "/", nil)
	r.Host = "127.0.0.1:1"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "app.js") {
		t.Errorf("GET /: %d %.80s", w.Code, w.Body.String())
	}
}
