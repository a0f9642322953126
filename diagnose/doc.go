// Package diagnose is vpnlab's diagnosis engine: Diagnose is a pure function
// from Evidence to Verdict. It does no I/O, reads no clock and depends on the
// standard library only, so the same engine serves a live lab, a saved
// evidence bundle and a real device's logs.
//
// The categories and the isolation order are those of the Azure VPN Gateway
// troubleshooting deck (seed 000 §5.1, §5.2): tunnel setup, authentication,
// routing, operations. Every fix cites its source section.
//
// The rules, in the order they are tried (the first match is the verdict):
//
//	① tunnel setup    shared-key-mismatch, ike-policy-mismatch (no IKE SA);
//	                  ipsec-policy-mismatch (IKE SA, no CHILD SA);
//	                  peer-unreachable (no IKE SA, no answer);
//	                  esp-blocked (both SAs up, ESP does not cross)
//	② authentication  certificate-untrusted (P2S)
//	③ routing         bgp-asn-mismatch, route-missing
//	④ operations      mtu-blackhole, certificate-expired /
//	                  certificate-not-yet-valid (P2S), maintenance-failover
//
// then healthy when every check passes, else unknown. ESP blocked comes
// before the BGP rules because BGP over the tunnel dies of it; maintenance
// comes last because a past failover explains nothing a current fault
// does. The first match of another domain (site-to-site, point-to-site,
// gateway maintenance) is reported as an "also:" fact.
//
// Confidence is about 0.9–0.95 when the signature is explicit on both
// sides, 0.6–0.8 with one side or indirect evidence, at most 0.8 when a
// whole VPN side is absent and at most 0.5 for unknown. The device is
// believed over Azure for the tunnel state; a disagreement is stated as a
// fact and lowers the confidence.
//
// # The knowledge base and the lines
//
// The faults (category, title, sources, fix, what to collect next) and the
// signatures that reveal them in each log family are data in package kb
// (diagnose/kb/faults, diagnose/kb/signatures), embedded and validated by
// its tests. Every log line of the evidence — the device's and the P2S
// clients' logs, Azure's diagnostic rows and Evidence.Text (unstructured
// input: a paste, another vendor's log) — is redacted and matched once
// against every signature (newView → scanLines), live and offline alike.
// A rule asks for findings by fault and side, never by substring:
//
//	sigKey := sig{faults: []string{"shared-key-mismatch"}}
//	dl, dok := v.devFind(sigKey)   // the latest device line with such a finding
//	al, aok := v.azFind(sigKey)    // Azure's
//	facts = append(facts, v.fact(dl)) // quotes the line with its file:line
//
// When no rule matches and the evidence is not healthy, the lines decide
// (fromLines): each fault's findings are weighed — strongest signature
// first, then the isolation order, then the number of lines and sides; a
// fault whose symptoms a better-supported fault explains (kb explains) or
// that only consequences show is not the cause. The confidence follows the
// support: one strong line 0.8, more lines or both sides up to 0.95, one
// medium line 0.6, weak symptoms 0.4–0.5, only consequences 0.3, less when
// a runner-up in another category is as well supported. A verdict's
// category is always its fault's category in the knowledge base.
//
// Every verdict carries the lines it rests on (Cited: ref, line, signature),
// the other candidates, what to collect next when it is not sure, the log
// families recognised and the lines nothing recognised (Unplaced).
//
// The API other packages rely on is Diagnose(Evidence) Verdict and the
// Evidence and Verdict types; fields are only ever added.
package diagnose
