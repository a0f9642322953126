package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/vpnlab/vpnlab/lab"
)

// labEnv prints what the user's own Azure tools need to reach the lab: as
// JSON, or as shell exports followed by the commands that register the lab
// as a custom cloud for the Azure CLI, PowerShell Az and Terraform.
func labEnv(ctx context.Context, args []string, out, errw io.Writer) error {
	l, asJSON, err := attachJSON(ctx, "lab env", args, errw, nil)
	if err != nil {
		return err
	}
	defer l.Release()
	e, err := l.Env()
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(out, e)
	}
	printEnv(out, e)
	return nil
}

func printEnv(w io.Writer, e lab.Env) {
	host := strings.TrimSuffix(strings.TrimPrefix(e.ARMEndpoint, "https://"), "/")
	fmt.Fprintf(w, `# vpnlab: your own Azure tools against the lab (a custom cloud). Source this in a shell:
#   eval "$(vpnlab lab env)"
export AZURE_TENANT_ID=%[1]s
export AZURE_CLIENT_ID=%[2]s
export AZURE_CLIENT_SECRET=%[3]s
export AZURE_SUBSCRIPTION_ID=%[4]s
export AZURE_RESOURCE_GROUP=%[5]s
export AZURE_AUTHORITY_HOST=%[6]s
export AZURE_RESOURCE_MANAGER_ENDPOINT=%[7]s
export AZURE_RESOURCE_MANAGER_AUDIENCE=%[8]s
export AZURE_LOG_ANALYTICS_ENDPOINT=%[9]s
export AZURE_LOG_ANALYTICS_AUDIENCE=%[10]s
export AZURE_LOG_ANALYTICS_WORKSPACE_ID=%[11]s
# trust the lab's API certificate (Python: az CLI; Go: Terraform, the Go SDK; .NET: PowerShell on Linux)
export REQUESTS_CA_BUNDLE=%[12]s SSL_CERT_FILE=%[12]s
# Terraform azurerm
export ARM_TENANT_ID=$AZURE_TENANT_ID ARM_CLIENT_ID=$AZURE_CLIENT_ID ARM_CLIENT_SECRET=$AZURE_CLIENT_SECRET
export ARM_SUBSCRIPTION_ID=$AZURE_SUBSCRIPTION_ID ARM_METADATA_HOSTNAME=%[13]s

# --- Azure CLI ---
# az cloud register -n vpnlab --endpoint-resource-manager %[7]s
# az cloud set -n vpnlab
# az login --service-principal -u "$AZURE_CLIENT_ID" -p "$AZURE_CLIENT_SECRET" --tenant "$AZURE_TENANT_ID"
# az account set -s "$AZURE_SUBSCRIPTION_ID"
# az network vpn-connection show -g %[5]s -n %[14]s
# az network vpn-connection shared-key show -g %[5]s --connection-name %[14]s
# az monitor log-analytics query -w %[11]s --analytics-query 'AzureDiagnostics | take 10'

# --- PowerShell Az ---
# Add-AzEnvironment -Name vpnlab -ARMEndpoint '%[7]s'
# $cred = New-Object PSCredential('%[2]s', (ConvertTo-SecureString $env:AZURE_CLIENT_SECRET -AsPlainText -Force))
# Connect-AzAccount -Environment vpnlab -ServicePrincipal -Tenant '%[1]s' -Credential $cred -Subscription '%[4]s'
# Get-AzVirtualNetworkGatewayConnection -ResourceGroupName %[5]s -Name %[14]s

# --- Terraform (azurerm) ---
# provider "azurerm" {
#   features {}
#   metadata_host = "%[13]s"   # reads https://%[13]s/metadata/endpoints?api-version=2022-09-01
# }
# data "azurerm_virtual_network_gateway_connection" "lab" {
#   name                = "%[14]s"
#   resource_group_name = "%[5]s"
# }
`, e.TenantID, e.ClientID, shellQuote(e.ClientSecret), e.SubscriptionID, e.ResourceGroup, e.Authority, e.ARMEndpoint,
		e.ARMAudience, e.LogAnalyticsEndpoint, e.LogAnalyticsAudience, e.WorkspaceID, shellQuote(e.CAFile), host, e.Connection)
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
