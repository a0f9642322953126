package kql

import (
	"strings"
	"testing"
	"time"
)

// TestOperators checks each operator and function on the synthetic table:
// the query, the column read and the values it must hold (comma-joined).
func TestOperators(t *testing.T) {
	cases := []struct{ q, col, want string }{
		{`AzureDiagnostics | count`, "Count", "10"},
		{`AzureDiagnostics | where OperationName == "TunnelConnected" | count`, "Count", "2"},
		{`AzureDiagnostics | where OperationName != "TunnelConnected" | count`, "Count", "8"},
		{`AzureDiagnostics | where OperationName =~ "tunnelconnected" | count`, "Count", "2"},
		{`AzureDiagnostics | where OperationName !~ "tunnelconnected" | count`, "Count", "8"},
		{`AzureDiagnostics | where Message has "AUTH" | count`, "Count", "1"},
		{`AzureDiagnostics | where Message has "AUT" | count`, "Count", "0"},
		{`AzureDiagnostics | where Message !has "tunnel" | count`, "Count", "6"},
		{`AzureDiagnostics | where Message has_cs "auth" | count`, "Count", "0"},
		{`AzureDiagnostics | where Message contains "AUT" | count`, "Count", "1"},
		{`AzureDiagnostics | where Message !contains "tunnel" | count`, "Count", "6"},
		{`AzureDiagnostics | where Message contains_cs "tunnel" | count`, "Count", "0"},
		{`AzureDiagnostics | where OperationName startswith "tunnel" | count`, "Count", "4"},
		{`AzureDiagnostics | where OperationName !startswith "tunnel" | count`, "Count", "6"},
		{`AzureDiagnostics | where OperationName endswith "event" | count`, "Count", "4"},
		{`AzureDiagnostics | where Category in ("P2SDiagnosticLog", "RouteDiagnosticLog") | count`, "Count", "2"},
		{`AzureDiagnostics | where Category !in ("P2SDiagnosticLog", "RouteDiagnosticLog") | count`, "Count", "8"},
		{`AzureDiagnostics | where Category in~ ("p2sdiagnosticlog") | count`, "Count", "1"},
		{`AzureDiagnostics | where Message has_any ("AUTH", "BGP") | count`, "Count", "2"},
		{`AzureDiagnostics | where Message matches regex @"^Remote \d+" | count`, "Count", "2"},
		{`AzureDiagnostics | where not(Category == "TunnelDiagnosticLog") and Level == "Informational" | count`, "Count", "5"},
		{`AzureDiagnostics | where Category == "P2SDiagnosticLog" or Level == "Error" | count`, "Count", "2"},
		{`AzureDiagnostics | where TimeGenerated > ago(10m) | count`, "Count", "3"},
		{`AzureDiagnostics | where TimeGenerated >= now(-10m) | count`, "Count", "5"},
		{`AzureDiagnostics | where TimeGenerated < datetime(2026-12-01 10:02) | count`, "Count", "3"},
		{`AzureDiagnostics | where TimeGenerated between (datetime(2026-12-01T10:50:00Z) .. 1m) | count`, "Count", "3"},
		{`AzureDiagnostics | where TimeGenerated between (datetime(2026-12-01T10:50:00Z) .. datetime(2026-12-01T10:51:00Z)) | count`, "Count", "3"},
		{`AzureDiagnostics | where isnotempty(instance_s) | count`, "Count", "4"},
		{`AzureDiagnostics | where isempty(instance_s) | count`, "Count", "6"},
		{`AzureDiagnostics | take 3 | count`, "Count", "3"},
		{`AzureDiagnostics | limit 100 | count`, "Count", "10"},
		{`AzureDiagnostics | project-away Message, *_s | getschema | count`, "Count", "9"},
		{`AzureDiagnostics | project-rename Gateway = Resource | take 1`, "Gateway", "VPNLAB-GW"},
		{`AzureDiagnostics | extend N = strlen(Resource) | take 1`, "N", "9"},
		{`AzureDiagnostics | extend U = toupper(Category), L = tolower(Resource) | take 1 | project U, L`, "L", "vpnlab-gw"},
		{`AzureDiagnostics | take 1 | project S = substring(Resource, 0, 6)`, "S", "VPNLAB"},
		{`AzureDiagnostics | take 1 | project S = strcat(Resource, "/", ResourceGroup)`, "S", "VPNLAB-GW/VPNLAB-RG"},
		{`AzureDiagnostics | take 1 | project S = split(Resource, "-")[1]`, "S", "GW"},
		{`AzureDiagnostics | take 1 | project S = replace_string(Resource, "-", "_")`, "S", "VPNLAB_GW"},
		{`AzureDiagnostics | where Category == "IKEDiagnosticLog" | project S = extract(@"Remote ([0-9.]+):", 1, Message) | take 1`, "S", "198.51.100.10"},
		{`AzureDiagnostics | summarize count() by Category | order by count_ desc, Category asc | take 2`, "Category", "TunnelDiagnosticLog,GatewayDiagnosticLog"},
		{`AzureDiagnostics | summarize dcount(instance_s)`, "dcount_instance_s", "3"},
		{`AzureDiagnostics | summarize min(TimeGenerated), max(TimeGenerated)`, "max_TimeGenerated", "2026-12-01T10:58:00Z"},
		{`AzureDiagnostics | extend M = datetime_diff("minute", TimeGenerated, datetime(2026-12-01T10:00:00Z)) | summarize sum(M), avg(M)`, "sum_M", "268"},
		{`AzureDiagnostics | extend M = datetime_diff("minute", TimeGenerated, datetime(2026-12-01T10:00:00Z)) | summarize avg(M)`, "avg_M", "26.8"},
		{`AzureDiagnostics | summarize arg_min(TimeGenerated, *) by Category | where Category == "TunnelDiagnosticLog"`, "instance_s", "GatewayTenantWorker_IN_0"},
		{`AzureDiagnostics | summarize Ops = make_set(OperationName) by Category | where Category == "TunnelDiagnosticLog"`, "Ops", `["TunnelConnected","TunnelDisconnected"]`},
		{`AzureDiagnostics | summarize make_list(status_s, 2) by Category | where Category == "TunnelDiagnosticLog"`, "list_status_s", `["Connected","Disconnected"]`},
		{`AzureDiagnostics | summarize n = count() by bin(TimeGenerated, 30m) | order by TimeGenerated asc`, "n", "5,5"},
		{`AzureDiagnostics | summarize countif(Level == "Error")`, "countif_", "1"},
		{`AzureDiagnostics | where Category == "Nope" | summarize count()`, "count_", "0"},
		{`AzureDiagnostics | where Category == "Nope" | summarize count() by Category`, "Category", ""},
		{`AzureDiagnostics | top 2 by TimeGenerated`, "OperationName", "TunnelDisconnected,P2SLogEvent"},
		{`AzureDiagnostics | top 1 by TimeGenerated asc`, "OperationName", "SetGatewayConfiguration"},
		{`AzureDiagnostics | distinct Category | count`, "Count", "5"},
		{`AzureDiagnostics | distinct instance_s, status_s | count`, "Count", "5"},
		{`AzureDiagnostics | distinct * | count`, "Count", "10"},
		{`AzureDiagnostics | sort by TimeGenerated desc | take 1`, "OperationName", "TunnelDisconnected"},
		{`AzureDiagnostics | order by instance_s asc nulls last | take 1`, "instance_s", ""},
		{`AzureDiagnostics | where Category == "IKEDiagnosticLog" | parse Message with "Remote " RemoteIP ":" Port:long ": " * | take 1`, "Port", "500"},
		{`AzureDiagnostics | where Category == "IKEDiagnosticLog" | parse kind=regex Message with @"Remote " RemoteIP @":\d+: Local " * | take 1`, "RemoteIP", "198.51.100.10"},
		{`AzureDiagnostics | where Category == "P2SDiagnosticLog" | parse Message with "Nothing " X | project X`, "X", ""},
		{`let window = 10m; AzureDiagnostics | where TimeGenerated > ago(window) | count`, "Count", "3"},
		{`let T = AzureDiagnostics | where Level == "Error"; T | count`, "Count", "1"},
		{`let gw = "VPNLAB-GW"; AzureDiagnostics | where Resource == gw | count`, "Count", "10"},
		{`AzureDiagnostics | extend E = iif(Level == "Error", 1, 0) | summarize sum(E)`, "sum_E", "1"},
		{`AzureDiagnostics | extend E = case(Level == "Error", "bad", Category == "P2SDiagnosticLog", "p2s", "ok") | summarize count() by E | order by E asc`, "E", "bad,ok,p2s"},
		{`AzureDiagnostics | take 1 | project D = TimeGenerated - datetime(2026-12-01T09:00:00Z)`, "D", "01:00:00"},
		{`AzureDiagnostics | take 1 | project D = TimeGenerated + 1d`, "D", "2026-12-02T10:00:00Z"},
		{`AzureDiagnostics | take 1 | project N = 7 / 2, R = 7.0 / 2, M = 7 % 3`, "R", "3.5"},
		{`AzureDiagnostics | take 1 | project N = toint("42") + 1`, "N", "43"},
		{`AzureDiagnostics | take 1 | project T = tostring(TimeGenerated)`, "T", "2026-12-01T10:00:00Z"},
		{`AzureDiagnostics | take 1 | project T = format_datetime(TimeGenerated, "yyyy-MM-dd HH:mm")`, "T", "2026-12-01 10:00"},
		{`AzureDiagnostics | take 1 | project J = parse_json('{"a":{"b":[1,2]}}').a.b[1]`, "J", "2"},
		{`AzureDiagnostics | take 1 | project ['my col'] = 1`, "my col", "1"},
		{`AzureDiagnostics // a comment
		| where Level == 'Error' // another
		| count | render table`, "Count", "1"},
	}
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			r := run(t, c.q)
			eq(t, strings.Join(column(t, r, c.col), ","), c.want)
		})
	}
}

