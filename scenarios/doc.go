// Package scenarios holds vpnlab's scenarios: data files, one a scenario,
// each a summary, a trainee's briefing, the faults to inject into the real
// components and what the diagnosis should conclude. The diagnosis engine
// never reads them.
package scenarios
