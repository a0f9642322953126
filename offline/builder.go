package offline

import (
	"slices"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/diagnose"
)

// Missing-evidence notes for a site-to-site side absent from the inputs.
const (
	missingAzureNote  = "Azure side: no diagnostic logs or connection status among the inputs"
	missingOnpremNote = "on-prem device: no device log or SA listing among the inputs"
	missingYearNote   = "collection time: the logs' times carry no year and nothing among the inputs dates them"
)

// Log sources of device and client log lines.
const (
	srcCharon  = "charon"
	srcPluto   = "pluto"
	srcBGP     = "bgp"
	srcWindows = "windows"
)

// entry is a log line with what the SA tracking needs of it.
type entry struct {
	line diagnose.LogLine
	sa   string // the IKE SA the line names in charon's "<azure|3>" prefix, as "azure[3]"
}

// builder accumulates what the parsers find and turns it into Evidence.
type builder struct {
	mtime time.Time // newest input file's modification time: the year of last resort
	ref   string    // the input line being read, "file:line": what a line added now cites
	text  []diagnose.TextLine

	dev     bool
	devLog  []entry
	sas     []diagnose.IKESA  // the latest swanctl --list-sas listing
	saFirst map[string]uint64 // first packet counter seen per CHILD SA and direction
	saCount map[string]int    // listings seen per CHILD SA and direction
	sasSeen bool
	bgp     []diagnose.BGPPeer
	cfg     diagnose.DeviceConfig

	az       bool
	azLogs   []diagnose.AzureLog
	azStatus []azStatus
	azBGP    []diagnose.AzureBGPPeer
	azCfg    diagnose.AzureConfig
	azBGPSet bool // an enableBgp setting was read
	azTimes  []time.Time
	upRoots  []diagnose.CertInfo // roots uploaded to the gateway (its resource JSON)
	revoked  []string            // revoked client certificate thumbprints

	p2s      bool // client-side point-to-site evidence was seen
	p2sUser  string
	p2sLog   []entry
	p2sState []p2sEvent
	certs    []certEntry

	pings      []pingRun   // ping runs, in the order read
	probeTimes []time.Time // `ping -D` timestamps
}

// azStatus is one reading of the connection's status and counters.
type azStatus struct {
	status           string
	ingress, egress  uint64
	bytes            bool // the counters were read
	fromTunnelEvents bool
}

// p2sEvent is a client's connection attempt result at a time.
type p2sEvent struct {
	t         time.Time
	connected bool
}

// certEntry is a certificate found among the inputs.
type certEntry struct {
	info    diagnose.CertInfo
	listing bool // from a Windows certificate store listing (a P2S client's)
}

func newBuilder() *builder {
	return &builder{saFirst: map[string]uint64{}, saCount: map[string]int{}}
}

// deviceLog adds a device log line.
func (b *builder) deviceLog(t time.Time, src, msg, sa string) {
	b.dev = true
	b.devLog = append(b.devLog, entry{diagnose.LogLine{Time: t, Source: src, Message: redact(msg), Ref: b.ref}, sa})
}

// textLine adds a line no structured reader took.
func (b *builder) textLine(ref, line string) {
	b.text = append(b.text, diagnose.TextLine{Ref: ref, Text: redact(line)})
}

// clientLog adds a point-to-site client's log line.
func (b *builder) clientLog(t time.Time, src, msg, sa string) {
	b.p2s = true
	b.p2sLog = append(b.p2sLog, entry{diagnose.LogLine{Time: t, Source: src, Message: redact(msg), Ref: b.ref}, sa})
}

// azureLog adds an AzureDiagnostics row.
func (b *builder) azureLog(l diagnose.AzureLog) {
	b.az = true
	l.Message = redact(l.Message)
	l.Reason = redact(l.Reason)
	l.Operation = redact(l.Operation)
	if l.Ref == "" {
		l.Ref = b.ref
	}
	b.azLogs = append(b.azLogs, l)
}

// azureStatus records a connection status reading.
func (b *builder) azureStatus(s azStatus) {
	b.az = true
	b.azStatus = append(b.azStatus, s)
}

