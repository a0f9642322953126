package azure

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Azure Monitor metric names the gateway serves, as the metrics REST API
// names them for Microsoft.Network/virtualNetworkGateways.
const (
	MetricAverageBandwidth                  = "AverageBandwidth"
	MetricP2SConnectionCount                = "P2SConnectionCount"
	MetricTunnelAverageBandwidth            = "TunnelAverageBandwidth"
	MetricTunnelIngressBytes                = "TunnelIngressBytes"
	MetricTunnelEgressBytes                 = "TunnelEgressBytes"
	MetricTunnelIngressPackets              = "TunnelIngressPackets"
	MetricTunnelEgressPackets               = "TunnelEgressPackets"
	MetricTunnelIngressPacketDropCount      = "TunnelIngressPacketDropCount"
	MetricTunnelEgressPacketDropCount       = "TunnelEgressPacketDropCount"
	MetricTunnelIngressPacketDropTSMismatch = "TunnelIngressPacketDropTSMismatch"
	MetricTunnelEgressPacketDropTSMismatch  = "TunnelEgressPacketDropTSMismatch"
	MetricMmsaCount                         = "MmsaCount"
	MetricQmsaCount                         = "QmsaCount"
	MetricBgpPeerStatus                     = "BgpPeerStatus"
	MetricBgpRoutesLearned                  = "BgpRoutesLearned"
	MetricBgpRoutesAdvertised               = "BgpRoutesAdvertised"
	MetricVnetAddressPrefixCount            = "VnetAddressPrefixCount"
)

// metricState is what the metrics are computed from, read under one lock.
type metricState struct {
	model       Model
	instance    string
	status      string
	remoteIP    string
	established time.Time
	now         time.Time
	traffic     traffic
	drops       drops
	mmsa, qmsa  int
	p2s         int
	peers       []BgpPeerStatus
	learned     []GatewayRoute
	advertised  []GatewayRoute
}

// bandwidth is the tunnel's average bytes per second since it connected.
func (s *metricState) bandwidth() float64 {
	if s.status != StatusConnected || s.established.IsZero() {
		return 0
	}
	secs := max(s.now.Sub(s.established).Seconds(), 1)
	return float64(s.traffic.ingressBytes+s.traffic.egressBytes) / secs
}

// series is one time series of a metric: its dimension values and value.
type series struct {
	dims  [][2]string // name, value
	value float64
}

// Metric dimension sets; the lab always splits by them, as if the query
// had $filter=<dimension> eq '*' for each.
func (s *metricState) tunnel(v float64) []series {
	remote := s.remoteIP
	if remote == "" {
		remote = s.model.LocalGateway.GatewayIPAddress
	}
	return []series{{dims: [][2]string{
		{"ConnectionName", s.model.Connection.Name}, {"RemoteIP", remote}, {"Instance", instancePrefix + s.instance},
	}, value: v}}
}

func (s *metricState) gateway(v float64) []series {
	return []series{{dims: [][2]string{{"Instance", instancePrefix + s.instance}}, value: v}}
}

func (s *metricState) perPeer(v func(p BgpPeerStatus) float64) []series {
	var out []series
	for _, p := range s.peers {
		out = append(out, series{dims: [][2]string{{"BgpPeerAddress", p.Neighbor}, {"Instance", instancePrefix + s.instance}}, value: v(p)})
	}
	return out
}

type metricDef struct {
	name, display, description, unit, aggregation string
	series                                        func(s *metricState) []series
}

