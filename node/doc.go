// Package node is what runs inside a lab container: one role per container.
//
//   - gateway: a VPN device (charon + a GoBGP speaker) from a GatewaySpec,
//     used for the on-prem device;
//   - azure: the fake Azure VPN gateway: the same gateway runtime, configured
//     from an Azure-shaped model the way Azure configures itself, plus the
//     Azure-like control plane of package fakes/azure;
//   - router: the internet between the two sites, counting what it forwards;
//   - host: a workload host (and a TCP service to connect to);
//   - probe: data-plane probes run inside a host (TCP connect, DF ping sweep).
//
// Every role writes structured events, one JSON object a line, to stdout and
// to EventsFile, from which the lab collects evidence.
package node
