package azure_test

import (
	"errors"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

func props(p map[string]any) map[string]any {
	return map[string]any{"location": "japaneast", "properties": p}
}

func TestPutRejectsInvalid(t *testing.T) {
	gcm := map[string]any{"saLifeTimeSeconds": 27000, "saDataSizeKilobytes": 102400000,
		"ipsecEncryption": "GCMAES256", "ipsecIntegrity": "SHA256", "ikeEncryption": "AES256",
		"ikeIntegrity": "SHA256", "dhGroup": "DHGroup14", "pfsGroup": "None"}
	twoBad := map[string]any{"saLifeTimeSeconds": 27000, "saDataSizeKilobytes": 102400000,
		"ipsecEncryption": "AES256", "ipsecIntegrity": "SHA256", "ikeEncryption": "AES256",
		"ikeIntegrity": "SHA256", "dhGroup": "DHGroup99", "pfsGroup": "PFS99"}
	tests := []struct {
		name     string
		path     string
		body     any
		status   int
		code     string
		target   string
		nDetails int
	}{
		{"reserved ASN 65515 on the LNG", "localNetworkGateways/onprem-lng",
			props(map[string]any{"bgpSettings": map[string]any{"asn": 65515}}), 400, "InvalidAsn", "properties.bgpSettings.asn", 1},
		{"Azure-reserved ASN on the VNG", "virtualNetworkGateways/vpnlab-vng",
			props(map[string]any{"bgpSettings": map[string]any{"asn": 65517}}), 400, "InvalidAsn", "properties.bgpSettings.asn", 1},
		{"ASN out of range", "localNetworkGateways/onprem-lng",
			props(map[string]any{"bgpSettings": map[string]any{"asn": 0}}), 400, "InvalidAsn", "properties.bgpSettings.asn", 1},
		{"custom BGP IP outside APIPA", "virtualNetworkGateways/vpnlab-vng",
			props(map[string]any{"bgpSettings": map[string]any{"bgpPeeringAddresses": []any{
				map[string]any{"customBgpIpAddresses": []string{"10.0.0.1"}}}}}),
			400, "InvalidCustomBgpIpAddress", "properties.bgpSettings.bgpPeeringAddresses[0].customBgpIpAddresses[0]", 1},
		{"BGP off on the VNG under a BGP connection", "virtualNetworkGateways/vpnlab-vng",
			props(map[string]any{"enableBgp": false}), 400, "InvalidBgpSettings", "properties.enableBgp", 1},
		{"bad LNG address", "localNetworkGateways/onprem-lng",
			props(map[string]any{"gatewayIpAddress": "onprem"}), 400, "InvalidIPAddress", "properties.gatewayIpAddress", 1},
		{"bad LNG prefix", "localNetworkGateways/onprem-lng",
			props(map[string]any{"localNetworkAddressSpace": map[string]any{"addressPrefixes": []string{"198.18.10.0/33"}}}),
			400, "InvalidAddressPrefix", "properties.localNetworkAddressSpace.addressPrefixes[0]", 1},
		{"PSK with a space", "connections/onprem-conn",
			props(map[string]any{"sharedKey": "bad key"}), 400, "InvalidSharedKey", "properties.sharedKey", 1},
		{"PSK with '-'", "connections/onprem-conn",
			props(map[string]any{"sharedKey": "bad-key"}), 400, "InvalidSharedKey", "properties.sharedKey", 1},
		{"GCMAES encryption with SHA integrity", "connections/onprem-conn",
			props(map[string]any{"ipsecPolicies": []any{gcm}}), 400, "InvalidIpsecPolicy", "properties.ipsecPolicies[0].ipsecIntegrity", 1},
		{"two bad enums", "connections/onprem-conn",
			props(map[string]any{"ipsecPolicies": []any{twoBad}}), 400, "InvalidIpsecPolicy", "properties.ipsecPolicies[0].dhGroup", 2},
		{"DPD too short", "connections/onprem-conn",
			props(map[string]any{"dpdTimeoutSeconds": 5}), 400, "InvalidDpdTimeout", "properties.dpdTimeoutSeconds", 1},
		{"IKEv2 to IKEv1", "connections/onprem-conn",
			props(map[string]any{"connectionProtocol": "IKEv1"}), 400, "ConnectionProtocolCannotBeChanged", "properties.connectionProtocol", 1},
		{"root certificate without P2S", "virtualNetworkGateways/vpnlab-vng",
			props(map[string]any{"vpnClientConfiguration": map[string]any{"vpnClientRootCertificates": []any{
				map[string]any{"name": "r", "properties": map[string]any{"publicCertData": "AAAA"}}}}}),
			400, "InvalidParameter", "properties.vpnClientConfiguration", 1},
		{"malformed JSON", "connections/onprem-conn", `{"properties":`, 400, "InvalidRequestContent", "", 0},
		{"wrong type", "connections/onprem-conn", `{"properties":{"enableBgp":"yes"}}`, 400, "InvalidRequestContent", "", 0},
		{"another location", "connections/onprem-conn",
			map[string]any{"location": "westus", "properties": map[string]any{"enableBgp": false}}, 400, "InvalidResourceLocation", "", 0},
		{"another connection", "connections/other-conn",
			props(map[string]any{"enableBgp": false}), 400, "OperationNotAllowed", "", 0},
		{"another LNG", "localNetworkGateways/other-lng",
			props(map[string]any{}), 400, "OperationNotAllowed", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			g, _ := newGateway(t, azure.WithReconfigurer(rec))
			r := serve(t, g).do(http.MethodPut, base+tt.path+version, tt.body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d; body %s", r.status, tt.status, r.body)
			}
			v := r.obj(t)
			wantValue(t, "error.code", get(t, v, "error", "code"), tt.code)
			e := get(t, v, "error").(map[string]any)
			if tt.target != "" {
				wantValue(t, "error.target", e["target"], tt.target)
				details, _ := e["details"].([]any)
				if len(details) != tt.nDetails {
					t.Errorf("%d details, want %d: %s", len(details), tt.nDetails, r.body)
				}
				for i := range details {
					wantKeys(t, "detail", get(t, details, i), "code", "message", "target")
				}
				if len(details) > 0 {
					wantValue(t, "details[0].target", get(t, details, 0, "target"), tt.target)
				}
			}
			if msg, _ := e["message"].(string); msg == "" {
				t.Error("empty message")
			}
			if strings.Contains(r.body, "bad key") || strings.Contains(r.body, "bad-key") || strings.Contains(r.body, sharedKey) {
				t.Errorf("error discloses a key: %s", r.body)
			}
			if n := len(rec.changes()); n != 0 {
				t.Errorf("Apply called %d times for an invalid change", n)
			}
			if !reflect.DeepEqual(g.Model(), azure.DefaultModel()) {
				t.Errorf("model changed: %+v", g.Model())
			}
			if got := ops(g, azure.CategoryGateway); len(got) != 0 {
				t.Errorf("gateway log %v, want nothing", got)
			}
		})
	}
}

