// Package compat compares an on-premises VPN device's configuration with
// the Azure VPN gateway side and says what will not work, and when.
//
// The device side is a [Device]: a vendor-neutral configuration (proposals
// in strongSwan keywords, PFS, lifetimes, DPD, IKE version, traffic
// selectors, peer addresses, identities, pre-shared key, NAT-T, BGP, MSS
// and MTU), each value a [Value] that may carry the [Source] (file, line)
// it came from. Importers of vendor syntaxes fill it (package devconf); a
// live lab can fill it from its device profile without any file.
//
// The Azure side is an [Azure]: the fake gateway's [azure.Model] plus which
// parts the user gave ([Given]); [Assumed] is a route-based gateway with
// Azure's defaults, [Lab] a fully known lab model.
//
//	findings := compat.Check(device, compat.Lab(model))
//
// On a live lab, profile.Profile.Device(peer, local) gives the device from
// the lab's profile and compat.Lab the Azure side from its azure.Model, so
// the diagnosis engine's rules can report latent mismatches (PFS that only
// breaks when Azure rekeys, missing DPD, MSS) before they bite.
//
// [Check] is a pure function (no I/O, no clock, standard library and
// fakes/azure only). Each [Finding] has a [Severity] (Down: will not come up;
// Latent: breaks at a rekey, DPD or failover; Degrades; Note), the fault
// catalog's category and fault id, the device source line, Azure's rule
// and where it is written, and a fix. [Kinds] lists the checks: the
// registry that help and docs are made from.
//
// The pre-shared key is a [Secret]: it prints as <redacted> in every
// format and is compared with [Secret.Equal]; no finding quotes it.
package compat
