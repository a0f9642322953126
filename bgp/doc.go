// Package bgp runs a BGP speaker built on GoBGP (github.com/osrg/gobgp/v3)
// as a library, and reads a speaker's state over GoBGP's gRPC API.
//
// A lab node runs one Speaker with one peer: the other end of the tunnel.
// The host reads the same PeerStatus and Route values through a Client.
package bgp
