package azure_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

const metricsPath = base + "virtualNetworkGateways/vpnlab-vng/providers/Microsoft.Insights/metrics" + version

// metricsGateway is a connected gateway with known counters.
func metricsGateway(t *testing.T) *azure.Gateway {
	t.Helper()
	g, _ := newGateway(t)
	g.TunnelConnected(onpremIP)
	g.SetTraffic(1000, 2000, 10, 20)
	g.SetPacketDrops(3, 4, 5, 6)
	g.SetSACounts(1, 2)
	g.SetP2SConnections(7)
	g.SetBgpPeer(azure.BgpPeerStatus{LocalAddress: "169.254.21.1", Neighbor: "169.254.21.2", Asn: 65020, State: "Connected"})
	g.SetBgpPeer(azure.BgpPeerStatus{LocalAddress: "198.19.255.30", Neighbor: "198.18.10.4", Asn: 65030, State: "Idle"})
	g.SetRoutes([]azure.GatewayRoute{
		{Network: "198.18.10.0/24", SourcePeer: "169.254.21.2"},
		{Network: "198.18.11.0/24", SourcePeer: "169.254.21.2"},
	}, []azure.GatewayRoute{{Network: "198.19.0.0/16"}})
	return g
}

// point is one time series' dimensions and the aggregations of its
// current data point.
type point struct {
	dims   map[string]string
	values map[string]any
}

// series decodes the metric entries of a response by metric name.
func series(t *testing.T, r response) map[string][]point {
	t.Helper()
	out := map[string][]point{}
	list, _ := r.obj(t)["value"].([]any)
	for i := range list {
		e := get(t, list, i)
		wantKeys(t, "metric", e, "id", "type", "name", "displayDescription", "unit", "timeseries", "errorCode")
		name := get(t, e, "name", "value").(string)
		wantValue(t, name+" type", get(t, e, "type"), "Microsoft.Insights/metrics")
		if id, _ := get(t, e, "id").(string); id != azure.DefaultModel().ID("virtualNetworkGateways", "vpnlab-vng")+"/providers/Microsoft.Insights/metrics/"+name {
			t.Errorf("%s id %q", name, id)
		}
		if l, _ := get(t, e, "name", "localizedValue").(string); l == "" {
			t.Errorf("%s has no localized name", name)
		}
		tss, _ := get(t, e, "timeseries").([]any)
		for j := range tss {
			ts := get(t, tss, j)
			p := point{dims: map[string]string{}, values: map[string]any{}}
			mds, _ := get(t, ts, "metadatavalues").([]any)
			for k := range mds {
				p.dims[get(t, mds, k, "name", "value").(string)] = get(t, mds, k, "value").(string)
			}
			data, _ := get(t, ts, "data").([]any)
			filled := 0
			for k := range data {
				d := get(t, data, k).(map[string]any)
				if _, ok := d["timeStamp"].(string); !ok {
					t.Errorf("%s data point without timeStamp: %v", name, d)
				}
				if len(d) > 1 {
					filled++
					for a, v := range d {
						if a != "timeStamp" {
							p.values[a] = v
						}
					}
				}
			}
			if filled > 1 {
				t.Errorf("%s: %d data points with values, want at most 1", name, filled)
			}
			out[name] = append(out[name], p)
		}
	}
	return out
}