// bgpPeer records the device's BGP neighbour; a later reading of the same
// neighbour replaces an earlier one.
func (b *builder) bgpPeer(p diagnose.BGPPeer) {
	b.dev = true
	for i := range b.bgp {
		if b.bgp[i].Neighbor == p.Neighbor {
			b.bgp[i] = p
			return
		}
	}
	b.bgp = append(b.bgp, p)
	if b.cfg.LocalASN == 0 {
		b.cfg.LocalASN = p.LocalASN
	}
	if b.cfg.PeerASN == 0 {
		b.cfg.PeerASN = p.PeerASN
	}
}

// certificate records a certificate found in a certificate file.
func (b *builder) certificate(c diagnose.CertInfo) {
	b.certs = append(b.certs, certEntry{info: c})
}

// finish turns what was read into Evidence and the report.
func (p *parser) finish() (diagnose.Evidence, Report) {
	ev := p.b.evidence()
	return ev, Report{Files: p.rep}
}

func (b *builder) evidence() diagnose.Evidence {
	var ev diagnose.Evidence
	ref, dated := b.latestDated()
	if !dated {
		ref = b.mtime
	}
	b.dateYearless(ref)
	sortEntries(b.devLog)
	sortEntries(b.p2sLog)
	slices.SortStableFunc(b.azLogs, func(x, y diagnose.AzureLog) int { return cmpTime(x.Time, y.Time) })

	if b.dev {
		d := &diagnose.Device{BGP: b.bgp, Config: b.cfg}
		if b.sasSeen {
			d.IKE = b.sas
		} else {
			tr := track(b.devLog)
			d.IKE = tr.result()
		}
		d.Log = lines(b.devLog)
		d.Config.IKEProposals = uniq(d.Config.IKEProposals)
		d.Config.ESPProposals = uniq(d.Config.ESPProposals)
		ev.Onprem = d
	}
	if b.az {
		a := &diagnose.AzureSide{Logs: b.azLogs, BGPPeers: b.azBGP, Config: b.azCfg}
		b.connection(a)
		ev.Azure = a
	}
	if c, ok := b.client(); ok {
		ev.P2S = []diagnose.P2SClient{c}
	}
	ev.Probes = b.probes()
	ev.Text = b.text

	// The window: from the earliest to the latest dated observation.
	var first, last time.Time
	see := func(t time.Time) {
		if t.IsZero() || t.Year() == 0 {
			return
		}
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if last.IsZero() || t.After(last) {
			last = t
		}
	}
	for _, e := range b.devLog {
		see(e.line.Time)
	}
	for _, e := range b.p2sLog {
		see(e.line.Time)
	}
	for _, l := range b.azLogs {
		see(l.Time)
	}
	for _, t := range b.azTimes {
		see(t)
	}
	for _, t := range b.probeTimes {
		see(t)
	}
	ev.CollectedAt, ev.WindowStart = last, first
	if ev.CollectedAt.IsZero() && b.hasYearless() {
		ev.Missing = append(ev.Missing, missingYearNote)
	}
	switch {
	case ev.Onprem != nil && ev.Azure == nil:
		ev.Missing = append(ev.Missing, missingAzureNote)
	case ev.Azure != nil && ev.Onprem == nil:
		ev.Missing = append(ev.Missing, missingOnpremNote)
	}
	return ev
}

// latestDated is the latest time with a year among the inputs.
func (b *builder) latestDated() (time.Time, bool) {
	var t time.Time
	see := func(x time.Time) {
		if x.Year() != 0 && x.After(t) {
			t = x
		}
	}
	for _, e := range b.devLog {
		see(e.line.Time)
	}
	for _, e := range b.p2sLog {
		see(e.line.Time)
	}
	for _, l := range b.azLogs {
		see(l.Time)
	}
	for _, x := range b.azTimes {
		see(x)
	}
	for _, x := range b.probeTimes {
		see(x)
	}
	return t, !t.IsZero()
}