func TestPutApplies(t *testing.T) {
	policy := validPolicy()
	tests := []struct {
		name, path string
		body       any
		op         string // GatewayDiagnosticLog operation
		check      func(t *testing.T, old, new azure.Model)
		gotProp    []any // a property of the response
		want       any
	}{
		{"VNG ASN", "virtualNetworkGateways/vpnlab-vng",
			props(map[string]any{"bgpSettings": map[string]any{"asn": 65010}}), "SetGatewayConfiguration",
			func(t *testing.T, old, new azure.Model) {
				wantValue(t, "old ASN", old.Gateway.Asn, uint32(65515))
				wantValue(t, "new ASN", new.Gateway.Asn, uint32(65010))
			}, []any{"properties", "bgpSettings", "asn"}, float64(65010)},
		{"VNG custom BGP IPs", "virtualNetworkGateways/vpnlab-vng",
			props(map[string]any{"bgpSettings": map[string]any{"bgpPeeringAddresses": []any{
				map[string]any{"customBgpIpAddresses": []string{"169.254.21.5"}}}}}), "SetGatewayConfiguration",
			func(t *testing.T, old, new azure.Model) {
				if !slices.Equal(new.Gateway.CustomBgpIPAddresses, []string{"169.254.21.5"}) {
					t.Errorf("custom BGP IPs %v", new.Gateway.CustomBgpIPAddresses)
				}
			}, []any{"properties", "bgpSettings", "bgpPeeringAddresses", 0, "customBgpIpAddresses", 0}, "169.254.21.5"},
		{"LNG prefixes", "localNetworkGateways/onprem-lng",
			props(map[string]any{"localNetworkAddressSpace": map[string]any{"addressPrefixes": []string{"198.18.10.0/24", "198.18.20.0/24"}}}),
			"SetConnectionConfiguration",
			func(t *testing.T, old, new azure.Model) {
				if len(old.LocalGateway.AddressPrefixes) != 1 || len(new.LocalGateway.AddressPrefixes) != 2 {
					t.Errorf("prefixes %v -> %v", old.LocalGateway.AddressPrefixes, new.LocalGateway.AddressPrefixes)
				}
			}, []any{"properties", "localNetworkAddressSpace", "addressPrefixes", 1}, "198.18.20.0/24"},
		{"LNG ASN and peer", "localNetworkGateways/onprem-lng",
			props(map[string]any{"bgpSettings": map[string]any{"asn": 65030, "bgpPeeringAddress": "169.254.21.6"}}),
			"SetConnectionConfiguration",
			func(t *testing.T, old, new azure.Model) {
				wantValue(t, "new LNG ASN", new.LocalGateway.Asn, uint32(65030))
				wantValue(t, "new LNG peer", new.LocalGateway.BgpPeeringAddress, "169.254.21.6")
			}, []any{"properties", "bgpSettings", "asn"}, float64(65030)},
		{"connection policy", "connections/onprem-conn",
			props(map[string]any{"ipsecPolicies": []any{policy}, "dpdTimeoutSeconds": 30}), "SetConnectionConfiguration",
			func(t *testing.T, old, new azure.Model) {
				if len(old.Connection.IpsecPolicies) != 0 || len(new.Connection.IpsecPolicies) != 1 || new.Connection.IpsecPolicies[0] != policy {
					t.Errorf("policies %v -> %v", old.Connection.IpsecPolicies, new.Connection.IpsecPolicies)
				}
				wantValue(t, "new DPD", new.Connection.DpdTimeoutSeconds, 30)
			}, []any{"properties", "ipsecPolicies", 0, "dhGroup"}, "DHGroup14"},
		{"connection shared key", "connections/onprem-conn",
			props(map[string]any{"sharedKey": "BrandNewKey42"}), "SetConnectionConfiguration",
			func(t *testing.T, old, new azure.Model) {
				wantValue(t, "old key", old.Connection.SharedKey, sharedKey)
				wantValue(t, "new key", new.Connection.SharedKey, "BrandNewKey42")
			}, []any{"properties", "connectionProtocol"}, "IKEv2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			g, _ := newGateway(t, azure.WithReconfigurer(rec))
			s := serve(t, g)
			r := s.do(http.MethodPut, base+tt.path+version, tt.body)
			if r.status != http.StatusOK {
				t.Fatalf("status %d; body %s", r.status, r.body)
			}
			v := r.obj(t)
			// Azure answers at once with the new configuration, Updating,
			// and the operation says when it is applied.
			wantValue(t, "provisioningState", get(t, v, "properties", "provisioningState"), "Updating")
			wantValue(t, "response property", get(t, v, tt.gotProp...), tt.want)
			if st, _ := s.await(r); st != "Succeeded" {
				t.Errorf("Azure-AsyncOperation status %q, want Succeeded", st)
			}
			afterPut := s.do(http.MethodGet, base+tt.path+version, nil).obj(t)
			wantValue(t, "provisioningState after", get(t, afterPut, "properties", "provisioningState"), "Succeeded")
			if strings.Contains(r.body, "BrandNewKey42") || strings.Contains(r.body, sharedKey) {
				t.Errorf("response discloses a key: %s", r.body)
			}
			cs := rec.changes()
			if len(cs) != 1 {
				t.Fatalf("Apply called %d times, want 1", len(cs))
			}
			if !reflect.DeepEqual(cs[0].old, azure.DefaultModel()) {
				t.Errorf("Apply old = %+v, want the default model", cs[0].old)
			}
			tt.check(t, cs[0].old, cs[0].new)
			if !reflect.DeepEqual(g.Model(), cs[0].new) {
				t.Errorf("committed model %+v, want Apply's new %+v", g.Model(), cs[0].new)
			}
			// The GET serves the change.
			after := s.do(http.MethodGet, base+tt.path+version, nil)
			wantValue(t, "GET property", get(t, after.obj(t), tt.gotProp...), tt.want)
			logs := g.Logs(azure.CategoryGateway, time.Time{})
			if len(logs) != 1 || logs[0].OperationName != tt.op || logs[0].OperationStatus != "Success" {
				t.Fatalf("gateway log %+v, want one %s record", logs, tt.op)
			}
			if strings.Contains(logs[0].Message, "BrandNewKey42") {
				t.Errorf("log discloses the key: %s", logs[0].Message)
			}
		})
	}
}

