package node

import "testing"

const (
	authFailed  = "tried 1 shared key for '203.0.113.10' - '198.51.100.10', but MAC mismatched"
	noProposal  = "no acceptable proposal found"
	saInit      = "parsed IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) ]"
	received    = "received packet: from 198.51.100.10[500] to 203.0.113.10[500] (464 bytes)"
	established = "IKE_SA onprem-conn[1] established between 203.0.113.10[203.0.113.10]...198.51.100.10[198.51.100.10]"
	givingUp    = "giving up after 3 retransmits"
	retransmit  = "retransmit 1 of request with message ID 2"
	ikeDelete   = "received DELETE for IKE_SA onprem-conn[1]"
	childDelete = "received DELETE for ESP CHILD_SA with SPI c1a2b3c4"
	proposals   = "received proposals: IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_1024"
	childFailed = "failed to establish CHILD_SA, keeping IKE_SA"
	local       = "203.0.113.10"
)

func TestIKEMessage(t *testing.T) {
	tests := []struct {
		msg  string
		want ikeLine
	}{
		{authFailed, ikeLine{"Error", "LOCAL", "Authentication failed. Check shared key. Check crypto. Check lifetimes. (13801)"}},
		{noProposal, ikeLine{"Error", "SEND", "[NOTIFY] Sending Notify Message - Policy Mismatch"}},
		{saInit, ikeLine{"Informational", "RECEIVED", "[SA_INIT] Received IKE SA_INIT message"}},
		{"generating IKE_SA_INIT response 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) ]",
			ikeLine{"Informational", "SEND", "[SA_INIT] Sending IKE SA_INIT response"}},
		{"parsed IKE_AUTH request 1 [ IDi AUTH SA TSi TSr ]",
			ikeLine{"Informational", "RECEIVED", "[SA_AUTH] Received IKE AUTH message"}},
		{childFailed, ikeLine{"Error", "LOCAL", "IkeCleanupQMNegotiation called with error 13868"}},
		{ikeDelete, ikeLine{"Informational", "RECEIVED", "[DELETE] Received IKE SA delete"}},
		// "giving up after 3 retransmits" also contains "retransmit": the earlier rule wins.
		{givingUp, ikeLine{"Warning", "LOCAL", "Peer not responding: giving up after retransmits"}},
		// Rules without a text log charon's own words.
		{proposals, ikeLine{"Informational", "RECEIVED", proposals}},
		{established, ikeLine{"Informational", "LOCAL", established}},
		{retransmit, ikeLine{"Warning", "SEND", retransmit}},
		// No rule: not logged.
		{received, ikeLine{}},
		{"", ikeLine{}},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			if got := ikeMessage(tt.msg); got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestRemoteOf(t *testing.T) {
	tests := []struct {
		msg, local, want string
	}{
		{received, local, "198.51.100.10"},
		{authFailed, local, "198.51.100.10"},
		{established, local, "198.51.100.10"},
		{"received packet: from 203.0.113.10[4500] to 203.0.113.100[4500]", local, "203.0.113.100"},
		// Seen from the other end, the first address is the peer.
		{received, "198.51.100.10", "203.0.113.10"},
		{saInit, local, ""},
		{"sending packet: from 203.0.113.10[500] to 203.0.113.10[500]", local, ""},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			if got := remoteOf(tt.msg, tt.local); got != tt.want {
				t.Errorf("remoteOf(%q, %q) = %q, want %q", tt.msg, tt.local, got, tt.want)
			}
		})
	}
}

func TestDisconnectReason(t *testing.T) {
	tests := []struct {
		msg, want string
	}{
		{givingUp, "Peer not responding (DPD timeout)"},
		{ikeDelete, "Peer deleted IKE SA"},
		{childDelete, "Peer deleted CHILD SA"},
		{authFailed, "Authentication failed"},
		{noProposal, ""},
		{retransmit, ""},
		{received, ""},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			if got := disconnectReason(tt.msg); got != tt.want {
				t.Errorf("disconnectReason(%q) = %q, want %q", tt.msg, got, tt.want)
			}
		})
	}
}

// TestP2SFailureRadius: eap-radius's lines (strongSwan 5.9.8, as the lab's
// gateway prints them) reach the P2S diagnostic log with their reason.
func TestP2SFailureRadius(t *testing.T) {
	tests := []struct{ msg, want string }{
		{"RADIUS Access-Request timed out after 2 attempts", "no response from the RADIUS server: RADIUS Access-Request timed out after 2 attempts"},
		{"received RADIUS Access-Reject from server 'azure-p2s'", "RADIUS authentication failed: received RADIUS Access-Reject from server 'azure-p2s'"},
		{"sending RADIUS Access-Request to server 'azure-p2s'", ""},
	}
	for _, tt := range tests {
		if !p2sLog(tt.msg) {
			t.Errorf("p2sLog(%q) = false", tt.msg)
		}
		if got := p2sFailure(tt.msg); got != tt.want {
			t.Errorf("p2sFailure(%q) = %q, want %q", tt.msg, got, tt.want)
		}
	}
}
