// Package queries holds the KQL queries vpnlab tests its Log Analytics
// query API with: the queries Azure documents for VPN gateway diagnostic
// logs, the seeds' queries and a few of our own, each with its source.
package queries

import (
	_ "embed"
	"strings"
)

//go:embed vpngateway.kql
var vpnGateway string

// Query is one query of the file.
type Query struct {
	Name   string
	Source string // a URL and revision, a seed section, or "synthetic ..."
	Text   string // the query, placeholders included
}

// Documented reports whether the query comes from a published document or
// a seed rather than being written for vpnlab.
func (q Query) Documented() bool { return !strings.HasPrefix(q.Source, "synthetic") }

// VPNGateway returns the queries in file order.
func VPNGateway() []Query { return parse(vpnGateway) }

func parse(s string) []Query {
	var (
		out []Query
		cur *Query
		buf []string
	)
	flush := func() {
		if cur != nil {
			cur.Text = strings.TrimSpace(strings.Join(buf, "\n"))
			out = append(out, *cur)
		}
		cur, buf = nil, nil
	}
	for _, line := range strings.Split(s, "\n") {
		switch {
		case strings.HasPrefix(line, "// name:"):
			flush()
			cur = &Query{Name: strings.TrimSpace(strings.TrimPrefix(line, "// name:"))}
		case cur != nil && strings.HasPrefix(line, "// source:"):
			cur.Source = strings.TrimSpace(strings.TrimPrefix(line, "// source:"))
		case cur != nil:
			buf = append(buf, line)
		}
	}
	flush()
	return out
}

// Fill replaces the placeholders <RESOURCEID OF GATEWAY> and <REMOTE IP OF
// TUNNEL> in a query's text.
func (q Query) Fill(gatewayID, remoteIP string) string {
	return strings.NewReplacer("<RESOURCEID OF GATEWAY>", gatewayID, "<REMOTE IP OF TUNNEL>", remoteIP).Replace(q.Text)
}
