// Package contract is what the lab (on the host) and the nodes (in the
// containers) agree on: the specs the lab writes into a node (SpecFile:
// GatewaySpec, AzureSpec), what nodes print back (ProbeResult, PMTU,
// Counter, InstanceState), the router's traffic classes and directions, the
// sides of the connection, and the paths, ports and environment they share.
//
// lab, collect and node import it; lab and collect do not import node (the
// container runtime), and node does not import lab. It holds data and the
// one derivation both ends need (AzureGatewaySpec: how Azure configures its
// own instances from the model), no I/O.
package contract