func TestMetrics(t *testing.T) {
	g := metricsGateway(t)
	names := []string{"TunnelIngressBytes", "TunnelEgressBytes", "TunnelIngressPackets", "TunnelEgressPackets",
		"TunnelIngressPacketDropCount", "TunnelEgressPacketDropCount",
		"TunnelIngressPacketDropTSMismatch", "TunnelEgressPacketDropTSMismatch", "MmsaCount", "QmsaCount",
		"BgpPeerStatus", "BgpRoutesLearned", "BgpRoutesAdvertised", "AverageBandwidth", "P2SConnectionCount",
		"TunnelAverageBandwidth", "VnetAddressPrefixCount"}
	r := call(t, g, http.MethodGet, metricsPath+"&metricnames="+strings.Join(names, ","))
	if r.status != http.StatusOK {
		t.Fatalf("status %d; body %s", r.status, r.body)
	}
	v := r.obj(t)
	wantKeys(t, "response", v, "cost", "timespan", "interval", "value", "namespace", "resourceregion")
	wantValue(t, "interval", v["interval"], "PT1M")
	wantValue(t, "namespace", v["namespace"], "Microsoft.Network/virtualNetworkGateways")
	got := series(t, r)
	if len(got) != len(names) {
		t.Errorf("%d metrics, want %d", len(got), len(names))
	}
	tunnel := map[string]string{"ConnectionName": "onprem-conn", "RemoteIP": onpremIP, "Instance": "GatewayTenantWorker_IN_0"}
	tests := []struct {
		name, agg, unit string
		dims            map[string]string
		want            float64
	}{
		{"TunnelIngressBytes", "total", "Bytes", tunnel, 1000},
		{"TunnelEgressBytes", "total", "Bytes", tunnel, 2000},
		{"TunnelIngressPackets", "total", "Count", tunnel, 10},
		{"TunnelEgressPackets", "total", "Count", tunnel, 20},
		{"TunnelIngressPacketDropCount", "total", "Count", tunnel, 3},
		{"TunnelEgressPacketDropCount", "total", "Count", tunnel, 4},
		{"TunnelIngressPacketDropTSMismatch", "total", "Count", tunnel, 5},
		{"TunnelEgressPacketDropTSMismatch", "total", "Count", tunnel, 6},
		{"MmsaCount", "total", "Count", tunnel, 1},
		{"QmsaCount", "total", "Count", tunnel, 2},
		{"P2SConnectionCount", "total", "Count", map[string]string{"Protocol": "IKEv2", "Instance": "GatewayTenantWorker_IN_0"}, 7},
		{"VnetAddressPrefixCount", "total", "Count", map[string]string{"Instance": "GatewayTenantWorker_IN_0"}, 1},
	}
	units := map[string]string{}
	list, _ := v["value"].([]any)
	for i := range list {
		units[get(t, list, i, "name", "value").(string)] = get(t, list, i, "unit").(string)
	}
	for _, tt := range tests {
		ps := got[tt.name]
		if len(ps) != 1 {
			t.Errorf("%s: %d time series, want 1", tt.name, len(ps))
			continue
		}
		wantValue(t, tt.name+" unit", units[tt.name], tt.unit)
		for k, want := range tt.dims {
			wantValue(t, tt.name+" "+k, ps[0].dims[k], want)
		}
		if len(ps[0].dims) != len(tt.dims) {
			t.Errorf("%s dimensions %v, want %v", tt.name, ps[0].dims, tt.dims)
		}
		wantValue(t, tt.name+" "+tt.agg, ps[0].values[tt.agg], tt.want)
		if len(ps[0].values) != 1 {
			t.Errorf("%s aggregations %v, want only %s", tt.name, ps[0].values, tt.agg)
		}
	}
	// Per BGP peer.
	peers := map[string]map[string]any{}
	for _, name := range []string{"BgpPeerStatus", "BgpRoutesLearned", "BgpRoutesAdvertised"} {
		if len(got[name]) != 2 {
			t.Fatalf("%s: %d series, want one per peer", name, len(got[name]))
		}
		for _, p := range got[name] {
			if peers[p.dims["BgpPeerAddress"]] == nil {
				peers[p.dims["BgpPeerAddress"]] = map[string]any{}
			}
			for a, v := range p.values {
				peers[p.dims["BgpPeerAddress"]][name+"."+a] = v
			}
		}
	}
	wantValue(t, "connected peer status", peers["169.254.21.2"]["BgpPeerStatus.average"], float64(1))
	wantValue(t, "idle peer status", peers["198.18.10.4"]["BgpPeerStatus.average"], float64(0))
	wantValue(t, "learned from 169.254.21.2", peers["169.254.21.2"]["BgpRoutesLearned.total"], float64(2))
	wantValue(t, "learned from 198.18.10.4", peers["198.18.10.4"]["BgpRoutesLearned.total"], float64(0))
	wantValue(t, "advertised to 169.254.21.2", peers["169.254.21.2"]["BgpRoutesAdvertised.total"], float64(1))
	// Bandwidth: 3000 bytes over the seconds since the tunnel came up.
	for _, name := range []string{"AverageBandwidth", "TunnelAverageBandwidth"} {
		wantValue(t, name+" unit", units[name], "BytesPerSecond")
		bw, _ := got[name][0].values["average"].(float64)
		if bw <= 0 || bw > 3000 {
			t.Errorf("%s = %v, want within (0, 3000]", name, bw)
		}
	}
}

