package contract

import "time"

// Class is a class of IPsec traffic the internet router tells apart: it
// counts each class per direction, and a fault can drop one.
type Class string

// The classes, as the router counts them. kernel-libipsec sends IKE_SA_INIT
// on UDP 500, then IKE and ESP-in-UDP on 4500 (RFC 3948: a four-zero-byte
// non-ESP marker tells IKE from an ESP SPI).
const (
	IKE500  Class = "ike-udp500"  // UDP port 500
	IKE4500 Class = "ike-udp4500" // IKE on UDP 4500
	ESP4500 Class = "esp-udp4500" // ESP in UDP on 4500
	ESP     Class = "esp"         // raw ESP (IP protocol 50)
	Other   Class = "other"       // anything else (counted only)
)

// Classes are the classes a fault can block, in the router's order.
var Classes = []Class{IKE500, IKE4500, ESP4500, ESP}

// CounterClasses are the classes the router counts, in rule order.
var CounterClasses = []Class{IKE500, IKE4500, ESP4500, ESP, Other}

// Direction is traffic through the router by the side it goes to.
type Direction string

// The directions.
const (
	ToAzure  Direction = "to-azure"
	ToOnprem Direction = "to-onprem"
)

// Directions lists both directions.
var Directions = []Direction{ToAzure, ToOnprem}

// CounterName is the name of a router counter, e.g. "to-azure/esp-udp4500".
func CounterName(d Direction, c Class) string { return string(d) + "/" + string(c) }

// Side is one end of the site-to-site connection.
type Side string

// The sides.
const (
	Onprem Side = "onprem"
	Azure  Side = "azure"
)

// Sides lists both sides.
var Sides = []Side{Onprem, Azure}

// ConnChange changes a side's connection in the lab's terms; a zero field
// keeps what the side is configured with.
type ConnChange struct {
	IKE        []string // IKE (phase 1) proposals, strongSwan syntax
	IKEVersion int      // 1 or 2
	ESP        []string // ESP (phase 2) proposals, a PFS group appended
	// PeerAddress is where IKE goes (and the identity expected of the peer).
	PeerAddress string
	// LocalID is the identity the side sends.
	LocalID string
	// LocalTS and RemoteTS replace the CHILD SA's traffic selectors.
	LocalTS, RemoteTS []string
	// DPDOff turns dead peer detection off.
	DPDOff bool
	// ChildLifetime shortens the CHILD SA's life: it rekeys then, or with
	// ChildNoRekey never rekeys and expires then.
	ChildLifetime time.Duration
	ChildNoRekey  bool
}