// dateYearless gives yearless times the year that puts them at or before
// ref (a December line read in January belongs to the year before).
func (b *builder) dateYearless(ref time.Time) {
	if ref.IsZero() {
		return
	}
	fix := func(t time.Time) time.Time {
		if t.IsZero() || t.Year() != 0 {
			return t
		}
		d := t.AddDate(ref.Year(), 0, 0)
		if d.After(ref.Add(24 * time.Hour)) {
			d = t.AddDate(ref.Year()-1, 0, 0)
		}
		return d
	}
	for i := range b.devLog {
		b.devLog[i].line.Time = fix(b.devLog[i].line.Time)
	}
	for i := range b.p2sLog {
		b.p2sLog[i].line.Time = fix(b.p2sLog[i].line.Time)
	}
	for i := range b.p2sState {
		b.p2sState[i].t = fix(b.p2sState[i].t)
	}
}

func (b *builder) hasYearless() bool {
	for _, e := range b.devLog {
		if !e.line.Time.IsZero() && e.line.Time.Year() == 0 {
			return true
		}
	}
	for _, e := range b.p2sLog {
		if !e.line.Time.IsZero() && e.line.Time.Year() == 0 {
			return true
		}
	}
	return false
}

// cmpTime orders times with unknown (zero) times last: a line without a
// time (a state listing) describes the end of the window.
func cmpTime(a, b time.Time) int {
	switch {
	case a.IsZero() && b.IsZero():
		return 0
	case a.IsZero():
		return 1
	case b.IsZero():
		return -1
	}
	return a.Compare(b)
}

func sortEntries(es []entry) {
	slices.SortStableFunc(es, func(x, y entry) int { return cmpTime(x.line.Time, y.line.Time) })
}

func lines(es []entry) []diagnose.LogLine {
	if len(es) == 0 {
		return nil
	}
	out := make([]diagnose.LogLine, len(es))
	for i, e := range es {
		out[i] = e.line
	}
	return out
}

// connection sets the connection status and counters: the latest explicit
// reading (API, PowerShell, Network Watcher), else the tunnel events of the
// diagnostic log.
func (b *builder) connection(a *diagnose.AzureSide) {
	var explicit []azStatus
	for _, s := range b.azStatus {
		if !s.fromTunnelEvents {
			explicit = append(explicit, s)
		}
	}
	if len(explicit) > 0 {
		for i := len(explicit) - 1; i >= 0; i-- {
			if explicit[i].status != "" {
				a.ConnectionStatus = explicit[i].status
				break
			}
		}
		var counted []azStatus
		for _, s := range explicit {
			if s.bytes {
				counted = append(counted, s)
			}
		}
		if len(counted) > 0 {
			first, last := counted[0], counted[len(counted)-1]
			a.IngressBytes, a.EgressBytes = last.ingress, last.egress
			if len(counted) > 1 {
				a.IngressDelta, a.EgressDelta = sub(last.ingress, first.ingress), sub(last.egress, first.egress)
			} else {
				a.IngressDelta, a.EgressDelta = last.ingress, last.egress
				a.CountersSinceStart = true
			}
		}
	}
	if a.ConnectionStatus == "" {
		a.ConnectionStatus = tunnelEventStatus(a.Logs)
	}
}

func sub(a, b uint64) uint64 {
	if a < b {
		return a // counters reset: count from zero
	}
	return a - b
}

// tunnelEventStatus derives the connection status from the latest
// TunnelConnected / TunnelDisconnected per gateway instance and remote:
// Connected when any tunnel's latest event is a connect.
func tunnelEventStatus(logs []diagnose.AzureLog) string {
	type key struct{ inst, remote string }
	latest := map[key]bool{}
	var order []key
	for _, l := range logs {
		var up bool
		switch {
		case strings.EqualFold(l.Operation, "TunnelConnected"):
			up = true
		case strings.EqualFold(l.Operation, "TunnelDisconnected"):
		default:
			continue
		}
		k := key{l.Instance, l.RemoteIP}
		if _, ok := latest[k]; !ok {
			order = append(order, k)
		}
		latest[k] = up
	}
	if len(order) == 0 {
		return ""
	}
	for _, k := range order {
		if latest[k] {
			return "Connected"
		}
	}
	return "NotConnected"
}