// metricDefs lists the gateway's metrics with Azure Monitor's display
// names, units and default aggregations. The lab reports the current value
// of each (the current SA's counters for bytes and packets) in the
// interval that contains the present.
var metricDefs = []metricDef{
	{MetricAverageBandwidth, "Gateway S2S Bandwidth", "Site-to-site bandwidth of a gateway in bytes per second", "BytesPerSecond", "Average",
		func(s *metricState) []series { return s.gateway(s.bandwidth()) }},
	{MetricP2SConnectionCount, "P2S Connection Count", "Point-to-site connection count of a gateway", "Count", "Total",
		func(s *metricState) []series {
			return []series{{dims: [][2]string{{"Protocol", "IKEv2"}, {"Instance", instancePrefix + s.instance}}, value: float64(s.p2s)}}
		}},
	{MetricTunnelAverageBandwidth, "Tunnel Bandwidth", "Average bandwidth of a tunnel in bytes per second", "BytesPerSecond", "Average",
		func(s *metricState) []series { return s.tunnel(s.bandwidth()) }},
	{MetricTunnelEgressBytes, "Tunnel Egress Bytes", "Outgoing bytes of a tunnel", "Bytes", "Total",
		func(s *metricState) []series { return s.tunnel(float64(s.traffic.egressBytes)) }},
	{MetricTunnelIngressBytes, "Tunnel Ingress Bytes", "Incoming bytes of a tunnel", "Bytes", "Total",
		func(s *metricState) []series { return s.tunnel(float64(s.traffic.ingressBytes)) }},
	{MetricTunnelEgressPackets, "Tunnel Egress Packets", "Outgoing packet count of a tunnel", "Count", "Total",
		func(s *metricState) []series { return s.tunnel(float64(s.traffic.egressPackets)) }},
	{MetricTunnelIngressPackets, "Tunnel Ingress Packets", "Incoming packet count of a tunnel", "Count", "Total",
		func(s *metricState) []series { return s.tunnel(float64(s.traffic.ingressPackets)) }},
	{MetricTunnelEgressPacketDropCount, "Tunnel Egress Packet Drop Count", "Count of outgoing packets dropped by tunnel", "Count", "Total",
		func(s *metricState) []series { return s.tunnel(float64(s.drops.egress)) }},
	{MetricTunnelIngressPacketDropCount, "Tunnel Ingress Packet Drop Count", "Count of incoming packets dropped by tunnel", "Count", "Total",
		func(s *metricState) []series { return s.tunnel(float64(s.drops.ingress)) }},
	{MetricTunnelEgressPacketDropTSMismatch, "Tunnel Egress TS Mismatch Packet Drop",
		"Outgoing packet drop count from traffic selector mismatch of a tunnel", "Count", "Total",
		func(s *metricState) []series { return s.tunnel(float64(s.drops.egressTSMismatch)) }},
	{MetricTunnelIngressPacketDropTSMismatch, "Tunnel Ingress TS Mismatch Packet Drop",
		"Incoming packet drop count from traffic selector mismatch of a tunnel", "Count", "Total",
		func(s *metricState) []series { return s.tunnel(float64(s.drops.ingressTSMismatch)) }},
	{MetricMmsaCount, "Tunnel MMSA Count", "MMSA Count", "Count", "Total",
		func(s *metricState) []series { return s.tunnel(float64(s.mmsa)) }},
	{MetricQmsaCount, "Tunnel QMSA Count", "QMSA Count", "Count", "Total",
		func(s *metricState) []series { return s.tunnel(float64(s.qmsa)) }},
	{MetricBgpPeerStatus, "BGP Peer Status", "Status of BGP peer", "Count", "Average",
		func(s *metricState) []series {
			return s.perPeer(func(p BgpPeerStatus) float64 {
				if p.State == BgpStateConnected {
					return 1
				}
				return 0
			})
		}},
	{MetricBgpRoutesAdvertised, "BGP Routes Advertised", "Count of Bgp Routes Advertised through tunnel", "Count", "Total",
		func(s *metricState) []series {
			return s.perPeer(func(BgpPeerStatus) float64 { return float64(len(s.advertised)) })
		}},
	{MetricBgpRoutesLearned, "BGP Routes Learned", "Count of Bgp Routes Learned through tunnel", "Count", "Total",
		func(s *metricState) []series {
			return s.perPeer(func(p BgpPeerStatus) float64 {
				n := 0
				for _, r := range s.learned {
					if r.SourcePeer == p.Neighbor {
						n++
					}
				}
				return float64(n)
			})
		}},
	{MetricVnetAddressPrefixCount, "VNet Address Prefix Count", "Count of Vnet address prefixes behind gateway", "Count", "Total",
		func(s *metricState) []series { return s.gateway(float64(len(s.model.Gateway.VNetAddressSpace))) }},
}

func metricNames() []string {
	var out []string
	for _, d := range metricDefs {
		out = append(out, d.name)
	}
	return out
}

