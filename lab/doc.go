// Package lab brings up and tears down a vpnlab topology of real containers
// (through testcontainers-go): an on-prem workload host and VPN device, an
// internet router, and the fake Azure VPN gateway with a VM behind it.
//
// The lab's segments take nothing from the host (links.go): each is a veth
// pair between two containers' network namespaces, or a bridge inside the
// lab's switch container with a veth from each member, created over netlink
// once the containers run; their roles wait for their links (node.LinksEnv).
// Only the nodes that publish ports on 127.0.0.1 join a per-lab management
// network. Labs with the same addresses therefore run side by side.
//
// Every container and network carries the label vpnlab.lab=<lab id> (and
// vpnlab.scope=<scope> when VPNLAB_SCOPE is set); Close and Down remove by
// label, so a half-built lab is cleaned up too, and List, Down and Attach
// see only the labs of the current scope.
//
//	l, timings, status, err := lab.StartHealthy(ctx, lab.WithScenario("healthy"))
//	defer l.Close(ctx) // Close accepts a nil or half-built lab
//	if err != nil { ... } // not healthy within 60 s (WithHealthyTimeout)
//
// StartHealthy is Start (containers, links, roles) then Wait (tunnel, BGP
// and the Azure view up); use Start alone to look at a lab that is not
// meant to come up.
package lab
