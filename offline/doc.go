// Package offline builds diagnosis evidence from what a real incident
// leaves behind — log files, command output, Azure exports — so that the
// engine (package diagnose) gives the same verdict offline as on a live
// lab. It depends on the standard library and diagnose only, does no
// network I/O, and Parse is deterministic: times come from the inputs,
// never from a clock.
//
// Evidence reads files and directories (walked recursively; .zip and .gz
// opened); Parse reads in-memory inputs (`diagnose --from -` passes
// standard input as "stdin"). Each file's format is recognised from its
// first lines (Network Watcher files by their name) by the registry of
// formats ([Formats], sniff.go: one entry per format, which also feeds the
// --from help, the error message and the README). Any text is read: the
// lines no structured reader takes — all of a paste, a fragment, a console
// session, another vendor's log — go to Evidence.Text with their
// file:line, where the knowledge base's signatures read them. Only an empty
// or binary input is an error naming it ([ErrNotLog]).
//
// Formats and what they give:
//
//	strongswan-log            charon file log (time_format %Y-%m-%dT%H:%M:%S, the default
//	                          "Nov 22 02:22:37", or none), syslog, journalctl text →
//	                          Onprem.Log (source "charon"); the SAs up at the end of the log
//	                          → Onprem.IKE when no swanctl listing is among the inputs.
//	                          A client's log (it requests a virtual IP) → P2S[0].Log.
//	swanctl-list-sas          → Onprem.IKE with CHILD SA bytes and packets
//	swanctl-list-conns        → Onprem.Config IKE version, DPD delay
//	ipsec-config              swanctl.conf / ipsec.conf → Onprem.Config proposals, version, DPD
//	libreswan-log             pluto lines → Onprem.Log (source "pluto", verbatim), SA state
//	bgp-log                   FRR bgpd, gobgpd (logfmt or syslog) → Onprem.Log (source "bgp")
//	gobgp-neighbor,           `gobgp neighbor [ip]`, `show bgp neighbor`, `show bgp summary`
//	frr-bgp-neighbor          → Onprem.BGP, Config ASNs; a last reset's NOTIFICATION
//	                          → Onprem.Log (source "bgp", no time)
//	windows-rasclient         Get-EventLog / Get-WinEvent (Format-List): RRAS → Onprem.Log,
//	                          client events → P2S[0].Log (source "windows"), codes kept
//	windows-event-viewer      Event Viewer's tab-separated export, as above
//	windows-vpn-client-errors bare client error messages ("(エラー 798)") → P2S[0].Log
//	windows-certificates      Get-ChildItem Cert:\... | Format-List → P2S[0].Cert and roots
//	x509-certificate          PEM/DER certificates → P2S[0].Cert and roots (with client evidence)
//	azure-diagnostics-json    AzureDiagnostics rows (array, {"value"}, {"records"}, JSON lines,
//	azure-diagnostics-csv     Log Analytics {"tables"}) and CSV → Azure.Logs; the latest
//	                          TunnelConnected/Disconnected per instance → ConnectionStatus
//	                          when nothing states it
//	azure-connection-status   connection JSON / Get-AzVirtualNetworkGatewayConnection →
//	                          ConnectionStatus, byte counters; gateway and local network
//	                          gateway → ASNs, enableBgp, uploaded roots, revoked certificates;
//	                          BGP peer status → Azure.BGPPeers
//	network-watcher-archive   ConnectionStats.txt → status and bytes; IKEErrors.txt,
//	                          IKElogs.txt, Scrubbed-wfpdiag.txt → IKEDiagnosticLog rows
//	json-log                  the lab's node events, gobgpd's JSON log → Onprem.Log
//	iputils-ping              ping output, runs concatenated (a "$ ping ..." line before each
//	                          is ignored; `ping -D` times kept) → Probes: default-size runs
//	                          summed → Ping; sized runs (`-M do -s N`, IP size in "N(M) bytes")
//	                          → PMTU (replies: passes; "message too long, mtu=", "Frag needed
//	                          and DF set (mtu = )": refused; 100% loss, no error: silent);
//	                          the runs' targets → Target
//	ipsec-secrets (dropped),  recognised and not read
//	private-key (dropped)
//
// Readings without a window: one `swanctl --list-sas` listing (or one
// connection status) gives counters since the SA (connection) came up, so
// its packet (byte) deltas are its totals; two listings or more give the
// deltas between the first and the last.
//
// Times: times without a zone are read as UTC (`ping -D` times are Unix
// times); syslog times without a year
// take the year of the latest dated time among the inputs (Evidence: else
// of the newest file). CollectedAt is the latest time seen in the inputs,
// WindowStart the earliest.
//
// Secrets: lines of PEM private key blocks are dropped where files are
// read; the value after psk, secret, sharedKey, password (with '=' or ':')
// and ipsec.secrets' `PSK "..."` is replaced by "<redacted>" in every
// message kept; shared keys in Azure objects are never read.
//
// Not filled from offline inputs: Path (no packet counters on the way),
// Probes.TCPConnect and TCPBulk, Onprem.Routes, Config.TunnelMTU and
// MSSClamp; Azure.BGPPeers and
// Config come only from the Azure objects (not from RouteDiagnosticLog).
package offline
