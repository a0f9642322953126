package collect

import (
	"bufio"
	"context"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/lab"
)

// radiusLab is a lab whose point-to-site users authenticate with RADIUS;
// *lab.Lab satisfies it.
type radiusLab interface {
	RadiusAuth() bool
	EAPTLS() bool
	RadiusLog(ctx context.Context) (string, error)
	RadiusClients() []contract.RadiusClient
}

var _ radiusLab = (*lab.Lab)(nil)

// radiusServer is the RADIUS server as its administrator sees it: its
// address, its client entries (no secret) and its log of the window.
func radiusServer(ctx context.Context, l Lab, since time.Time, miss func(string, error)) *diagnose.RadiusServer {
	r, ok := l.(radiusLab)
	if !ok || !r.RadiusAuth() {
		return nil
	}
	s := &diagnose.RadiusServer{Address: lab.RadiusIP.String()}
	for _, c := range r.RadiusClients() {
		s.Clients = append(s.Clients, diagnose.RadiusClient{Name: c.Name, Prefix: c.Prefix})
	}
	text, err := r.RadiusLog(ctx)
	if err != nil {
		miss("RADIUS server log", err)
		return s
	}
	s.Log = radiusLines(text, since)
	return s
}

// radiusTime is the time FreeRADIUS's radius.log starts its lines with
// ("Tue Dec  1 18:26:50 2026 : Info: ..."), in the server's zone (UTC).
const radiusTime = "Mon Jan _2 15:04:05 2006"

// radiusLines reads radius.log's lines since a time.
func radiusLines(text string, since time.Time) []diagnose.LogLine {
	var out []diagnose.LogLine
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		stamp, msg, ok := strings.Cut(sc.Text(), " : ")
		if !ok {
			continue
		}
		t, err := time.Parse(radiusTime, stamp)
		if err != nil || t.Before(since.Truncate(time.Second)) {
			continue
		}
		out = append(out, diagnose.LogLine{Time: t.UTC(), Source: "freeradius", Message: diagnose.Redact(msg)})
	}
	return out
}
