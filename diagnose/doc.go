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
package diagnose