func (g *Gateway) metricState() *metricState {
	g.mu.Lock()
	defer g.mu.Unlock()
	return &metricState{
		model: g.model.clone(), instance: g.instance, status: g.status, remoteIP: g.remoteIP,
		established: g.established, now: g.now().UTC(), traffic: g.traffic, drops: g.drops,
		mmsa: g.mmsa, qmsa: g.qmsa, p2s: g.p2s, peers: g.bgpPeersLocked(),
		learned: slices.Clone(g.learned), advertised: slices.Clone(g.advertised),
	}
}

// The Azure Monitor metrics response (Microsoft.Insights/metrics).
type (
	metricsResponse struct {
		Cost           int           `json:"cost"`
		Timespan       string        `json:"timespan"`
		Interval       string        `json:"interval"`
		Value          []metricEntry `json:"value"`
		Namespace      string        `json:"namespace"`
		ResourceRegion string        `json:"resourceregion"`
	}
	metricEntry struct {
		ID                 string       `json:"id"`
		Type               string       `json:"type"`
		Name               localizable  `json:"name"`
		DisplayDescription string       `json:"displayDescription"`
		Unit               string       `json:"unit"`
		Timeseries         []timeseries `json:"timeseries"`
		ErrorCode          string       `json:"errorCode"`
	}
	localizable struct {
		Value          string `json:"value"`
		LocalizedValue string `json:"localizedValue"`
	}
	timeseries struct {
		Metadatavalues []metadataValue `json:"metadatavalues"`
		Data           []metricValue   `json:"data"`
	}
	metadataValue struct {
		Name  localizable `json:"name"`
		Value string      `json:"value"`
	}
	metricValue struct {
		TimeStamp string   `json:"timeStamp"`
		Average   *float64 `json:"average,omitempty"`
		Minimum   *float64 `json:"minimum,omitempty"`
		Maximum   *float64 `json:"maximum,omitempty"`
		Total     *float64 `json:"total,omitempty"`
		Count     *float64 `json:"count,omitempty"`
	}
)

var aggregations = []string{"Average", "Count", "Maximum", "Minimum", "Total"}

// maxMetricPoints bounds the data points of one time series.
const maxMetricPoints = 10000

// metricsError writes Azure Monitor's error body, which, unlike ARM's, is
// not wrapped in "error".
func metricsError(w http.ResponseWriter, message string) {
	writeJSON(w, http.StatusBadRequest, armError{Code: "BadRequest", Message: message})
}

