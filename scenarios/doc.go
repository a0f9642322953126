// Package scenarios holds vpnlab's scenarios: data files, one a scenario,
// each a summary, a trainee's briefing, the faults to inject into the real
// components and what the diagnosis should conclude. The diagnosis engine
// never reads them; the expected category is one of diagnose's.
//
// A fault kind (kinds.go, registered in kinds()) acts on the Lab interface,
// which speaks the lab's own terms, never iptables arguments or strongSwan
// structs:
//
//	l.Block(ctx, contract.ESP4500, contract.ToAzure)   // the router drops ESP-in-UDP to Azure
//	l.LimitPath(ctx, 1300, false)                      // packets > 1300 bytes vanish (no ICMP)
//	l.ChangeConn(ctx, contract.Onprem, contract.ConnChange{ESP: []string{"aes128gcm16"}})
//	l.SetSharedKey(ctx, contract.Azure, key); l.SetBGPPeerASN(ctx, side, peer, local)
//	l.SetTunnelMTU(ctx, side, mtu, mss); l.ReissueClientCert(ctx, nb, na); l.Failover(ctx, planned, d)
//
// each with its undo (Unblock, UnlimitPath, RestoreConn, ...). The
// router builds the rules (node.Fault), so the traffic classes it counts and
// the ones a fault drops are one list (contract.Classes). A new kind that
// reuses these actions touches this package only; tests record the calls
// with recLab (kinds_test.go).
package scenarios
