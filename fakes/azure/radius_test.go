package azure_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

const radiusSecret = "RadiusSecret0123"

// radiusGateway is a gateway whose point-to-site users authenticate
// with RADIUS server 198.19.2.10.
func radiusGateway(t *testing.T, rec *recorder) (*azure.Gateway, *server) {
	t.Helper()
	m := azure.DefaultModel()
	m.Gateway.VpnClient = &azure.VpnClientConfiguration{AddressPrefixes: []string{"198.18.200.0/24"}, Protocols: []string{"IkeV2"},
		AuthenticationTypes: []string{"Radius"}, RadiusServerAddress: "198.19.2.10", RadiusServerSecret: radiusSecret}
	g := azure.New(m, azure.WithClock(newClock().now), azure.WithReconfigurer(rec))
	return g, serve(t, g)
}

func vpnClient(p map[string]any) map[string]any {
	return props(map[string]any{"vpnClientConfiguration": p})
}

// The gateway PUT takes the RADIUS server's address and secret as Azure
// does (radiusServerAddress/radiusServerSecret or radiusServers[]), applies
// them, and never shows the secret: not in the response, the GET, the
// gateway log or the Activity Log.
func TestPutRadius(t *testing.T) {
	tests := []struct {
		name             string
		body             map[string]any
		addr, secret     string
		changed          string
		keepSecretOnEcho bool
	}{
		{"address", vpnClient(map[string]any{"radiusServerAddress": "198.19.2.11"}), "198.19.2.11", radiusSecret,
			"vpnClientConfiguration.radiusServerAddress", false},
		{"secret", vpnClient(map[string]any{"radiusServerSecret": "AnotherSecret9"}), "198.19.2.10", "AnotherSecret9",
			"vpnClientConfiguration.radiusServerSecret", false},
		{"radiusServers", vpnClient(map[string]any{"radiusServers": []any{map[string]any{
			"radiusServerAddress": "198.19.2.12", "radiusServerScore": 1, "radiusServerSecret": "ListSecret7"}}}),
			"198.19.2.12", "ListSecret7", "vpnClientConfiguration.radiusServerAddress", false},
		{"echoed redacted secret", vpnClient(map[string]any{"radiusServerAddress": "198.19.2.11", "radiusServerSecret": "<redacted>"}),
			"198.19.2.11", radiusSecret, "vpnClientConfiguration.radiusServerAddress", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			g, s := radiusGateway(t, rec)
			r := s.do(http.MethodPut, base+"virtualNetworkGateways/vpnlab-vng"+version, tt.body)
			if r.status != http.StatusOK {
				t.Fatalf("status %d; body %s", r.status, r.body)
			}
			if st, _ := s.await(r); st != "Succeeded" {
				t.Fatalf("operation %s", st)
			}
			cs := rec.changes()
			if len(cs) != 1 {
				t.Fatalf("Apply called %d times, want 1", len(cs))
			}
			vc := cs[0].new.Gateway.VpnClient
			wantValue(t, "address applied", vc.RadiusServerAddress, tt.addr)
			if vc.RadiusServerSecret != tt.secret {
				t.Errorf("secret applied is not the one put")
			}
			after := s.do(http.MethodGet, base+"virtualNetworkGateways/vpnlab-vng"+version, nil)
			wantValue(t, "GET radiusServerAddress", get(t, after.obj(t), "properties", "vpnClientConfiguration", "radiusServerAddress"), tt.addr)
			var text strings.Builder
			text.WriteString(r.body + after.body)
			for _, l := range g.Logs(azure.CategoryGateway, time.Time{}) {
				text.WriteString(l.Message)
			}
			for _, e := range g.Activity(time.Time{}) {
				text.WriteString(strings.Join(e.Changed, ","))
				if !strings.Contains(strings.Join(e.Changed, ","), tt.changed) {
					t.Errorf("Activity Log changed %v, want %s", e.Changed, tt.changed)
				}
			}
			for _, secret := range []string{radiusSecret, "AnotherSecret9", "ListSecret7"} {
				if strings.Contains(text.String(), secret) {
					t.Errorf("a RADIUS secret is shown: %s", text.String())
				}
			}
		})
	}
}

func TestPutRadiusRejects(t *testing.T) {
	tests := []struct {
		name   string
		body   map[string]any
		target string
	}{
		{"address not an IP", vpnClient(map[string]any{"radiusServerAddress": "radius.contoso"}), "properties.vpnClientConfiguration.radiusServerAddress"},
		{"two servers", vpnClient(map[string]any{"radiusServers": []any{
			map[string]any{"radiusServerAddress": "198.19.2.10", "radiusServerSecret": "a"},
			map[string]any{"radiusServerAddress": "198.19.2.11", "radiusServerSecret": "b"}}}), "properties.vpnClientConfiguration.radiusServers"},
		{"unknown auth type", vpnClient(map[string]any{"vpnAuthenticationTypes": []string{"Password"}}), "properties.vpnClientConfiguration.vpnAuthenticationTypes[0]"},
		{"RADIUS without an address", vpnClient(map[string]any{"radiusServerAddress": ""}), "properties.vpnClientConfiguration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			_, s := radiusGateway(t, rec)
			r := s.do(http.MethodPut, base+"virtualNetworkGateways/vpnlab-vng"+version, tt.body)
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %s", r.status, r.body)
			}
			wantValue(t, "error.target", get(t, r.obj(t), "error", "target"), tt.target)
			if len(rec.changes()) != 0 {
				t.Error("an invalid change was applied")
			}
		})
	}
	// Without point-to-site there is nothing to point at a RADIUS server.
	rec := &recorder{}
	g, _ := newGateway(t, azure.WithReconfigurer(rec))
	r := serve(t, g).do(http.MethodPut, base+"virtualNetworkGateways/vpnlab-vng"+version, vpnClient(map[string]any{"radiusServerAddress": "198.19.2.10"}))
	if r.status != http.StatusBadRequest {
		t.Errorf("RADIUS without P2S: status %d", r.status)
	}
}