// TestPutRoundTrip puts back what the GET returned, as an SDK client that
// reads, modifies and writes does: nothing changes, so nothing is applied.
func TestPutRoundTrip(t *testing.T) {
	for _, path := range []string{"virtualNetworkGateways/vpnlab-vng", "localNetworkGateways/onprem-lng", "connections/onprem-conn"} {
		t.Run(path, func(t *testing.T) {
			rec := &recorder{}
			m := azure.DefaultModel()
			m.Connection.DpdTimeoutSeconds = 0 // served as 45
			m.Gateway.VpnClient = &azure.VpnClientConfiguration{AddressPrefixes: []string{"172.16.0.0/24"}}
			g := azure.New(m, azure.WithReconfigurer(rec))
			s := serve(t, g)
			got := s.do(http.MethodGet, base+path+version, nil)
			r := s.do(http.MethodPut, base+path+version, got.body)
			if r.status != http.StatusOK {
				t.Fatalf("status %d; body %s", r.status, r.body)
			}
			if n := len(rec.changes()); n != 0 {
				t.Errorf("Apply called %d times for an unchanged resource", n)
			}
			if l := g.Logs(azure.CategoryGateway, time.Time{}); len(l) != 0 {
				t.Errorf("gateway log %+v, want nothing", l)
			}
		})
	}
}

