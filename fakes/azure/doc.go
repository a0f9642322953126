// Package azure is the fake Azure VPN gateway's brain: the Azure-shaped
// model of a site-to-site setup (virtual network gateway, local network
// gateway, connection), the runtime state a daemon feeds into it, the
// AzureDiagnostics records that state produces, and an HTTP handler that
// serves it in the shape of Azure Resource Manager.
//
// The package does no I/O of its own apart from the handler it returns, and
// knows nothing of strongSwan or GoBGP: a daemon translates charon and BGP
// speaker events into calls such as [Gateway.TunnelConnected],
// [Gateway.IKELog] and [Gateway.SetBgpPeer].
//
// A change made through the API (a PUT of a resource, a new shared key, a
// gateway reset) is validated as Azure would, then made real by a
// [Reconfigurer] the daemon supplies, and only then committed. Actions
// Azure runs as long-running operations answer 202 Accepted with the
// Azure-AsyncOperation and Location URLs ARM clients poll, so that the
// Azure SDK for Go (armnetwork) works against the handler unchanged.
//
// A gateway has two instances, each a [Gateway] in its own daemon. In
// active-standby a standby instance passes the ARM requests it gets on to
// the active one ([WithForward]), so that clients keep one endpoint across
// failovers; in active-active ([VirtualNetworkGateway.ActiveActive]) each
// instance has its own public IP and BGP address and the API shows both
// instances' tunnels, BGP sessions and routes ([WithPeerView]). The active
// instance keeps the other configured alike ([Gateway.Replicate]).
//
// Azure facts honoured here (enum values, property names, log categories,
// operation names, status values) come from the Azure VPN Gateway
// documentation and the REST specifications.
//
// With [WithIdentity] the handler is also a small Azure Stack Hub-like
// cloud: {arm}/metadata/endpoints, an OpenID issuer with a
// client-credentials token endpoint, and tokens checked for signature,
// issuer, audience and expiry on every ARM and Log Analytics request. The
// diagnostic records are served by a Log Analytics-shaped query API that
// runs KQL (package kql) over the AzureDiagnostics table.
//
// The connection's shared key is returned only by GET sharedkey, to an
// authorised caller, as Azure does. It is never serialised with the
// connection, and every key the connection has had is redacted from log
// records, query results, error messages and troubleshoot archives,
// including records written before the key was set.
package azure
