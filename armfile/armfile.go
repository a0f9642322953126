package armfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/vpnlab/vpnlab/compat"
	"github.com/vpnlab/vpnlab/fakes/azure"
)

// Error is a file that cannot be read as Azure resources.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// ReadFiles reads the named files with Read.
func ReadFiles(paths ...string) (compat.Azure, []string, error) {
	var names []string
	var datas [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return compat.Azure{}, nil, err
		}
		names, datas = append(names, p), append(datas, b)
	}
	return Read(names, datas)
}

// Read merges the resources of every file into one Azure side, starting
// from compat.Assumed's defaults. It returns notes on what it could not
// take (template expressions, unknown resource types).
func Read(names []string, datas [][]byte) (compat.Azure, []string, error) {
	a := compat.Assumed()
	a.Files = map[compat.Part]string{}
	var notes []string
	for i, name := range names {
		var v any
		dec := json.NewDecoder(bytes.NewReader(datas[i]))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			line := 0
			var se *json.SyntaxError
			if errors.As(err, &se) {
				line = 1 + bytes.Count(datas[i][:min(int(se.Offset), len(datas[i]))], []byte("\n"))
			}
			return a, nil, &Error{File: name, Line: line, Msg: "not JSON: " + err.Error()}
		}
		rs := resources(v)
		if len(rs) == 0 {
			return a, nil, &Error{File: name, Msg: "no Azure resource (want a gateway, virtual network, local network gateway or connection, as az ... show or the ARM API print them)"}
		}
		for _, r := range rs {
			part, n := apply(&a, r, name)
			notes = append(notes, n...)
			if part != "" {
				a.Given[part] = true
				a.Files[part] = name
			}
		}
	}
	return a, notes, nil
}

// resources finds resource objects: the value itself, a list, a template's
// "resources" or an ARM list's "value".
func resources(v any) []map[string]any {
	switch t := v.(type) {
	case []any:
		var out []map[string]any
		for _, e := range t {
			out = append(out, resources(e)...)
		}
		return out
	case map[string]any:
		if rs, ok := t["resources"].([]any); ok {
			return resources(rs)
		}
		if rs, ok := t["value"].([]any); ok {
			return resources(rs)
		}
		return []map[string]any{t}
	}
	return nil
}

func kind(r map[string]any, p map[string]any) compat.Part {
	switch strings.ToLower(str(r, "type")) {
	case "microsoft.network/virtualnetworkgateways":
		return compat.PartGateway
	case "microsoft.network/virtualnetworks":
		return compat.PartVNet
	case "microsoft.network/localnetworkgateways":
		return compat.PartLocalGateway
	case "microsoft.network/connections":
		return compat.PartConnection
	case "microsoft.network/publicipaddresses":
		return "publicIP"
	}
	switch {
	case has(p, "vpnType"), has(p, "gatewayType"):
		return compat.PartGateway
	case has(p, "gatewayIpAddress"), has(p, "localNetworkAddressSpace"):
		return compat.PartLocalGateway
	case has(p, "connectionType"), has(p, "connectionProtocol"), has(p, "virtualNetworkGateway1"):
		return compat.PartConnection
	case has(p, "addressSpace"), has(p, "subnets"):
		return compat.PartVNet
	case has(p, "ipAddress") && has(p, "publicIPAllocationMethod"):
		return "publicIP"
	}
	return ""
}