// metrics serves GET {gateway}/providers/Microsoft.Insights/metrics with
// the query parameters metricnames, timespan (start/end, RFC 3339; default
// the last hour), interval (ISO 8601 duration or FULL; default PT1M) and
// aggregation (default each metric's own).
func (a *api) metrics(w http.ResponseWriter, r *http.Request, m Model) {
	q := r.URL.Query()
	var defs []metricDef
	if names := strings.TrimSpace(q.Get("metricnames")); names == "" {
		defs = metricDefs
	} else {
		for _, n := range strings.Split(names, ",") {
			n = strings.TrimSpace(n)
			i := slices.IndexFunc(metricDefs, func(d metricDef) bool { return strings.EqualFold(d.name, n) })
			if i < 0 {
				metricsError(w, fmt.Sprintf("Failed to find metric configuration for provider: Microsoft.Network, "+
					"resource Type: virtualNetworkGateways, metric: %s, Valid metrics: %s", n, strings.Join(metricNames(), ",")))
				return
			}
			defs = append(defs, metricDefs[i])
		}
	}
	var aggs []string
	if s := q.Get("aggregation"); s != "" {
		for _, n := range strings.Split(s, ",") {
			i := slices.IndexFunc(aggregations, func(a string) bool { return strings.EqualFold(a, strings.TrimSpace(n)) })
			if i < 0 {
				metricsError(w, fmt.Sprintf("Invalid aggregation type %q; valid types: %s", n, strings.Join(aggregations, ", ")))
				return
			}
			aggs = append(aggs, aggregations[i])
		}
	}
	st := a.g.metricState()
	start, end := st.now.Add(-time.Hour), st.now
	if s := q.Get("timespan"); s != "" {
		var ok bool
		if start, end, ok = parseTimespan(s); !ok {
			metricsError(w, fmt.Sprintf("Invalid timespan %q: use <start>/<end> in ISO 8601 (RFC 3339) form", s))
			return
		}
	}
	interval := q.Get("interval")
	if interval == "" {
		interval = "PT1M"
	}
	step, ok := parseInterval(interval)
	if strings.EqualFold(interval, "FULL") {
		interval, step, ok = "FULL", end.Sub(start), end.After(start)
	}
	if !ok {
		metricsError(w, fmt.Sprintf("Invalid interval %q: use an ISO 8601 duration such as PT5M, or FULL", interval))
		return
	}
	stamps, current := points(start, end, step, st.now)
	if len(stamps) > maxMetricPoints {
		metricsError(w, fmt.Sprintf("The query would return %d data points per time series; the maximum is %d. "+
			"Use a shorter timespan or a longer interval.", len(stamps), maxMetricPoints))
		return
	}
	gwID := m.ID("virtualNetworkGateways", m.Gateway.Name)
	resp := metricsResponse{
		Timespan:       start.Format(time.RFC3339) + "/" + end.Format(time.RFC3339),
		Interval:       interval,
		Value:          []metricEntry{},
		Namespace:      typeVirtualNetworkGateway,
		ResourceRegion: m.Location,
	}
	for _, d := range defs {
		e := metricEntry{
			ID:                 gwID + "/providers/Microsoft.Insights/metrics/" + d.name,
			Type:               "Microsoft.Insights/metrics",
			Name:               localizable{d.name, d.display},
			DisplayDescription: d.description,
			Unit:               d.unit,
			Timeseries:         []timeseries{},
			ErrorCode:          "Success",
		}
		want := aggs
		if want == nil {
			want = []string{d.aggregation}
		}
		for _, s := range d.series(st) {
			ts := timeseries{Metadatavalues: []metadataValue{}, Data: []metricValue{}}
			for _, dim := range s.dims {
				ts.Metadatavalues = append(ts.Metadatavalues, metadataValue{localizable{dim[0], dim[0]}, dim[1]})
			}
			for i, t := range stamps {
				p := metricValue{TimeStamp: t.Format(time.RFC3339)}
				if i == current {
					p.set(want, s.value)
				}
				ts.Data = append(ts.Data, p)
			}
			e.Timeseries = append(e.Timeseries, ts)
		}
		resp.Value = append(resp.Value, e)
	}
	writeJSON(w, http.StatusOK, resp)
}

// set fills the aggregations of one data point from a single sample.
func (p *metricValue) set(aggs []string, v float64) {
	for _, a := range aggs {
		v, one := v, 1.0
		switch a {
		case "Average":
			p.Average = &v
		case "Minimum":
			p.Minimum = &v
		case "Maximum":
			p.Maximum = &v
		case "Total":
			p.Total = &v
		case "Count":
			p.Count = &one
		}
	}
}

// points returns the start times of the intervals of length step that
// cover [start, end), aligned to step, and the index of the one that holds
// now (-1 if none does). An end at or after now extends to hold now.
func points(start, end time.Time, step time.Duration, now time.Time) ([]time.Time, int) {
	if !now.Before(start) && !now.After(end) && now.Truncate(step).Add(step).After(end) {
		end = now.Truncate(step).Add(step)
	}
	var out []time.Time
	current := -1
	for t := start.Truncate(step); t.Before(end) && len(out) <= maxMetricPoints; t = t.Add(step) {
		if !now.Before(t) && now.Before(t.Add(step)) {
			current = len(out)
		}
		out = append(out, t)
	}
	return out, current
}

func parseTimespan(s string) (start, end time.Time, ok bool) {
	// An unescaped "+09:00" offset arrives as " 09:00".
	a, b, found := strings.Cut(strings.ReplaceAll(s, " ", "+"), "/")
	if !found {
		return start, end, false
	}
	start, err1 := time.Parse(time.RFC3339Nano, a)
	end, err2 := time.Parse(time.RFC3339Nano, b)
	if err1 != nil || err2 != nil || !end.After(start) {
		return start, end, false
	}
	return start.UTC(), end.UTC(), true
}

var isoDuration = regexp.MustCompile(`^(?i)P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)

// parseInterval parses the ISO 8601 durations Azure Monitor takes as a
// grain: days, hours, minutes and seconds.
func parseInterval(s string) (time.Duration, bool) {
	m := isoDuration.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	var d time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second} {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.Atoi(m[i+1])
		if err != nil {
			return 0, false
		}
		d += time.Duration(n) * unit
	}
	return d, d > 0
}
