// Package diagnose is vpnlab's diagnosis engine: Diagnose is a pure function
// from Evidence to Verdict. It does no I/O, reads no clock and depends on the
// standard library only, so the same engine serves a live lab, a saved
// evidence bundle and a real device's logs.
//
// The categories and the isolation order are those of the Azure VPN Gateway
// troubleshooting deck (seed 000 §5.1, §5.2): tunnel setup, authentication,
// routing, operations. Every fix cites its source section.
package diagnose