func apply(a *compat.Azure, r map[string]any, file string) (compat.Part, []string) {
	p, ok := r["properties"].(map[string]any)
	if !ok {
		p = r // az CLI prints the properties flattened
	}
	var notes []string
	note := func(field string, v string) {
		notes = append(notes, fmt.Sprintf("%s: %s is the template expression %s; not evaluated", file, field, v))
	}
	getS := func(m map[string]any, path ...string) string {
		v := str(m, path...)
		if strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]") {
			note(strings.Join(path, "."), v)
			return ""
		}
		return v
	}
	m := &a.Model
	k := kind(r, p)
	switch k {
	case compat.PartGateway:
		g := &m.Gateway
		g.Name = cmpOr(getS(r, "name"), g.Name)
		g.VpnType = cmpOr(getS(p, "vpnType"), g.VpnType)
		g.SKU = cmpOr(getS(p, "sku", "name"), g.SKU)
		g.ActiveActive = boolean(p, "activeActive") || boolean(p, "active")
		g.EnableBgp = boolean(p, "enableBgp")
		if n := num(p, "bgpSettings", "asn"); n > 0 {
			g.Asn = uint32(n)
		}
		if s := getS(p, "bgpSettings", "bgpPeeringAddress"); s != "" {
			g.BgpPeeringAddress = s
		}
		var publics []string
		g.CustomBgpIPAddresses = nil
		for _, e := range list(p, "bgpSettings", "bgpPeeringAddresses") {
			em, _ := e.(map[string]any)
			g.CustomBgpIPAddresses = append(g.CustomBgpIPAddresses, strs(em, "customBgpIpAddresses")...)
			publics = append(publics, strs(em, "tunnelIpAddresses")...)
		}
		for _, e := range list(p, "ipConfigurations") {
			em, _ := e.(map[string]any)
			if ip := str(em, "properties", "publicIPAddress", "properties", "ipAddress"); ip != "" {
				publics = append(publics, ip)
			}
		}
		if len(publics) > 0 {
			g.PublicIP = publics[0]
		}
		if len(publics) > 1 {
			g.PublicIP2 = publics[1]
		}
	case "publicIP":
		if ip := getS(p, "ipAddress"); ip != "" {
			if m.Gateway.PublicIP == "" {
				m.Gateway.PublicIP = ip
			} else if m.Gateway.PublicIP2 == "" && ip != m.Gateway.PublicIP {
				m.Gateway.PublicIP2 = ip
			}
		}
		return compat.PartGateway, notes
	case compat.PartVNet:
		m.Gateway.VNetAddressSpace = strs(p, "addressSpace", "addressPrefixes")
	case compat.PartLocalGateway:
		l := &m.LocalGateway
		l.Name = cmpOr(getS(r, "name"), l.Name)
		l.GatewayIPAddress = cmpOr(getS(p, "gatewayIpAddress"), getS(p, "fqdn"))
		l.AddressPrefixes = strs(p, "localNetworkAddressSpace", "addressPrefixes")
		if n := num(p, "bgpSettings", "asn"); n > 0 {
			l.Asn = uint32(n)
		}
		l.BgpPeeringAddress = getS(p, "bgpSettings", "bgpPeeringAddress")
	case compat.PartConnection:
		c := &m.Connection
		c.Name = cmpOr(getS(r, "name"), c.Name)
		c.ConnectionProtocol = cmpOr(getS(p, "connectionProtocol"), "IKEv2")
		c.EnableBgp = boolean(p, "enableBgp")
		c.UsePolicyBasedTrafficSelectors = boolean(p, "usePolicyBasedTrafficSelectors")
		if n := num(p, "dpdTimeoutSeconds"); n > 0 {
			c.DpdTimeoutSeconds = int(n)
		}
		if k := getS(p, "sharedKey"); k != "" && k != "<redacted>" {
			c.SharedKey = k
		}
		c.IpsecPolicies = nil
		for _, e := range list(p, "ipsecPolicies") {
			em, _ := e.(map[string]any)
			c.IpsecPolicies = append(c.IpsecPolicies, azure.IpsecPolicy{
				SaLifeTimeSeconds: int(num(em, "saLifeTimeSeconds")), SaDataSizeKilobytes: int(num(em, "saDataSizeKilobytes")),
				IpsecEncryption: str(em, "ipsecEncryption"), IpsecIntegrity: str(em, "ipsecIntegrity"),
				IkeEncryption: str(em, "ikeEncryption"), IkeIntegrity: str(em, "ikeIntegrity"),
				DhGroup: str(em, "dhGroup"), PfsGroup: str(em, "pfsGroup")})
		}
		for _, e := range list(p, "gatewayCustomBgpIpAddresses") {
			em, _ := e.(map[string]any)
			if ip := str(em, "customBgpIpAddress"); ip != "" && !contains(m.Gateway.CustomBgpIPAddresses, ip) {
				m.Gateway.CustomBgpIPAddresses = append(m.Gateway.CustomBgpIPAddresses, ip)
			}
		}
	default:
		notes = append(notes, fmt.Sprintf("%s: resource %q of type %q is not one the checks read", file, str(r, "name"), str(r, "type")))
	}
	return k, notes
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func walk(m map[string]any, path ...string) (any, bool) {
	var v any = m
	for _, k := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = mm[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

func has(m map[string]any, k string) bool { _, ok := m[k]; return ok }

func str(m map[string]any, path ...string) string {
	v, _ := walk(m, path...)
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	}
	return ""
}

func num(m map[string]any, path ...string) int64 {
	v, _ := walk(m, path...)
	switch t := v.(type) {
	case json.Number:
		n, _ := t.Int64()
		return n
	case string:
		var n int64
		fmt.Sscan(t, &n)
		return n
	}
	return 0
}

func boolean(m map[string]any, path ...string) bool {
	v, _ := walk(m, path...)
	b, _ := v.(bool)
	return b
}

func list(m map[string]any, path ...string) []any {
	v, _ := walk(m, path...)
	l, _ := v.([]any)
	return l
}

func strs(m map[string]any, path ...string) []string {
	var out []string
	for _, e := range list(m, path...) {
		if s, ok := e.(string); ok && !strings.HasPrefix(s, "[") {
			out = append(out, s)
		}
	}
	return out
}
