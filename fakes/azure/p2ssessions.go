package azure

import "slices"

// VpnClientConnectionHealthDetail is one point-to-site session as
// getVpnclientConnectionHealth lists it, which the portal shows under the
// gateway's "Point-to-site sessions"
// (https://learn.microsoft.com/rest/api/network-gateway/virtual-network-gateways/get-vpnclient-connection-health).
type VpnClientConnectionHealthDetail struct {
	VpnConnectionID           string `json:"vpnConnectionId"`
	VpnConnectionDuration     int64  `json:"vpnConnectionDuration"` // seconds
	VpnConnectionTime         string `json:"vpnConnectionTime,omitempty"`
	PublicIPAddress           string `json:"publicIpAddress"`
	PrivateIPAddress          string `json:"privateIpAddress"`
	VpnUserName               string `json:"vpnUserName"`
	IngressBytesTransferred   int64  `json:"ingressBytesTransferred"`
	EgressBytesTransferred    int64  `json:"egressBytesTransferred"`
	IngressPacketsTransferred int64  `json:"ingressPacketsTransferred"`
	EgressPacketsTransferred  int64  `json:"egressPacketsTransferred"`
}

// SetP2SSessions sets the point-to-site sessions this instance holds; their
// number is the metric P2SConnectionCount.
func (g *Gateway) SetP2SSessions(s []VpnClientConnectionHealthDetail) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sessions = slices.Clone(s)
	g.p2s = len(s)
}

// P2SSessions returns the point-to-site sessions this instance holds.
func (g *Gateway) P2SSessions() []VpnClientConnectionHealthDetail {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.sessions)
}
