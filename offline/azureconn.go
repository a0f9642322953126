package offline

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/vpnlab/vpnlab/diagnose"
)

// Azure objects: the connection (`az network vpn-connection show`, the ARM
// resource, Get-AzVirtualNetworkGatewayConnection) for its status and byte
// counters; the virtual network gateway and the local network gateway for
// their BGP ASNs, the gateway's uploaded P2S roots and revoked client
// certificates; BGP peer status (list-bgp-peer-status,
// Get-AzVirtualNetworkGatewayBgpPeerStatus). A shared key is never read.
//
// One reading of the counters is the counters since the connection came
// up: its deltas are its totals. Two readings or more give deltas between
// the first and the last.

// azureObject reads an Azure object from a JSON row; false if it is none.
func azureObject(b *builder, r row) bool {
	typ := strings.ToLower(r.str("type"))
	switch {
	case r.str("connectionstatus") != "":
		s := azStatus{status: normStatus(r.str("connectionstatus"))}
		in, okIn := num(r.str("ingressbytestransferred"))
		out, okOut := num(r.str("egressbytestransferred"))
		if okIn || okOut {
			s.ingress, s.egress, s.bytes = in, out, true
		}
		b.azureStatus(s)
		if v, ok := r["enablebgp"].(bool); ok {
			b.azBGPFlag(v)
		}
		if p, ok := r["ipsecpolicies"].([]any); ok && len(p) > 0 {
			b.azCfg.CustomPolicy = true
		}
		return true
	case strings.Contains(typ, "localnetworkgateways") || (r["localnetworkaddressspace"] != nil && r["gatewaytype"] == nil):
		b.az = true
		if a := bgpASN(r["bgpsettings"]); a != 0 {
			b.azCfg.LocalGatewayASN = a
		}
		return true
	case strings.Contains(typ, "virtualnetworkgateways") || r["gatewaytype"] != nil || r["vpntype"] != nil:
		b.az = true
		if a := bgpASN(r["bgpsettings"]); a != 0 {
			b.azCfg.GatewayASN = a
		}
		if v, ok := r["enablebgp"].(bool); ok {
			b.azBGPFlag(v)
		}
		if vc, ok := r["vpnclientconfiguration"].(map[string]any); ok {
			b.p2sConfig(vc)
		}
		return true
	case r.str("neighbor") != "" && r.str("asn") != "" && r.str("state") != "":
		b.az = true
		a, _ := num(r.str("asn"))
		rr, _ := num(r.str("routesreceived"))
		b.azBGP = append(b.azBGP, diagnose.AzureBGPPeer{Neighbor: r.str("neighbor"), ASN: uint32(a), State: r.str("state"), RoutesReceived: int64(rr)})
		return true
	}
	return false
}

// azBGPFlag records an enableBgp setting: BGP is enabled when every
// object read enables it.
func (b *builder) azBGPFlag(v bool) {
	if !b.azBGPSet {
		b.azCfg.BGPEnabled = v
	}
	b.azBGPSet = true
	b.azCfg.BGPEnabled = b.azCfg.BGPEnabled && v
}

// p2sConfig reads the gateway's uploaded roots and revoked certificates.
func (b *builder) p2sConfig(vc map[string]any) {
	f := flatRow(vc)
	roots, _ := f["vpnclientrootcertificates"].([]any)
	for _, it := range roots {
		r, ok := it.(map[string]any)
		if !ok {
			continue
		}
		data := flatRow(r).str("publiccertdata")
		der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(data), ""))
		if err != nil {
			continue
		}
		if ci, ok := derCertificate(der); ok {
			b.upRoots = append(b.upRoots, ci)
		}
	}
	revoked, _ := f["vpnclientrevokedcertificates"].([]any)
	for _, it := range revoked {
		if r, ok := it.(map[string]any); ok {
			if t := flatRow(r).str("thumbprint"); t != "" {
				b.revoked = append(b.revoked, t)
			}
		}
	}
}

// bgpASN reads bgpSettings.asn.
func bgpASN(v any) uint32 {
	m, ok := v.(map[string]any)
	if !ok {
		return 0
	}
	a, _ := num(flatRow(m).str("asn"))
	return uint32(a)
}

// normStatus spells a connection status as Azure's API does.
func normStatus(s string) string {
	switch strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", "")) {
	case "connected":
		return "Connected"
	case "notconnected", "disconnected":
		return "NotConnected"
	case "connecting":
		return "Connecting"
	case "unknown":
		return "Unknown"
	}
	return strings.TrimSpace(s)
}

func num(s string) (uint64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < 0 {
			return 0, false
		}
		return uint64(f), true
	}
	return v, true
}

// --- PowerShell (Format-List) ---

// azurePSConnection reads Get-AzVirtualNetworkGatewayConnection.
func azurePSConnection(b *builder, blk *plBlock) {
	s := azStatus{status: normStatus(blk.get("connectionstatus"))}
	in, okIn := num(blk.get("ingressbytestransferred"))
	out, okOut := num(blk.get("egressbytestransferred"))
	if okIn || okOut {
		s.ingress, s.egress, s.bytes = in, out, true
	}
	b.azureStatus(s)
	switch strings.ToLower(blk.get("enablebgp")) {
	case "true":
		b.azBGPFlag(true)
	case "false":
		b.azBGPFlag(false)
	}
	if p := strings.Trim(blk.get("ipsecpolicies"), "{}[] "); p != "" {
		b.azCfg.CustomPolicy = true
	}
}

// azurePSBGPPeer reads Get-AzVirtualNetworkGatewayBgpPeerStatus.
func azurePSBGPPeer(b *builder, blk *plBlock) {
	b.az = true
	a, _ := num(blk.get("asn"))
	rr, _ := num(blk.get("routesreceived"))
	b.azBGP = append(b.azBGP, diagnose.AzureBGPPeer{Neighbor: blk.get("neighbor"), ASN: uint32(a), State: blk.get("state"), RoutesReceived: int64(rr)})
}

// azurePSGateway reads the BgpSettingsText of Get-AzVirtualNetworkGateway
// or Get-AzLocalNetworkGateway.
func azurePSGateway(b *builder, blk *plBlock) {
	b.az = true
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(blk.get("bgpsettingstext")))
	dec.UseNumber()
	if dec.Decode(&m) != nil {
		return
	}
	a, _ := num(flatRow(m).str("asn"))
	if a == 0 {
		return
	}
	if blk.has("gatewaytype", "vpntype") {
		b.azCfg.GatewayASN = uint32(a)
		switch strings.ToLower(blk.get("enablebgp")) {
		case "true":
			b.azBGPFlag(true)
		case "false":
			b.azBGPFlag(false)
		}
	} else {
		b.azCfg.LocalGatewayASN = uint32(a)
	}
}
