package compat

import (
	"fmt"
	"time"
)

// Source is where a value came from: a file and a 1-based line. The zero
// Source means unknown (a value from a live lab or a default).
type Source struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
}

func (s Source) String() string {
	switch {
	case s.File != "" && s.Line > 0:
		return fmt.Sprintf("%s:%d", s.File, s.Line)
	case s.File != "":
		return s.File
	case s.Line > 0:
		return fmt.Sprintf("line %d", s.Line)
	}
	return ""
}

// Value is one configured value and where it came from. Set is false when
// the configuration does not say, so that the device's own default applies
// (importers fill Set defaults they know, with the Source of the section).
type Value[T any] struct {
	V   T
	Set bool
	Source
}

// At returns a set Value.
func At[T any](v T, src Source) Value[T] { return Value[T]{V: v, Set: true, Source: src} }

// Device is a vendor-neutral on-premises VPN device configuration: one
// site-to-site connection to an Azure VPN gateway.
//
// Algorithms use strongSwan's proposal keywords joined by '-'
// ("aes256-sha256-modp1024" for IKE, "aes256gcm16" or "aes256-sha1" for ESP),
// whatever the vendor's syntax; importers translate.
type Device struct {
	Name string

	IKEVersion    Value[int]             // 1 or 2
	IKEProposals  []Value[string]        // e.g. aes256-aes128-sha1-modp1024
	IKELifetime   Value[time.Duration]   //
	ESPProposals  []Value[string]        // without a DH group, e.g. aes256-sha1
	PFS           Value[string]          // "none" or a DH group keyword such as modp2048
	ChildLifetime Value[time.Duration]   //
	ChildLifeKB   Value[int64]           // 0 with Set: no volume limit
	DPD           Value[time.Duration]   // interval; 0 with Set: DPD off
	PolicyBased   Value[bool]            // crypto map / policy-based VPN rather than a tunnel interface
	LocalTS       []Value[string]        // traffic selectors, CIDR; none means 0.0.0.0/0 when route-based
	RemoteTS      []Value[string]        //
	Peers         []Value[string]        // the Azure gateway address(es) the device connects to
	LocalAddress  Value[string]          // the device's own IKE address, possibly private (NAT)
	LocalID       Value[string]          // IKE identity the device sends; unset: its address
	RemoteID      Value[string]          // identity it expects from Azure; unset: any or the peer address
	PSK           Value[Secret]          // unset: no pre-shared key (certificates or none)
	NATT          Value[string]          // "auto" (default), "off" or "force"
	MSSClamp      Value[int]             // TCP MSS clamp on the tunnel; 0 with Set: none
	TunnelMTU     Value[int]             // tunnel interface MTU
	MSSOutside    bool                   // the syntax cannot say (Linux: iptables clamps): the MSS check is a note
	StaticRoutes  []Value[string]        // prefixes routed into the tunnel
	BGP           *BGP                   // nil: no BGP
	Notes         []Value[string]        // what the importer could not express, for the report
	Defaults      map[string]Value[bool] // optional: fields filled from the vendor's defaults, by name
}

// BGP is the device's BGP toward Azure.
type BGP struct {
	ASN          Value[uint32]
	LocalAddress Value[string] // the source of the session (update-source / local-address)
	Neighbors    []Neighbor
	Announced    []Value[string] // prefixes the device advertises
	HoldTime     Value[time.Duration]
}

// Neighbor is one BGP neighbor of the device.
type Neighbor struct {
	Address  Value[string]
	ASN      Value[uint32]
	Multihop Value[int] // eBGP multihop TTL; 0 with Set: directly connected only
}

// Secret holds a pre-shared key. It never prints its value: String,
// GoString, Format and MarshalJSON all say "<redacted>". Compare it with
// Equal.
type Secret struct {
	v      string
	opaque bool
}

// NewSecret wraps a key.
func NewSecret(key string) Secret { return Secret{v: key} }

// OpaqueSecret is a key the device stores encrypted ("$9$...", "ENC ...",
// Cisco type 6/7/8): present, but not comparable.
func OpaqueSecret() Secret { return Secret{opaque: true} }

// Opaque reports whether the key is present but stored encrypted.
func (s Secret) Opaque() bool { return s.opaque }

// Equal reports whether the secret is key, in constant time of the length.
func (s Secret) Equal(key string) bool {
	if len(s.v) != len(key) {
		return false
	}
	var d byte
	for i := range len(key) {
		d |= s.v[i] ^ key[i]
	}
	return d == 0
}

// Empty reports whether there is no key.
func (s Secret) Empty() bool { return s.v == "" && !s.opaque }

// Placeholder reports whether the key is a published sample's stand-in:
// masked ("*****", "XXXX..."), or a placeholder such as <shared-key>.
func (s Secret) Placeholder() bool { return IsPlaceholder(s.v) }

// Reveal returns the key, only to configure a device with it (the lab's
// stand-in); never print or log it.
func (s Secret) Reveal() string { return s.v }

func (Secret) String() string                 { return "<redacted>" }
func (Secret) GoString() string               { return "<redacted>" }
func (Secret) MarshalJSON() ([]byte, error)   { return []byte(`"<redacted>"`), nil }
func (Secret) Format(f fmt.State, _ rune)     { f.Write([]byte("<redacted>")) }
func (s Secret) MarshalText() ([]byte, error) { return []byte("<redacted>"), nil }
