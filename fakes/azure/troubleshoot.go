package azure

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Network Watcher VPN troubleshoot: the fault ids, summaries and files of
// Azure's, computed from the gateway's own state and the last few minutes
// of its log. Like Azure's, it looks at IKE and the tunnel only: it is
// blind to MTU, BGP and certificates.

// troubleshootDuration is how long a troubleshoot run takes.
const troubleshootDuration = time.Second

// troubleshootWindow is how far back a run reads the log.
const troubleshootWindow = 5 * time.Minute

// Result codes of a troubleshoot run.
const (
	troubleshootHealthy   = "Healthy"
	troubleshootUnHealthy = "UnHealthy"
	troubleshootDegraded  = "Degraded"
)

type (
	troubleshootResult struct {
		StartTime string               `json:"startTime"`
		EndTime   string               `json:"endTime"`
		Code      string               `json:"code"`
		Results   []troubleshootDetail `json:"results"`
	}
	troubleshootDetail struct {
		ID                 string              `json:"id"`
		ReasonType         string              `json:"reasonType"`
		Summary            string              `json:"summary"`
		Detail             string              `json:"detail"`
		RecommendedActions []recommendedAction `json:"recommendedActions"`
	}
	recommendedAction struct {
		ActionText    string `json:"actionText"`
		ActionURI     string `json:"actionUri"`
		ActionURIText string `json:"actionUriText"`
	}
)

var (
	actionReset = recommendedAction{
		"If the condition persists, please try resetting your Azure VPN gateway",
		"https://azure.microsoft.com/documentation/articles/vpn-gateway-resetgw-classic/",
		"resetting the VPN gateway",
	}
	actionSupport = recommendedAction{
		"If you are experiencing problems you believe are caused by Azure, contact support",
		"https://azure.microsoft.com/support",
		"contact support",
	}
	actionDevice = recommendedAction{
		"Verify that your on-premises VPN device is configured as Azure requires",
		"https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-devices",
		"VPN device requirements",
	}
)

// faults are the results the lab can return, by fault id. The wording of
// NoFault and PlatformInActive is Azure's; the others follow its style.
var faults = map[string]troubleshootDetail{
	"NoFault/gateway": {ID: "NoFault", Summary: "This VPN gateway is running normally",
		Detail: "There aren't any known Azure platform problems affecting this VPN gateway",
		RecommendedActions: []recommendedAction{{
			"If you are still experience problems with the VPN gateway, please try resetting the VPN gateway.",
			actionReset.ActionURI, "resetting VPN gateway"}, actionSupport}},
	"NoFault/connection": {ID: "NoFault", Summary: "This VPN Connection is running normally",
		Detail: "There aren't any known Azure platform problems affecting this VPN Connection",
		RecommendedActions: []recommendedAction{{
			"If you are still experience problems with the VPN gateway, please try resetting the VPN gateway.",
			actionReset.ActionURI, "resetting VPN gateway"}, actionSupport}},
	"PlatformInActive": {ID: "PlatformInActive", Summary: "We are sorry, your VPN gateway is in standby mode",
		Detail: "During this time the gateway will not initiate or accept VPN connections with on premises VPN devices " +
			"or other Azure VPN Gateways. This is a transient state while the Azure platform is being updated.",
		RecommendedActions: []recommendedAction{actionReset, {
			"If your VPN gateway isn't up and running by the expected resolution time, contact support",
			actionSupport.ActionURI, actionSupport.ActionURIText}}},
	"PlannedMaintenance": {ID: "PlannedMaintenance", Summary: "Your VPN gateway is under planned maintenance",
		Detail: "A gateway instance is being updated. Connections fail over to the other instance; " +
			"tunnels may drop for a short time while they are re-established.",
		RecommendedActions: []recommendedAction{{
			"Wait for the maintenance to complete; if the condition persists, please try resetting your Azure VPN gateway",
			actionReset.ActionURI, actionReset.ActionURIText}, actionSupport}},
	"ConnectionsNotConnected": {ID: "ConnectionsNotConnected", Summary: "Connections on this VPN gateway are not connected",
		Detail: "The VPN gateway is running, but its connections are not connected. Troubleshoot each connection.",
		RecommendedActions: []recommendedAction{{
			"Run troubleshoot on each connection of this VPN gateway",
			"https://learn.microsoft.com/azure/network-watcher/vpn-troubleshoot-overview", "VPN troubleshoot"}}},
	"Authentication": {ID: "Authentication", Summary: "Preshared key mismatch",
		Detail: "IKE authentication failed: the shared key of the connection does not match the one " +
			"configured on the on-premises VPN device.",
		RecommendedActions: []recommendedAction{{
			"Verify that the shared key of the connection matches the one on your on-premises VPN device",
			"https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-troubleshoot-site-to-site-cannot-connect",
			"troubleshoot a site-to-site connection"}}},
	"IkePolicyMismatch": {ID: "IkePolicyMismatch", Summary: "The peer gateway has IKE policies that are not supported by Azure",
		Detail: "The on-premises VPN device proposes IKE or IPsec parameters that this connection does not accept, " +
			"or rejects the ones Azure proposes.",
		RecommendedActions: []recommendedAction{{
			"Configure the on-premises VPN device with the IPsec/IKE parameters of the connection",
			"https://learn.microsoft.com/azure/vpn-gateway/ipsec-ike-policy-howto", "IPsec/IKE policy"}, actionDevice}},
	"PeerReachability": {ID: "PeerReachability", Summary: "The peer gateway is not reachable",
		Detail: "The Azure VPN gateway received no IKE messages from the on-premises VPN device.",
		RecommendedActions: []recommendedAction{{
			"Verify that the on-premises VPN device is running and reachable on UDP 500 and 4500 at the local network gateway's address",
			"https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-troubleshoot-site-to-site-cannot-connect",
			"troubleshoot a site-to-site connection"}, actionDevice}},
	"ConnectionIsMarkedDisconnected": {ID: "ConnectionIsMarkedDisconnected", Summary: "The connection is marked disconnected",
		Detail:             "The connection is not connected, and the IKE log shows no known cause.",
		RecommendedActions: []recommendedAction{actionDevice, actionSupport}},
}