// client assembles the point-to-site client, when client-side evidence was
// seen: its log, its state and its certificate. All client evidence among
// the inputs is read as one client.
func (b *builder) client() (diagnose.P2SClient, bool) {
	listing := false
	for _, c := range b.certs {
		listing = listing || c.listing
	}
	if !b.p2s && !listing {
		return diagnose.P2SClient{}, false
	}
	c := diagnose.P2SClient{Log: lines(b.p2sLog)}
	// State: the latest explicit result, else the SAs its log leaves.
	var last *p2sEvent
	for i := range b.p2sState {
		if last == nil || cmpTime(b.p2sState[i].t, last.t) >= 0 {
			last = &b.p2sState[i]
		}
	}
	tr := track(b.p2sLog)
	for _, sa := range tr.result() {
		if strings.EqualFold(sa.State, "ESTABLISHED") && len(sa.Children) > 0 {
			c.Connected = true
		}
	}
	if last != nil {
		c.Connected = last.connected
	}
	if c.Connected {
		c.VirtualIP = tr.vip
	}

	// The client certificate: the first that is not self-signed, one with
	// clientAuth first; its issuer's certificates among the inputs are
	// its roots unless the gateway's uploaded roots were read.
	var cert *diagnose.CertInfo
	for pass := 0; pass < 2 && cert == nil; pass++ {
		for i := range b.certs {
			ci := &b.certs[i].info
			if selfSigned(*ci) || (pass == 0 && len(ci.EKU) > 0 && !hasEKU(ci.EKU, "clientAuth")) {
				continue
			}
			cert = ci
			break
		}
	}
	if cert != nil {
		cc := *cert
		for _, t := range b.revoked {
			if strings.EqualFold(t, cc.Thumbprint) {
				cc.Revoked = true
			}
		}
		c.Cert = &cc
	}
	if len(b.upRoots) > 0 {
		c.Roots = slices.Clone(b.upRoots)
	} else if cert != nil {
		for _, e := range b.certs {
			if selfSigned(e.info) && sameDN(e.info.Subject, cert.Issuer) && !hasThumb(c.Roots, e.info.Thumbprint) {
				c.Roots = append(c.Roots, e.info)
			}
		}
	}
	switch {
	case cert != nil:
		c.Name = cnOf(cert.Subject)
	case b.p2sUser != "":
		c.Name = b.p2sUser
	default:
		c.Name = "p2s-client"
	}
	return c, true
}

func selfSigned(c diagnose.CertInfo) bool { return c.Subject != "" && sameDN(c.Subject, c.Issuer) }

func hasEKU(ekus []string, want string) bool {
	for _, e := range ekus {
		if strings.EqualFold(e, want) {
			return true
		}
	}
	return false
}

func hasThumb(cs []diagnose.CertInfo, t string) bool {
	for _, c := range cs {
		if t != "" && strings.EqualFold(c.Thumbprint, t) {
			return true
		}
	}
	return false
}

// sameDN compares distinguished names ignoring case, blanks and the order
// of their parts ("CN=Root, O=Lab" and "O=Lab,CN=Root" are the same).
func sameDN(a, b string) bool {
	norm := func(s string) string {
		parts := strings.Split(strings.ToLower(s), ",")
		for i, p := range parts {
			k, v, _ := strings.Cut(p, "=")
			parts[i] = strings.TrimSpace(k) + "=" + strings.TrimSpace(v)
		}
		slices.Sort(parts)
		return strings.Join(parts, ",")
	}
	return norm(a) == norm(b)
}

// cnOf returns the CN of a distinguished name, or the name itself.
func cnOf(dn string) string {
	for _, p := range strings.Split(dn, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "CN") {
			return strings.TrimSpace(v)
		}
	}
	return dn
}

// uniq drops repeated strings, keeping the first of each in order.
func uniq(ss []string) []string {
	var out []string
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
