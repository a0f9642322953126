package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vpnlab/vpnlab/lab"
)

func TestPrintEnv(t *testing.T) {
	e := lab.Env{ARMEndpoint: "https://127.0.0.1:32768/", Authority: "https://127.0.0.1:32768/", TenantID: "t-1",
		ClientID: "c-1", ClientSecret: "vpnlab~it's", SubscriptionID: "s-1", ResourceGroup: "vpnlab-rg",
		WorkspaceID: "w-1", LogAnalyticsEndpoint: "https://127.0.0.1:32768/v1", CAFile: "/tmp/vpnlab-x/api-ca.pem",
		Connection: "onprem-conn"}
	var b bytes.Buffer
	printEnv(&b, e)
	for _, want := range []string{
		"export AZURE_TENANT_ID=t-1", `export AZURE_CLIENT_SECRET='vpnlab~it'\''s'`,
		"export AZURE_LOG_ANALYTICS_WORKSPACE_ID=w-1", "REQUESTS_CA_BUNDLE='/tmp/vpnlab-x/api-ca.pem'",
		"ARM_METADATA_HOSTNAME=127.0.0.1:32768", "az cloud register -n vpnlab --endpoint-resource-manager https://127.0.0.1:32768/",
		"Add-AzEnvironment -Name vpnlab -ARMEndpoint 'https://127.0.0.1:32768/'", `metadata_host = "127.0.0.1:32768"`,
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("lab env output lacks %q:\n%s", want, b.String())
		}
	}
}