func TestPutApplyErrorLeavesModel(t *testing.T) {
	rec := &recorder{applyErr: errors.New("vici: load-shared: key NewSecretKey1 rejected")}
	g, _ := newGateway(t, azure.WithReconfigurer(rec))
	s := serve(t, g)
	r0 := s.do(http.MethodPut, base+"connections/onprem-conn"+version,
		props(map[string]any{"sharedKey": "NewSecretKey1", "enableBgp": false}))
	if r0.status != http.StatusOK {
		t.Fatalf("status %d, want 200 Updating; body %s", r0.status, r0.body)
	}
	st, r := s.await(r0)
	if st != "Failed" {
		t.Fatalf("operation %s, want Failed: %s", st, r.body)
	}
	wantValue(t, "error.code", errorCode(t, r), "InternalServerError")
	if strings.Contains(r0.body, "NewSecretKey1") {
		t.Errorf("response discloses the rejected key: %s", r0.body)
	}
	if strings.Contains(r.body, "NewSecretKey1") {
		t.Errorf("error discloses the rejected key: %s", r.body)
	}
	if !strings.Contains(r.body, "vici: load-shared") {
		t.Errorf("error hides the cause: %s", r.body)
	}
	if n := len(rec.changes()); n != 1 {
		t.Errorf("Apply called %d times, want 1", n)
	}
	if !reflect.DeepEqual(g.Model(), azure.DefaultModel()) {
		t.Errorf("model changed after a failed Apply: %+v", g.Model())
	}
	if l := g.Logs(azure.CategoryGateway, time.Time{}); len(l) != 0 {
		t.Errorf("gateway log %+v, want nothing", l)
	}
}

func TestSetSharedKey(t *testing.T) {
	rec := &recorder{}
	g, _ := newGateway(t, azure.WithReconfigurer(rec))
	s := serve(t, g)
	const newKey = "AnotherKey987"
	r := s.do(http.MethodPut, base+"connections/onprem-conn/sharedkey"+version, map[string]string{"value": newKey})
	if r.status != http.StatusOK {
		t.Fatalf("status %d; body %s", r.status, r.body)
	}
	v := r.obj(t)
	wantKeys(t, "sharedkey", v, "value")
	wantValue(t, "value", v["value"], "<redacted>")
	if st := s.status(r); st != "Succeeded" {
		t.Errorf("status %q, want Succeeded", st)
	}
	cs := rec.changes()
	if len(cs) != 1 || cs[0].old.Connection.SharedKey != sharedKey || cs[0].new.Connection.SharedKey != newKey {
		t.Fatalf("Apply calls %+v, want one from the old key to the new", cs)
	}
	wantValue(t, "GET sharedkey", s.do(http.MethodGet, base+"connections/onprem-conn/sharedkey"+version, nil).obj(t)["value"], newKey)

	// Both keys stay secret in the log, whenever they were written.
	g.IKELog("error", onpremIP, "", "RECEIVED", "peer sent "+newKey+" and "+sharedKey)
	d := s.do(http.MethodGet, "/vpnlab/diagnostics", nil)
	if strings.Contains(d.body, newKey) || strings.Contains(d.body, sharedKey) {
		t.Errorf("diagnostics disclose a key: %s", d.body)
	}
	if n := strings.Count(d.body, "<redacted>"); n != 2 {
		t.Errorf("%d <redacted> markers, want 2: %s", n, d.body)
	}
	if got := ops(g, azure.CategoryGateway); !slices.Equal(got, []string{"SetConnectionConfiguration"}) {
		t.Errorf("gateway log %v", got)
	}

	// A key set after a record mentioned it is redacted from that record too.
	g.IKELog("info", onpremIP, "", "LOCAL", "next key will be FutureKey1")
	if r := s.do(http.MethodPut, base+"connections/onprem-conn/sharedkey"+version, map[string]string{"value": "FutureKey1"}); r.status != http.StatusOK {
		t.Fatalf("status %d; body %s", r.status, r.body)
	}
	if d := s.do(http.MethodGet, "/vpnlab/diagnostics", nil); strings.Contains(d.body, "FutureKey1") {
		t.Errorf("diagnostics disclose a key set later: %s", d.body)
	}
	if r := s.do(http.MethodPut, base+"connections/onprem-conn/sharedkey"+version, map[string]string{"value": newKey}); r.status != http.StatusOK {
		t.Fatalf("status %d; body %s", r.status, r.body)
	}

	// Invalid keys and a key echoed as "<redacted>".
	for _, tt := range []struct {
		key    string
		status int
	}{
		{"has space", 400}, {"has-dash", 400}, {"tilde~", 400}, {"", 400}, {strings.Repeat("k", 129), 400}, {"<redacted>", 200},
	} {
		r := s.do(http.MethodPut, base+"connections/onprem-conn/sharedkey"+version, map[string]string{"value": tt.key})
		if r.status != tt.status {
			t.Errorf("key %q: status %d, want %d; body %s", tt.key, r.status, tt.status, r.body)
		}
		if tt.status == 400 {
			wantValue(t, "error.code", errorCode(t, r), "InvalidSharedKey")
		}
	}
	if n := len(rec.changes()); n != 3 {
		t.Errorf("Apply called %d times, want 3", n)
	}
	wantValue(t, "key", g.Model().Connection.SharedKey, newKey)
}

