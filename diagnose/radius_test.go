package diagnose

import (
	"strings"
	"testing"
	"time"
)

// RADIUS evidence as the lab collects it (the lines are the ones its
// gateway, client and FreeRADIUS printed in a live run).

// radiusAuth: P2S users authenticate with EAP-MSCHAPv2 against RADIUS
// server 198.19.2.10, which knows the GatewaySubnet as its client; the
// client is connected.
func radiusAuth(ev *Evidence) {
	ev.Azure.Config.P2S = &P2SConfig{AddressPool: []string{"198.18.200.0/24"}, AuthTypes: []string{"Radius"}, RadiusServer: "198.19.2.10"}
	cl := &ev.P2S[0]
	cl.Cert, cl.Roots, cl.EAP, cl.User = nil, nil, "eap-mschapv2", "p2s-user"
	ev.Radius = &RadiusServer{Address: "198.19.2.10",
		Clients: []RadiusClient{{Name: "azure-gateway-subnet", Prefix: "198.19.255.0/27"}},
		Log: []LogLine{{Time: t0.Add(time.Second), Source: "freeradius",
			Message: "Auth: (2) Login OK: [p2s-user] (from client azure-gateway-subnet port 2 cli 198.51.100.20[4500])"}}}
}

// radiusRefused: the client is refused after its EAP identity, and the
// gateway's P2S log says its Access-Requests timed out.
func radiusRefused(ev *Evidence) {
	cl := &ev.P2S[0]
	cl.Connected, cl.VirtualIP = false, ""
	for i, m := range []string{"server requested EAP_IDENTITY (id 0x00), sending 'p2s-user'",
		"received EAP_FAILURE, EAP authentication failed", "generating INFORMATIONAL request 3 [ N(AUTH_FAILED) ]"} {
		cl.Log = append(cl.Log, LogLine{Time: t0.Add(time.Duration(10+i) * time.Second), Source: "charon", Message: m})
	}
	azLog(ev, 12, "P2SDiagnosticLog", "P2SLogEvent", "GatewayTenantWorker_IN_0",
		"Connection failed: no response from the RADIUS server: RADIUS Access-Request timed out after 2 attempts")
	ev.Radius.Log = nil
}

// radiusSecretWrong: FreeRADIUS drops the gateway's requests.
func radiusSecretWrong(ev *Evidence) {
	radiusRefused(ev)
	ev.Radius.Log = append(ev.Radius.Log, LogLine{Time: t0.Add(10 * time.Second), Source: "freeradius",
		Message: "Info: Dropping packet without response because of error: Received packet from 198.19.255.4 with invalid Message-Authenticator!  (Shared secret is incorrect.) (from client azure-gateway-subnet)"})
}

// radiusAddrWrong: the gateway sends its requests to 198.19.2.11, where
// nothing answers; the server logs nothing.
func radiusAddrWrong(ev *Evidence) {
	radiusRefused(ev)
	ev.Azure.Config.P2S.RadiusServer = "198.19.2.11"
}

func TestRadiusVerdicts(t *testing.T) {
	tests := []struct {
		name        string
		ev          Evidence
		fault, fact string
		confidence  float64
	}{
		{"secret mismatch", with(configured, radiusAuth, radiusSecretWrong), "radius-secret-mismatch", "invalid Message-Authenticator", 0.9},
		{"wrong server address", with(configured, radiusAuth, radiusAddrWrong), "radius-unreachable", "sends its Access-Requests to 198.19.2.11, but the RADIUS server is 198.19.2.10", 0.9},
		{"no answer, the server saw nothing", with(configured, radiusAuth, radiusRefused), "radius-unreachable", "logged no request from the gateway", 0.8},
		{"no answer, no view of the server", with(configured, radiusAuth, radiusRefused, func(ev *Evidence) { ev.Radius = nil }),
			"radius-unreachable", "no response from the RADIUS server", 0.75},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Diagnose(tt.ev)
			checkVerdict(t, v, tt.fault, tt.fact)
			if v.Category != Authentication {
				t.Errorf("category %s, want authentication", v.Category)
			}
			if v.Confidence != tt.confidence {
				t.Errorf("confidence %.2f, want %.2f", v.Confidence, tt.confidence)
			}
			if !strings.Contains(v.UserError, "Error 812") {
				t.Errorf("user error %q, want error 812 (seed 003)", v.UserError)
			}
			for _, s := range v.Fix {
				if !strings.Contains(s.Source, "seed 003") && !strings.Contains(s.Source, "point-to-site-how-to-radius") {
					t.Errorf("fix step %q cites %q", s.Text, s.Source)
				}
			}
		})
	}
}

// A connected RADIUS client is healthy; a server that answered the
// gateway (it logged the request) is not unreachable.
func TestRadiusNotFaults(t *testing.T) {
	if v := Diagnose(with(configured, radiusAuth)); v.Category != Healthy {
		t.Errorf("connected RADIUS client: %s/%s\n%s", v.Category, v.Fault, v)
	}
	ev := with(configured, radiusAuth, radiusRefused)
	ev.Radius.Log = append(ev.Radius.Log, LogLine{Time: t0.Add(11 * time.Second), Source: "freeradius",
		Message: "Auth: (9) Login incorrect (mschap: MS-CHAP2-Response is incorrect): [p2s-user/<via Auth-Type = eap>] (from client azure-gateway-subnet port 0 cli 198.51.100.20)"})
	if v := Diagnose(ev); v.Fault == "radius-unreachable" || v.Fault == "radius-secret-mismatch" {
		t.Errorf("the server heard the gateway: %s", v.Fault)
	}
	// Certificate authentication: the RADIUS rules stay silent.
	if v := Diagnose(with(configured, noClientCert)); v.Fault != "client-certificate-missing" {
		t.Errorf("certificate P2S: %s", v.Fault)
	}
}

// The fix starts with what is wrong: the address when the gateway names
// another one, else the path to the server.
func TestRadiusUnreachableFix(t *testing.T) {
	v := Diagnose(with(configured, radiusAuth, radiusAddrWrong))
	if len(v.Fix) == 0 || !strings.Contains(v.Fix[0].Text, "RADIUS server address to the RADIUS server's") {
		t.Errorf("wrong address: first step %+v", v.Fix)
	}
	v = Diagnose(with(configured, radiusAuth, radiusRefused))
	if len(v.Fix) == 0 || !strings.Contains(v.Fix[0].Text, "reachable from the GatewaySubnet") {
		t.Errorf("blocked path: first step %+v", v.Fix)
	}
}