// fault returns the result for fault id, its reasonType the fault type
// (Azure's REST reference says only "reason type of failure"; the lab
// gives the fault type, NoFault when healthy).
func fault(id string) troubleshootDetail {
	d := faults[id]
	d.ReasonType, _, _ = strings.Cut(d.ID, "/")
	return d
}

// ikeClass sorts an IKE log message into the failures troubleshoot knows.
func ikeClass(msg string) string {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "authentication failed"), strings.Contains(m, "authentication_failed"),
		strings.Contains(m, "13801"):
		return "Authentication"
	case strings.Contains(m, "policy mismatch"), strings.Contains(m, "no_proposal_chosen"),
		strings.Contains(m, "13868"), strings.Contains(m, "rejected quick mode"):
		return "IkePolicyMismatch"
	case strings.Contains(m, "peer not responding"):
		return "PeerReachability"
	}
	return ""
}

// troubleshootTarget names what a targetResourceId points at: "gateway",
// "connection" or "".
func troubleshootTarget(m Model, id string) string {
	switch {
	case strings.EqualFold(id, m.ID("virtualNetworkGateways", m.Gateway.Name)):
		return "gateway"
	case strings.EqualFold(id, m.ID("connections", m.Connection.Name)):
		return "connection"
	}
	return ""
}

// troubleshootLocked runs the diagnosis for target at now and returns the
// result and the archive files. g.mu must be held.
func (g *Gateway) troubleshootLocked(target string, start, now time.Time) (troubleshootResult, []archiveFile) {
	recent := g.logsLocked("", now.Add(-troubleshootWindow))
	var maintenance bool
	var ike []LogRecord
	for _, rec := range recent {
		switch {
		case rec.Category == CategoryGateway && rec.OperationName == OperationHostMaintenanceEvent:
			maintenance = true
		case rec.Category == CategoryIKE:
			ike = append(ike, rec)
		}
	}
	connected := g.status == StatusConnected
	var ids []string
	code := troubleshootUnHealthy
	if target == "gateway" {
		code = troubleshootDegraded
		if !g.active {
			ids = append(ids, "PlatformInActive")
		}
		if maintenance {
			ids = append(ids, "PlannedMaintenance")
		}
		if !connected {
			ids = append(ids, "ConnectionsNotConnected")
		}
	} else {
		switch {
		case !g.active:
			ids = []string{"PlatformInActive"}
		case maintenance:
			ids = []string{"PlannedMaintenance"}
			if connected {
				code = troubleshootDegraded
			}
		case connected:
		default:
			ids = []string{g.connectionFault(ike)}
		}
	}
	var details []troubleshootDetail
	for _, id := range ids {
		details = append(details, fault(id))
	}
	healthy := len(details) == 0
	if healthy {
		code = troubleshootHealthy
		details = []troubleshootDetail{fault("NoFault/" + target)}
	}
	res := troubleshootResult{
		StartTime: start.Format(time.RFC3339Nano),
		EndTime:   now.Format(time.RFC3339Nano),
		Code:      code,
		Results:   details,
	}
	files := []archiveFile{{"ConnectionStats.txt", g.connectionStatsLocked()}}
	if !healthy {
		files = append(files, archiveFile{"IKEErrors.txt", ikeErrors(ike)}, archiveFile{"IKElogs.txt", ikeLogs(ike)})
	}
	for i := range files {
		files[i].body = redactKeys(files[i].body, g.keys)
	}
	return res, files
}