// TestErrors checks that what the engine does not do is refused with the
// operator and the position.
func TestErrors(t *testing.T) {
	cases := []struct{ q, want string }{
		{`AzureDiagnostics | mv-expand x`, "line 1, column 20: mv-expand: the tabular operator 'mv-expand' is not supported"},
		{`AzureDiagnostics | join (Other) on x`, "column 20: join: the tabular operator 'join' is not supported"},
		{"AzureDiagnostics\n| where Nope == 1", "line 2, column 9: where: failed to resolve scalar expression named 'Nope'"},
		{`AzureDiagnostics | summarize percentile(x, 95)`, "column 30: summarize: 'percentile' is not a supported aggregation"},
		{`AzureDiagnostics | where foo(1)`, "column 26: foo: unknown function 'foo'"},
		{`AzureDiagnostics | project count()`, "count: the aggregation 'count' is allowed only in summarize"},
		{`Nope | count`, "column 1: query: failed to resolve table or column expression named 'Nope'"},
		{`AzureDiagnostics | where Level == "x`, "literal: string literal not terminated"},
		{`AzureDiagnostics | where Level`, "where: the condition must be a bool expression, not string"},
		{`AzureDiagnostics | where TimeGenerated > ago("x")`, "ago: expects a timespan"},
		{`AzureDiagnostics | take`, "take: expected an expression, found end of query"},
		{`AzureDiagnostics | where a ==`, "where: expected an expression"},
		{`AzureDiagnostics | order TimeGenerated`, "order: expected 'by'"},
		{`AzureDiagnostics | parse Message with`, "parse: empty pattern"},
		{`AzureDiagnostics | where x !between (1 .. 2) | extend 5x`, "unknown timespan unit"},
		{`AzureDiagnostics | project Level, Level`, "projected twice"},
		{`AzureDiagnostics | summarize count(), count()`, "appears twice"},
		{`AzureDiagnostics | where Level == "a" #`, "unexpected character '#'"},
		{`AzureDiagnostics | project-away Nope`, "project-away: no column matches 'Nope'"},
		{`AzureDiagnostics | where Level !like "a"`, "the operator '!like' is not supported"},
		{`AzureDiagnostics | count extra`, "unexpected 'extra'"},
	}
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			_, err := Run(c.q, Env{Tables: map[string]*Table{"AzureDiagnostics": diagnostics()}, Now: t0})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

// TestPure checks that ago() follows Env.Now, not the system clock.
func TestPure(t *testing.T) {
	q := `AzureDiagnostics | where TimeGenerated > ago(5m) | count`
	for now, want := range map[time.Time]string{t0.Add(time.Hour): "1", t0.Add(24 * time.Hour): "0", t0.Add(53 * time.Minute): "5"} {
		r, err := Run(q, Env{Tables: map[string]*Table{"AzureDiagnostics": diagnostics()}, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, r.Rows[0][0].String(), want)
	}
}

func TestMaxRows(t *testing.T) {
	_, err := Run(`AzureDiagnostics | take 5`, Env{Tables: map[string]*Table{"AzureDiagnostics": diagnostics()}, MaxRows: 3})
	if err == nil || !strings.Contains(err.Error(), "exceeds 3 rows") {
		t.Fatalf("got %v", err)
	}
}

func FuzzRun(f *testing.F) {
	f.Add(`AzureDiagnostics | where Category == "IKEDiagnosticLog" | parse Message with * "Remote " R ":" * | summarize count() by R`)
	f.Add(`let x = 5m; AzureDiagnostics | where TimeGenerated > ago(x) | top 3 by TimeGenerated desc | project-away Message`)
	f.Add(`AzureDiagnostics | summarize arg_max(TimeGenerated, *), make_set(Level) by bin(TimeGenerated, 1h) | order by TimeGenerated`)
	f.Add(`AzureDiagnostics | extend a = split(Message, " ")[0], b = parse_json("[1,2]") | distinct a, tostring(b)`)
	f.Add(`AzureDiagnostics | where Message has_any ("a") and TimeGenerated between (datetime(2026-01-01) .. 1d) or not(isempty(Level))`)
	tables := map[string]*Table{"AzureDiagnostics": diagnostics()}
	f.Fuzz(func(t *testing.T, q string) {
		r, err := Run(q, Env{Tables: tables, Now: t0, MaxRows: 10000})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for _, row := range r.Rows {
			if len(row) != len(r.Columns) {
				t.Fatalf("row of %d values for %d columns", len(row), len(r.Columns))
			}
		}
	})
}
