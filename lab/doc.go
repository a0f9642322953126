// Package lab brings up and tears down a vpnlab topology of real containers
// (through testcontainers-go): an on-prem workload host and VPN device, an
// internet router, and the fake Azure VPN gateway with a VM behind it.
//
// Every container and network carries the label vpnlab.lab=<lab id>; Close
// and Down remove by that label, so a half-built lab is cleaned up too.
package lab
