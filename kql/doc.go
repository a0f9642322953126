// Package kql evaluates a subset of the Kusto Query Language (KQL), the
// language of Azure Monitor Log Analytics, over in-memory tables of typed
// columns. It is large enough for the queries Azure documents for VPN
// gateway diagnostic logs (AzureDiagnostics with GatewayDiagnosticLog,
// TunnelDiagnosticLog, RouteDiagnosticLog, IKEDiagnosticLog and
// P2SDiagnosticLog) and for the usual ways of slicing them.
//
// Evaluation is pure: [Run] reads only the query, the tables and the clock
// given in [Env]; ago() and now() use Env.Now, never the system clock.
// The package depends on the standard library only.
//
// Supported:
//
//   - statements: let Name = scalar-expression; let Name = tabular-expression;
//   - tabular operators: where (filter), project, project-away,
//     project-rename, extend, summarize … by …, order by / sort by,
//     take / limit, top N by, distinct, count, parse (simple mode),
//     getschema
//   - scalar operators: == != =~ !~ < <= > >= + - * / %, and, or, has, !has,
//     has_cs, contains, !contains, contains_cs, startswith, !startswith,
//     endswith, !endswith, in, !in, in~, !in~, has_any, matches regex,
//     between (a .. b)
//   - functions: see [Functions]; aggregations: see [Aggregations]
//
// Anything else is refused with an [*Error] that names the operator (or
// function) and the line and column where it appears. The result is a new
// [Table]; the input tables are never changed.
package kql