func TestMetricsAggregationAndTime(t *testing.T) {
	g := metricsGateway(t)
	r := call(t, g, http.MethodGet, metricsPath+"&metricnames=tunnelingressbytes&aggregation=Average,Maximum,Count&interval=PT5M")
	if r.status != http.StatusOK {
		t.Fatalf("status %d; body %s", r.status, r.body)
	}
	p := series(t, r)["TunnelIngressBytes"]
	if len(p) != 1 {
		t.Fatalf("series %v", p)
	}
	wantValue(t, "average", p[0].values["average"], float64(1000))
	wantValue(t, "maximum", p[0].values["maximum"], float64(1000))
	wantValue(t, "count", p[0].values["count"], float64(1))
	if _, ok := p[0].values["total"]; ok {
		t.Error("total served though not asked for")
	}
	data := get(t, r.obj(t), "value", 0, "timeseries", 0, "data").([]any)
	if len(data) < 12 || len(data) > 13 {
		t.Errorf("%d data points for an hour at PT5M, want 12 or 13", len(data))
	}

	// A timespan in the past has points but no values.
	r = call(t, g, http.MethodGet, metricsPath+"&metricnames=TunnelIngressBytes&timespan=2020-01-01T00:00:00Z/2020-01-01T01:00:00Z")
	if r.status != http.StatusOK {
		t.Fatalf("status %d; body %s", r.status, r.body)
	}
	if p := series(t, r)["TunnelIngressBytes"]; len(p) != 1 || len(p[0].values) != 0 {
		t.Errorf("past timespan has values: %v", p)
	}
	data = get(t, r.obj(t), "value", 0, "timeseries", 0, "data").([]any)
	if len(data) != 60 {
		t.Errorf("%d data points for an hour at PT1M, want 60", len(data))
	}
	wantValue(t, "first timeStamp", get(t, data, 0, "timeStamp"), "2020-01-01T00:00:00Z")
}

func TestMetricsErrors(t *testing.T) {
	g := metricsGateway(t)
	for _, q := range []string{
		"&metricnames=TunnelIngressBytes,NoSuchMetric",
		"&metricnames=TunnelIngressBytes&aggregation=Median",
		"&metricnames=TunnelIngressBytes&interval=5%20minutes",
		"&metricnames=TunnelIngressBytes&timespan=yesterday",
		"&metricnames=TunnelIngressBytes&timespan=2020-01-02T00:00:00Z/2020-01-01T00:00:00Z",
		"&metricnames=TunnelIngressBytes&interval=PT1S&timespan=2020-01-01T00:00:00Z/2020-02-01T00:00:00Z",
	} {
		r := call(t, g, http.MethodGet, metricsPath+q)
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", q, r.status)
			continue
		}
		v := r.obj(t)
		wantKeys(t, q+" body", v, "code", "message") // Azure Monitor does not wrap in "error"
		wantValue(t, q+" code", v["code"], "BadRequest")
	}
	r := call(t, g, http.MethodGet, metricsPath+"&metricnames=NoSuchMetric")
	msg, _ := r.obj(t)["message"].(string)
	for _, want := range []string{"Failed to find metric configuration for provider: Microsoft.Network, resource Type: virtualNetworkGateways, metric: NoSuchMetric, Valid metrics: ",
		"TunnelIngressBytes", "BgpPeerStatus", "P2SConnectionCount"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if r := call(t, g, http.MethodPost, metricsPath); r.status != http.StatusMethodNotAllowed {
		t.Errorf("POST metrics: status %d", r.status)
	}
}