// connectionFault names why a connection that is not connected is not:
// the latest failure the IKE log shows, else PeerReachability if the peer
// sent nothing, else ConnectionIsMarkedDisconnected.
func (g *Gateway) connectionFault(ike []LogRecord) string {
	for i := len(ike) - 1; i >= 0; i-- {
		if c := ikeClass(ike[i].Message); c != "" {
			return c
		}
	}
	for _, rec := range ike {
		if strings.Contains(rec.Message, "[RECEIVED]") {
			return "ConnectionIsMarkedDisconnected"
		}
	}
	return "PeerReachability"
}

// connectedSinceLayout is how ConnectionStats.txt writes a time,
// e.g. "2/1/2017 8:22:06 PM".
const connectedSinceLayout = "1/2/2006 3:04:05 PM"

// connectionStatsLocked writes ConnectionStats.txt. g.mu must be held.
func (g *Gateway) connectionStatsLocked() string {
	remote := g.remoteIP
	if remote == "" {
		remote = g.model.LocalGateway.GatewayIPAddress
	}
	since := ""
	if g.status == StatusConnected && !g.established.IsZero() {
		since = g.established.UTC().Format(connectedSinceLayout)
	}
	return fmt.Sprintf("Connectivity State : %s\nRemote Tunnel Endpoint : %s\n"+
		"Ingress Bytes (since last connected) : %d B\nEgress Bytes (Since last connected) : %d B\nConnected Since : %s\n",
		g.status, remote, g.traffic.ingressBytes, g.traffic.egressBytes, since)
}

// ikeText strips the "Remote <ip>:500: Local <ip>:500: " prefix of an IKE
// log message.
func ikeText(msg string) string {
	if _, rest, ok := strings.Cut(msg, ":500: Local "); ok {
		if _, text, ok := strings.Cut(rest, ":500: "); ok {
			return text
		}
	}
	return msg
}

// withoutDirection strips a leading "[SEND] ", "[RECEIVED] " or "[LOCAL] ".
func withoutDirection(text string) string {
	if strings.HasPrefix(text, "[") {
		if i := strings.Index(text, "] "); i > 0 && !strings.Contains(text[:i], " ") {
			return text[i+2:]
		}
	}
	return text
}

// ikeErrors writes IKEErrors.txt: each error of the IKE log, in Azure's
// words where Azure has them, with the log line it is based on.
func ikeErrors(ike []LogRecord) string {
	var b strings.Builder
	last := ""
	for _, rec := range ike {
		if rec.Level != LevelError {
			continue
		}
		text := ikeText(rec.Message)
		var summary string
		switch lower := strings.ToLower(text); {
		case ikeClass(text) == "Authentication":
			summary = "Authentication failed. Check shared key. Check crypto. Check lifetimes."
		case strings.Contains(lower, "rejected quick mode"), strings.Contains(lower, "received notify message - no_proposal_chosen"):
			summary = "On-premises device rejected Quick Mode settings. Check values."
		case ikeClass(text) == "IkePolicyMismatch":
			summary = "On-premises device proposed IKE/IPsec settings that the connection does not accept. Check values."
		default:
			summary = withoutDirection(text)
		}
		entry := fmt.Sprintf("Error: %s \n\t based on log : %s\n", summary, text)
		if entry != last {
			b.WriteString(entry)
			last = entry
		}
	}
	return b.String()
}

// ikeLogs writes IKElogs.txt: the IKE activity, one message a line.
func ikeLogs(ike []LogRecord) string {
	var b strings.Builder
	for _, rec := range ike {
		b.WriteString(rec.Message)
		b.WriteByte('\n')
	}
	return b.String()
}

type archiveFile struct{ name, body string }

// zipArchive packs files, stamped with t.
func zipArchive(files []archiveFile, t time.Time) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: t})
		if err == nil {
			_, err = w.Write([]byte(f.body))
		}
		if err != nil {
			panic("azure: zip to memory: " + err.Error()) // writes to a bytes.Buffer do not fail
		}
	}
	if err := zw.Close(); err != nil {
		panic("azure: zip to memory: " + err.Error())
	}
	return buf.Bytes()
}

