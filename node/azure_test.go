package node

import (
	"testing"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

func TestAzureBgpState(t *testing.T) {
	for s, want := range map[string]string{
		"ESTABLISHED": azure.BgpStateConnected, "IDLE": azure.BgpStateIdle,
		"CONNECT": azure.BgpStateConnecting, "ACTIVE": azure.BgpStateConnecting,
		"OPENSENT": azure.BgpStateConnecting, "OPENCONFIRM": azure.BgpStateConnecting,
		"": azure.BgpStateUnknown, "UNKNOWN": azure.BgpStateUnknown,
	} {
		if got := azureBgpState(s); got != want {
			t.Errorf("azureBgpState(%q) = %q, want %q", s, got, want)
		}
	}
}
