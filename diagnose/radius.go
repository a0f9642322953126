package diagnose

import (
	"fmt"
	"net/netip"
	"strings"
)

// Point-to-site with RADIUS authentication (seed 003, error 812): the
// gateway relays its clients' EAP to a RADIUS server. Two faults show the
// same way to the user and to the gateway (its Access-Requests go
// unanswered); the RADIUS server's own log and the configuration tell
// them apart.

const (
	srcP2S812  = "seed 003 (エラー 812: RADIUS サーバーの設定が正しくない、または Azure ゲートウェイが RADIUS サーバーに到達できない)"
	srcAzRadiu = "Azure doc point-to-site-how-to-radius-ps (vpnClientConfiguration: radiusServerAddress, radiusServerSecret; the RADIUS server lists the GatewaySubnet as a client)"
)

// Signs in the lines: the server drops the gateway's requests for a wrong
// secret; the gateway's requests go unanswered.
var (
	sigRadiusSecret  = sig{faults: []string{"radius-secret-mismatch"}}
	sigRadiusTimeout = sig{faults: []string{"radius-unreachable"}}
)

// radiusDown returns the P2S clients that authenticate with EAP (the
// gateway asks RADIUS) and are not connected, when the gateway's P2S
// configuration uses RADIUS.
func radiusDown(v *view) []P2SClient {
	if v.az == nil || v.az.Config.P2S == nil || !hasFold(v.az.Config.P2S.AuthTypes, "Radius") {
		return nil
	}
	var out []P2SClient
	for _, cl := range v.ev.P2S {
		if !cl.Connected && cl.EAP != "" {
			out = append(out, cl)
		}
	}
	return out
}

func hasFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// radiusFacts are the facts every RADIUS verdict starts with.
func radiusFacts(v *view, down []P2SClient) []string {
	var facts []string
	for _, cl := range down {
		facts = append(facts, fmt.Sprintf("P2S client %s (user %s, %s) is not connected", orDash(cl.Name), orDash(cl.User), cl.EAP))
	}
	facts = append(facts, fmt.Sprintf("the gateway's point-to-site authentication is RADIUS, server %s", orDash(v.az.Config.P2S.RadiusServer)))
	if f, ok := v.find(sigRadiusTimeout, sideAzure); ok && v.lines[f.line].owner != ownerRadius {
		facts = append(facts, v.fact(f))
	}
	return facts
}

// radiusSecretMismatch: the RADIUS server drops the gateway's requests
// because their Message-Authenticator was made with another secret than
// the one it holds for the gateway (seed 003 error 812).
func radiusSecretMismatch(v *view) (Verdict, bool) {
	down := radiusDown(v)
	if len(down) == 0 {
		return Verdict{}, false
	}
	f, ok := v.find(sigRadiusSecret, sideAzure)
	if !ok {
		return Verdict{}, false
	}
	facts := append(radiusFacts(v, down), v.fact(f))
	if r := v.ev.Radius; r != nil {
		for _, c := range r.Clients {
			facts = append(facts, fmt.Sprintf("the RADIUS server %s has client entry %s for %s: the request came from a registered client, so the address is right and the secret is not", r.Address, orDash(c.Name), c.Prefix))
		}
	}
	return Verdict{
		Category:   Authentication,
		Fault:      "radius-secret-mismatch",
		Summary:    fmt.Sprintf("P2S user %s cannot connect: the gateway's RADIUS shared secret differs from the one the RADIUS server holds for it, so the server drops every request", orDash(down[0].User)),
		Facts:      facts,
		Confidence: 0.9,
		UserError:  userErrRadius,
		Fix: steps(
			step{"Set the gateway's RADIUS server secret to the secret of the gateway's client entry on the RADIUS server (Azure portal > Virtual network gateway > Point-to-site configuration > Server secret; or PUT vpnClientConfiguration.radiusServerSecret). Never paste the secret into a ticket.", srcAzRadiu},
			step{"Reconnect a client; the RADIUS server must log the request (Login OK) instead of an invalid Message-Authenticator.", srcP2S812},
		),
	}, true
}

// radiusUnreachable: the gateway's RADIUS requests go unanswered and the
// RADIUS server never saw them — the address is wrong or the path is
// blocked (seed 003 error 812).
func radiusUnreachable(v *view) (Verdict, bool) {
	down := radiusDown(v)
	if len(down) == 0 {
		return Verdict{}, false
	}
	if _, ok := v.find(sigRadiusSecret, sideAzure); ok {
		return Verdict{}, false // the server heard the gateway: radiusSecretMismatch's
	}
	_, timeout := v.find(sigRadiusTimeout, sideAzure)
	conf := v.az.Config.P2S.RadiusServer
	r := v.ev.Radius
	wrongAddr := r != nil && r.Address != "" && conf != "" && !sameAddr(conf, r.Address)
	heard := r != nil && radiusHeard(v, r)
	if heard || !(timeout || wrongAddr) {
		return Verdict{}, false
	}
	facts := radiusFacts(v, down)
	c := 0.75
	if r != nil {
		if !heard {
			facts = append(facts, fmt.Sprintf("the RADIUS server %s logged no request from the gateway in the window", r.Address))
			c = 0.8
		}
		if wrongAddr {
			facts = append(facts, fmt.Sprintf("the gateway sends its Access-Requests to %s, but the RADIUS server is %s", conf, r.Address))
			if timeout {
				c = 0.9
			}
		}
	}
	return Verdict{
		Category:   Authentication,
		Fault:      "radius-unreachable",
		Summary:    fmt.Sprintf("P2S user %s cannot connect: the gateway gets no answer from RADIUS server %s and the RADIUS server never sees its requests", orDash(down[0].User), orDash(conf)),
		Facts:      facts,
		Confidence: c,
		UserError:  userErrRadius,
		Fix:        radiusReachSteps(wrongAddr),
	}, true
}

// radiusReachSteps is the fix of radiusUnreachable: the address first
// when it is wrong, else the path.
func radiusReachSteps(wrongAddr bool) []Step {
	addr := step{"Set the gateway's RADIUS server address to the RADIUS server's (Azure portal > Virtual network gateway > Point-to-site configuration > Server IP address; or PUT vpnClientConfiguration.radiusServerAddress).", srcAzRadiu}
	path := step{"Check that the RADIUS server is reachable from the GatewaySubnet: UDP 1812 allowed by the NSG of the server's subnet and any firewall on the way (on premises too), no UDR diverting it, and the GatewaySubnet listed as a RADIUS client.", srcAzRadiu}
	again := step{"Reconnect a client and check the RADIUS server's log for the request.", srcP2S812}
	if wrongAddr {
		return steps(addr, path, again)
	}
	path.text = "The gateway's RADIUS server address is the server's, so check the path: " +
		strings.TrimPrefix(path.text, "Check that ")
	return steps(path, again)
}

// radiusHeard reports whether the RADIUS server logged a request in the
// window (an answer, a rejection or a drop it names the sender of).
func radiusHeard(v *view, r *RadiusServer) bool {
	for _, l := range r.Log {
		if !v.inWindow(l.Time) {
			continue
		}
		m := strings.ToLower(l.Message)
		if strings.Contains(m, "login ok") || strings.Contains(m, "login incorrect") || strings.Contains(m, "received packet from") ||
			strings.Contains(m, "from client") || strings.Contains(m, "from unknown client") {
			return true
		}
	}
	return false
}

func sameAddr(a, b string) bool {
	x, err1 := netip.ParseAddr(a)
	y, err2 := netip.ParseAddr(b)
	if err1 != nil || err2 != nil {
		return strings.EqualFold(a, b)
	}
	return x == y
}