type troubleshootRequest struct {
	TargetResourceID string `json:"targetResourceId"`
	Properties       struct {
		StorageID   string `json:"storageId"`
		StoragePath string `json:"storagePath"`
	} `json:"properties"`
}

// networkWatcher serves networkWatchers/{name}/{rest...}.
func (a *api) networkWatcher(w http.ResponseWriter, r *http.Request, m Model, name string, rest []string) {
	switch {
	case len(rest) == 1 && strings.EqualFold(rest[0], "troubleshoot"):
		if allow(w, r, http.MethodPost) {
			a.troubleshoot(w, r, m)
		}
	case len(rest) == 1 && strings.EqualFold(rest[0], "queryTroubleshootResult"):
		if allow(w, r, http.MethodPost) {
			a.queryTroubleshootResult(w, r, m)
		}
	case len(rest) == 3 && strings.EqualFold(rest[0], "troubleshoot") && strings.EqualFold(rest[2], "files"):
		if allow(w, r, http.MethodGet) {
			a.troubleshootFiles(w, rest[1])
		}
	default:
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("No route matches %q.", r.URL.Path))
	}
}

// target reads the request's targetResourceId and resolves it, or writes
// the error.
func (a *api) target(w http.ResponseWriter, r *http.Request, m Model) (id, kind string, ok bool) {
	var req troubleshootRequest
	if !a.readJSON(w, r, &req) {
		return "", "", false
	}
	id = req.TargetResourceID
	if kind = troubleshootTarget(m, id); kind != "" {
		return id, kind, true
	}
	lower := strings.ToLower(id)
	if strings.Contains(lower, "/providers/microsoft.network/virtualnetworkgateways/") ||
		strings.Contains(lower, "/providers/microsoft.network/connections/") {
		writeError(w, http.StatusNotFound, "ResourceNotFound", fmt.Sprintf("The target resource '%s' was not found.", id))
	} else {
		writeError(w, http.StatusBadRequest, "InvalidParameter", fmt.Sprintf(
			"Troubleshooting is supported for virtual network gateways and connections; targetResourceId '%s' is neither.", id))
	}
	return "", "", false
}

// troubleshoot starts a run: one at a time per subscription, as in Azure.
func (a *api) troubleshoot(w http.ResponseWriter, r *http.Request, m Model) {
	target, kind, ok := a.target(w, r, m)
	if !ok {
		return
	}
	g := a.g
	g.mu.Lock()
	busy := g.troubleshooting
	g.troubleshooting = true
	start := g.now().UTC()
	g.mu.Unlock()
	if busy {
		writeError(w, http.StatusConflict, "AnotherOperationInProgress",
			"Another troubleshoot operation is in progress in this subscription. Retry after it completes.")
		return
	}
	id := g.ops.start(start)
	time.AfterFunc(troubleshootDuration, func() {
		g.mu.Lock()
		end := g.now().UTC()
		res, files := g.troubleshootLocked(kind, start, end)
		g.troubleshoots[strings.ToLower(target)] = res
		g.troubleshooting = false
		g.mu.Unlock()
		g.ops.succeed(id, end, res, zipArchive(files, end))
	})
	accepted(w, r, m, id)
}

// queryTroubleshootResult returns the latest result for the target.
func (a *api) queryTroubleshootResult(w http.ResponseWriter, r *http.Request, m Model) {
	target, _, ok := a.target(w, r, m)
	if !ok {
		return
	}
	a.g.mu.Lock()
	res, found := a.g.troubleshoots[strings.ToLower(target)]
	a.g.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("No troubleshoot result for '%s'; run troubleshoot first.", target))
		return
	}
	a.finished(w, r, m, res)
}

// troubleshootFiles serves the archive of run id: the lab's stand-in for
// the blob Azure writes to the storage account.
func (a *api) troubleshootFiles(w http.ResponseWriter, id string) {
	op, ok := a.g.ops.get(id)
	switch {
	case !ok || op.status == operationSucceeded && op.files == nil:
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("No troubleshoot operation '%s'.", id))
	case op.status == operationInProgress:
		w.Header().Set("Retry-After", retryAfter)
		writeError(w, http.StatusConflict, "OperationInProgress", fmt.Sprintf("Troubleshoot operation '%s' has not finished.", id))
	case op.files == nil:
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Troubleshoot operation '%s' left no files.", id))
	default:
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", `attachment; filename="`+id+`.zip"`)
		w.WriteHeader(http.StatusOK)
		w.Write(op.files)
	}
}
