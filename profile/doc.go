// Package profile reads and checks device profiles.
//
// A device profile is a YAML file describing what a network team configures
// on its on-premises VPN device to reach an Azure VPN gateway: the IKE and
// IPsec proposals and lifetimes, dead peer detection, traffic selectors,
// BGP or static routing, the prefixes behind the device, and MSS clamping
// and tunnel MTU. vpnlab configures its strongSwan and GoBGP device from a
// profile; the same format serves to check a vendor's configuration.
//
// A profile carries no secrets: the pre-shared key is not part of it, the
// lab supplies it.
//
// Proposals use strongSwan's syntax, keywords joined by '-', for example
// "aes256-sha256-modp1024" for IKE or "aes256gcm16" for ESP. PFS is set once
// in ipsec.pfs and appended to every ESP proposal (see ESPProposals).
// Durations are Go duration strings ("45s", "8h") or whole seconds (45).
//
// Load and Parse reject unknown fields, fill every field the file leaves out
// from Default, and validate the result. Every problem is reported, each as
// a *FieldError naming the file, line and field:
//
//	profiles/x.yaml:12: ike.proposals[1]: unknown algorithm "aes257" (known: aes128, ...)
//
// The top-level profiles directory holds examples;
// profiles/strongswan-route-based.yaml spells out Default.
package profile