func TestResetSharedKey(t *testing.T) {
	rec := &recorder{}
	g, _ := newGateway(t, azure.WithReconfigurer(rec))
	s := serve(t, g)
	r := s.do(http.MethodPost, base+"connections/onprem-conn/sharedkey/reset"+version, map[string]int{"keyLength": 32})
	final := follow(t, s.srv, r)
	if final.status != http.StatusOK {
		t.Fatalf("final status %d; body %s", final.status, final.body)
	}
	wantValue(t, "keyLength", final.obj(t)["keyLength"], float64(32))
	cs := rec.changes()
	if len(cs) != 1 {
		t.Fatalf("Apply called %d times, want 1", len(cs))
	}
	key := cs[0].new.Connection.SharedKey
	if !regexp.MustCompile(`^[A-Za-z0-9]{32}$`).MatchString(key) || key == sharedKey {
		t.Fatalf("new key %q is not a fresh 32-character key", key)
	}
	wantValue(t, "committed key", g.Model().Connection.SharedKey, key)

	g.IKELog("error", onpremIP, "", "RECEIVED", "bad PSK "+key)
	g.TunnelDisconnected(onpremIP, "key "+key)
	for _, p := range []string{"/vpnlab/diagnostics", base + "connections/onprem-conn" + version} {
		if b := s.do(http.MethodGet, p, nil).body; strings.Contains(b, key) {
			t.Errorf("%s discloses the new key: %s", p, b)
		}
	}
	for _, b := range []string{r.body, final.body} {
		if strings.Contains(b, key) {
			t.Errorf("reset discloses the new key: %s", b)
		}
	}

	for _, n := range []int{0, 129, -1} {
		r := s.do(http.MethodPost, base+"connections/onprem-conn/sharedkey/reset"+version, map[string]int{"keyLength": n})
		if r.status != http.StatusBadRequest {
			t.Errorf("keyLength %d: status %d, want 400", n, r.status)
		}
	}
	if n := len(rec.changes()); n != 1 {
		t.Errorf("Apply called %d times, want 1", n)
	}
}

// TestConcurrentPuts is meant for go test -race: each PUT either commits
// or is refused with 409 while another runs.
func TestConcurrentPuts(t *testing.T) {
	g, _ := newGateway(t)
	s := serve(t, g)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 10 {
				asn := 65101 + i*10 + j // never 65020, the starting ASN
				r := s.do(http.MethodPut, base+"localNetworkGateways/onprem-lng"+version,
					props(map[string]any{"bgpSettings": map[string]any{"asn": asn}}))
				if r.status != http.StatusOK && r.status != http.StatusConflict {
					t.Errorf("status %d; body %s", r.status, r.body)
				}
				if r.status == http.StatusConflict && errorCode(t, r) != "AnotherOperationInProgress" {
					t.Errorf("409 body %s", r.body)
				}
				g.TunnelConnected(onpremIP)
				g.Status()
			}
		}()
	}
	wg.Wait()
	if asn := g.Model().LocalGateway.Asn; asn == 65020 {
		t.Error("no PUT committed")
	}
}
