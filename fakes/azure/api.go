package azure

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Handler returns an HTTP handler that serves the gateway in the shape of
// Azure Resource Manager, under
// /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/:
//
//	GET  {kind}                                   list (virtualNetworkGateways, localNetworkGateways, connections)
//	GET  virtualNetworkGateways/{name}
//	PUT  virtualNetworkGateways/{name}                           async apply (Updating)
//	PATCH virtualNetworkGateways/{name}                          tags, LRO
//	DELETE virtualNetworkGateways/{name}                         400 in use, as Azure
//	GET  virtualNetworkGateways/{name}/connections
//	POST virtualNetworkGateways/{name}/getBgpPeerStatus[?peer=IP]        LRO
//	POST virtualNetworkGateways/{name}/getLearnedRoutes                  LRO
//	POST virtualNetworkGateways/{name}/getAdvertisedRoutes[?peer=IP]     LRO
//	POST virtualNetworkGateways/{name}/reset[?gatewayVip=IP]             LRO
//	GET  virtualNetworkGateways/{name}/providers/Microsoft.Insights/metrics
//	GET  localNetworkGateways/{name}
//	PUT  localNetworkGateways/{name}                             async apply (Updating)
//	PATCH localNetworkGateways/{name}                            tags
//	DELETE localNetworkGateways/{name}                           400 in use, as Azure
//	GET  connections/{name}
//	PUT  connections/{name}                                      async apply (Updating)
//	PATCH connections/{name}                                     tags, LRO
//	DELETE connections/{name}                                    409: the lab keeps its connection
//	GET  connections/{name}/sharedkey                            the key
//	PUT  connections/{name}/sharedkey
//	POST connections/{name}/sharedkey/reset                              LRO
//	POST networkWatchers/{nw}/troubleshoot                               LRO
//	POST networkWatchers/{nw}/queryTroubleshootResult                    LRO
//	GET  networkWatchers/{nw}/troubleshoot/{operation}/files             (the lab's)
//	     routeTables, virtualNetworks/{vnet}[/subnets|/virtualNetworkPeerings], networkInterfaces (vnetapi.go)
//
// and the operations' URLs under /subscriptions/{sub}/providers/Microsoft.Network/locations/{location}/:
//
//	GET operations/{operation}        {"status":"InProgress"|"Succeeded"|"Failed"}
//	GET operationResults/{operation}  202 while running, then the final body
//
// plus GET /subscriptions/{sub}[/resourceGroups/{rg}]/resources (ARM's
// generic list, $filter=resourceType eq '...'). Resources carry etag
// (If-Match, If-None-Match honoured) and resourceGuid.
//
// ARM routes need an "Authorization: Bearer <token>" header and a non-empty
// api-version query parameter. With [WithIdentity] the token must be one
// the lab issued for ARM and unexpired (ARM's 401 codes otherwise); without
// it any non-empty token passes. Paths and names match case-insensitively,
// as in ARM. The sign-in routes and POST /v1/workspaces/{id}/query are
// described at serveIdentity and logAnalytics.
//
// Actions marked LRO are long-running operations, as ARM does them: 202
// Accepted with Azure-AsyncOperation, Location and Retry-After headers,
// absolute on the request's scheme and host. Reading BGP status and routes
// and resetting the shared key finish at once; a reset lasts as long as
// the [Reconfigurer]'s Reset, a troubleshoot run about a second. The
// gateway remembers the latest 1000 operations.
//
// A PUT takes the JSON shape the GET returns and reads only the properties
// the lab can change; an absent property keeps its value (the lab merges a
// PUT rather than replacing the resource). Changeable: on the gateway
// enableBgp, bgpSettings.asn, bgpSettings.bgpPeeringAddresses[].customBgpIpAddresses
// and vpnClientConfiguration's root and revoked certificates; on the local
// network gateway gatewayIpAddress, localNetworkAddressSpace.addressPrefixes,
// bgpSettings.asn and bgpSettings.bgpPeeringAddress; on the connection
// sharedKey (write-only), ipsecPolicies, enableBgp, dpdTimeoutSeconds and
// usePolicyBasedTrafficSelectors, while connectionProtocol cannot change,
// as in Azure. A change is validated with [Model.Validate] (400 with ARM's
// error body, the first problem's code, every problem in details), applied
// with the [Reconfigurer] (500 InternalServerError if that fails, the model
// unchanged) and only then committed and logged in GatewayDiagnosticLog as
// SetGatewayConfiguration or SetConnectionConfiguration. The answer is 200
// with the resource in provisioningState Updating and an
// Azure-AsyncOperation header that reports InProgress until the change is
// applied, then Succeeded. The lab serves one resource of each kind: a PUT on another
// name is refused with 400 OperationNotAllowed, since it would create one;
// a change while another is under way with 409 AnotherOperationInProgress.
//
// Azure returns the shared key from the sharedkey route, and so does the
// lab; it never echoes a key it is given in a PUT's answer. A client that
// sends "<redacted>" back leaves the key alone.
//
// Network Watcher routes take the model's resource group or
// NetworkWatcherRG and any watcher name; troubleshoot takes the gateway's
// or the connection's ID as targetResourceId and ignores storageId and
// storagePath: the log archive Azure would write to the storage account is
// served by the files route as a zip file.
//
// Two routes are the lab's own and need no token:
//
//	GET /vpnlab/diagnostics[?category=C][&since=RFC3339] {"value":[LogRecord...]}
//	GET /healthz                                          ok
func (g *Gateway) Handler() http.Handler { return &api{g: g} }

type api struct{ g *Gateway }

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-ms-request-id", requestID())
	r = withCaller(r)
	path := strings.Trim(r.URL.Path, "/")
	switch {
	case path == "healthz":
		if !allow(w, r, http.MethodGet) {
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, "ok")
	case path == "vpnlab/diagnostics":
		if allow(w, r, http.MethodGet) {
			a.diagnostics(w, r)
		}
	case a.serveIdentity(w, r, path):
	case strings.HasPrefix(path, "v1/workspaces/"):
		if a.authorize(w, r, LogAnalyticsAudience) {
			a.logAnalytics(w, r, strings.Split(path, "/"))
		}
	case strings.EqualFold(first(path), "subscriptions"):
		if !a.authorize(w, r, ARMAudience) {
			return
		}
		if seg := strings.Split(path, "/"); a.forwards(r, seg) {
			a.g.forward.ServeHTTP(w, r)
		} else {
			a.arm(w, r, seg)
		}
	default:
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("No route matches %q.", r.URL.Path))
	}
}

// authorized writes ARM's 401 unless r carries a bearer token. Any
// non-empty token is accepted.
func authorized(w http.ResponseWriter, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	scheme, token, _ := strings.Cut(h, " ")
	if strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(token) != "" {
		return true
	}
	problem, message := "missing 'Authorization' header", "The 'Authorization' header is missing."
	if h != "" {
		problem, message = "'Authorization' header in an invalid format", "The 'Authorization' header is provided in an invalid format."
	}
	w.Header().Set("WWW-Authenticate", `Bearer authorization_uri="https://login.microsoftonline.com/common", `+
		`error="invalid_token", error_description="The authentication failed because of `+problem+`."`)
	writeError(w, http.StatusUnauthorized, "AuthenticationFailed", "Authentication failed. "+message)
	return false
}

// networkWatcherRG is the resource group Azure creates Network Watchers in.
const networkWatcherRG = "NetworkWatcherRG"

// arm serves seg, the path
// subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{kind}/{name}[/{action}...]
// or subscriptions/{sub}/providers/Microsoft.Network/locations/{location}/{operations|operationResults}/{id}.
func (a *api) arm(w http.ResponseWriter, r *http.Request, seg []string) {
	if r.URL.Query().Get("api-version") == "" {
		writeError(w, http.StatusBadRequest, "MissingApiVersionParameter",
			"The api-version query parameter (?api-version=) is required for all requests.")
		return
	}
	m := a.g.Model()
	if len(seg) < 2 || !strings.EqualFold(seg[1], m.SubscriptionID) {
		writeError(w, http.StatusNotFound, "SubscriptionNotFound",
			fmt.Sprintf("The subscription '%s' could not be found.", at(seg, 1)))
		return
	}
	if strings.EqualFold(at(seg, 2), "providers") {
		a.subscriptionProvider(w, r, m, seg[3:])
		return
	}
	if len(seg) == 3 && strings.EqualFold(seg[2], "resources") {
		a.listResources(w, r, m)
		return
	}
	provider := len(seg) >= 8 && strings.EqualFold(seg[4], "providers") && strings.EqualFold(seg[5], "Microsoft.Network")
	watcher := provider && strings.EqualFold(seg[6], "networkWatchers")
	if len(seg) < 4 || !strings.EqualFold(seg[2], "resourceGroups") ||
		!(strings.EqualFold(seg[3], m.ResourceGroup) || watcher && strings.EqualFold(seg[3], networkWatcherRG)) {
		writeError(w, http.StatusNotFound, "ResourceGroupNotFound",
			fmt.Sprintf("Resource group '%s' could not be found.", at(seg, 3)))
		return
	}
	if len(seg) == 5 && strings.EqualFold(seg[4], "resources") {
		a.listResources(w, r, m)
		return
	}
	if len(seg) == 7 && strings.EqualFold(seg[4], "providers") && strings.EqualFold(seg[5], "Microsoft.Network") {
		a.listKind(w, r, m, seg[6])
		return
	}
	if !provider {
		notFound(w, m, strings.Join(seg[4:], "/"))
		return
	}
	kind, name, rest := seg[6], seg[7], seg[8:]
	if watcher {
		a.networkWatcher(w, r, m, name, rest)
		return
	}
	gateway := strings.EqualFold(kind, "virtualNetworkGateways") && strings.EqualFold(name, m.Gateway.Name)
	if gateway && len(rest) == 3 && strings.EqualFold(rest[0], "providers") &&
		strings.EqualFold(rest[1], "Microsoft.Insights") && strings.EqualFold(rest[2], "metrics") {
		if allow(w, r, http.MethodGet) {
			a.metrics(w, r, m)
		}
		return
	}
	if a.networkKind(w, r, m, kind, name, rest) {
		return
	}
	action := strings.Join(rest, "/")
	switch {
	case gateway:
		a.gateway(w, r, m, action)
	case strings.EqualFold(kind, "localNetworkGateways") && strings.EqualFold(name, m.LocalGateway.Name) && action == "":
		a.localGateway(w, r, m)
	case strings.EqualFold(kind, "connections") && strings.EqualFold(name, m.Connection.Name):
		a.connection(w, r, m, action)
	case r.Method == http.MethodPut && action == "" && knownKind(kind):
		writeError(w, http.StatusBadRequest, "OperationNotAllowed", fmt.Sprintf(
			"The lab serves one virtual network gateway (%s), one local network gateway (%s) and one connection (%s); "+
				"creating %s/%s is not supported.", m.Gateway.Name, m.LocalGateway.Name, m.Connection.Name, kind, name))
	default:
		notFound(w, m, typeName(canonicalKind(kind), name, ""))
	}
}

func knownKind(kind string) bool {
	for _, k := range []string{"virtualNetworkGateways", "localNetworkGateways", "connections"} {
		if strings.EqualFold(kind, k) {
			return true
		}
	}
	return false
}

// subscriptionProvider serves seg, the path after subscriptions/{sub}/providers/.
func (a *api) subscriptionProvider(w http.ResponseWriter, r *http.Request, m Model, seg []string) {
	if len(seg) == 4 && strings.EqualFold(seg[0], "microsoft.insights") && strings.EqualFold(seg[1], "eventtypes") &&
		strings.EqualFold(seg[2], "management") && strings.EqualFold(seg[3], "values") {
		if allow(w, r, http.MethodGet) {
			a.activityLog(w, r, m)
		}
		return
	}
	if len(seg) == 5 && strings.EqualFold(seg[0], "Microsoft.Network") && strings.EqualFold(seg[1], "locations") &&
		strings.EqualFold(seg[2], m.Location) {
		switch kind := strings.ToLower(seg[3]); kind {
		case "operations", "operationresults":
			a.serveOperation(w, r, m, kind, seg[4])
			return
		}
	}
	writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("No route matches %q.", r.URL.Path))
}

func (a *api) gateway(w http.ResponseWriter, r *http.Request, m Model, action string) {
	peer := r.URL.Query().Get("peer")
	switch strings.ToLower(action) {
	case "":
		if !allow(w, r, http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete) {
			return
		}
		what, respond := "virtual network gateway "+m.Gateway.Name, func(m Model) any { return m.gatewayResource() }
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, a.g.present(m.gatewayResource()))
		case http.MethodPatch:
			a.patchTags(w, r, m, what, respond)
		case http.MethodDelete:
			deleteRefused(w, m, typeVirtualNetworkGateway, m.Gateway.Name)
		default:
			var p gatewayPut
			a.put(w, r, m, m.Gateway.Name, &p, OperationSetGatewayConfiguration, what, p.edit, respond)
		}
	case "connections":
		a.gatewayConnections(w, r, m)
	case "getbgppeerstatus":
		if allow(w, r, http.MethodPost) {
			peers := a.g.BgpPeers()
			if v, ok, err := a.g.otherView(r.Context(), m); ok && err == nil {
				peers = append(peers, v.BgpPeers...)
			}
			if peer != "" {
				peers = slices.DeleteFunc(peers, func(p BgpPeerStatus) bool { return p.Neighbor != peer })
			}
			a.finished(w, r, m, list(peers))
		}
	case "getlearnedroutes":
		if allow(w, r, http.MethodPost) {
			routes := a.g.LearnedRoutes()
			if v, ok, err := a.g.otherView(r.Context(), m); ok && err == nil {
				routes = append(routes, v.Learned...)
			}
			a.finished(w, r, m, list(routes))
		}
	case "getadvertisedroutes":
		if allow(w, r, http.MethodPost) {
			routes := a.g.AdvertisedRoutes()
			if v, ok, err := a.g.otherView(r.Context(), m); ok && err == nil {
				routes = append(routes, v.Advertised...)
			}
			if peer != "" && !a.knownPeer(peer) {
				routes = nil
			}
			a.finished(w, r, m, list(routes))
		}
	case "getvpnclientconnectionhealth":
		if allow(w, r, http.MethodPost) {
			sessions := a.g.P2SSessions()
			if v, ok, err := a.g.otherView(r.Context(), m); ok && err == nil {
				sessions = append(sessions, v.P2SSessions...)
			}
			a.finished(w, r, m, list(sessions))
		}
	case "reset":
		if allow(w, r, http.MethodPost) {
			a.reset(w, r, m)
		}
	default:
		notFound(w, m, typeName("virtualNetworkGateways", m.Gateway.Name, ""))
	}
}

// knownPeer reports whether the gateway peers with ip; the lab advertises
// the same routes to every peer.
func (a *api) knownPeer(ip string) bool {
	return slices.ContainsFunc(a.g.BgpPeers(), func(p BgpPeerStatus) bool { return p.Neighbor == ip })
}

func (a *api) localGateway(w http.ResponseWriter, r *http.Request, m Model) {
	if !allow(w, r, http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete) {
		return
	}
	what, respond := "local network gateway "+m.LocalGateway.Name, func(m Model) any { return m.localGatewayResource() }
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, a.g.present(m.localGatewayResource()))
	case http.MethodPatch:
		a.patchTags(w, r, m, what, respond)
	case http.MethodDelete:
		deleteRefused(w, m, typeLocalNetworkGateway, m.LocalGateway.Name)
	default:
		var p localGatewayPut
		a.put(w, r, m, m.LocalGateway.Name, &p, OperationSetConnectionConfiguration, what, p.edit, respond)
	}
}

type sharedKeyBody struct {
	Value string `json:"value"`
}

type resetSharedKeyBody struct {
	KeyLength int `json:"keyLength"`
}

func (a *api) connection(w http.ResponseWriter, r *http.Request, m Model, action string) {
	what := "connection " + m.Connection.Name
	switch strings.ToLower(action) {
	case "":
		if !allow(w, r, http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete) {
			return
		}
		respond := func(m Model) any { return m.connectionResource(a.g.connectionStatus(r.Context(), m)) }
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, a.g.present(respond(m)))
		case http.MethodPatch:
			a.patchTags(w, r, m, what, respond)
		case http.MethodDelete:
			a.deleteConnection(w, r, m)
		default:
			var p connectionPut
			a.put(w, r, m, m.Connection.Name, &p, OperationSetConnectionConfiguration, what, p.edit, respond)
		}
	case "sharedkey":
		if !allow(w, r, http.MethodGet, http.MethodPut) {
			return
		}
		if r.Method == http.MethodGet {
			// Azure returns the key to a caller allowed to read it; the lab
			// never writes it to logs, records or errors.
			writeJSON(w, http.StatusOK, sharedKeyBody{m.Connection.SharedKey})
			return
		}
		var body sharedKeyBody
		if !a.readJSON(w, r, &body) {
			return
		}
		m, err := a.g.change(r.Context(), OperationSetConnectionConfiguration, what, setSharedKey(body.Value))
		if err != nil {
			a.changeFailed(w, err)
			return
		}
		a.done(w, r, m, http.StatusOK, sharedKeyBody{redacted})
	case "sharedkey/reset":
		if !allow(w, r, http.MethodPost) {
			return
		}
		var body resetSharedKeyBody
		if !a.readJSON(w, r, &body) {
			return
		}
		m, err := a.g.change(r.Context(), OperationSetConnectionConfiguration, what, resetSharedKey(body.KeyLength))
		if err != nil {
			a.changeFailed(w, err)
			return
		}
		a.finished(w, r, m, body)
	default:
		notFound(w, m, typeName("connections", m.Connection.Name, ""))
	}
}

// normalizeLocation maps "Japan East" and "japaneast" to the same name.
func normalizeLocation(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, " ", ""))
}

// done answers a synchronous change that ARM runs as a long-running
// operation: status with body, and an Azure-AsyncOperation URL that
// already reports Succeeded.
func (a *api) done(w http.ResponseWriter, r *http.Request, m Model, status int, body any) {
	now := a.g.clock()
	id := a.g.ops.start(now)
	a.g.ops.succeed(id, now, body, nil)
	async, _ := operationURLs(r, m, id)
	w.Header().Set("Azure-AsyncOperation", async)
	writeJSON(w, status, body)
}

// finished answers a long-running action that finished at once: 202 and
// the operation's URLs, the Location URL serving result.
func (a *api) finished(w http.ResponseWriter, r *http.Request, m Model, result any) {
	now := a.g.clock()
	id := a.g.ops.start(now)
	a.g.ops.succeed(id, now, result, nil)
	accepted(w, r, m, id)
}

// resetTimeout bounds a gateway reset.
const resetTimeout = 10 * time.Minute

// reset reboots the gateway instance through the Reconfigurer, in the
// background; the operation succeeds when Reset returns nil.
func (a *api) reset(w http.ResponseWriter, r *http.Request, m Model) {
	vip := r.URL.Query().Get("gatewayVip")
	if err := gatewayVip(m, vip); err != nil {
		a.changeFailed(w, err)
		return
	}
	g := a.g
	// In active-active, gatewayVip picks the instance: the other one's
	// reset is the other one's to run.
	if vip != "" && vip != m.Gateway.PublicIPOf(g.instance) && g.forward != nil && r.Header.Get(ForwardedHeader) == "" {
		g.forward.ServeHTTP(w, r)
		return
	}
	if !g.cfg.TryLock() {
		a.changeFailed(w, errBusy)
		return
	}
	id := g.ops.start(g.clock())
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), resetTimeout)
	go func() {
		defer cancel()
		err := g.reconf.Reset(ctx)
		g.cfg.Unlock()
		g.mu.Lock()
		rec := LogRecord{
			Category:        CategoryGateway,
			OperationName:   OperationResetGateway,
			Level:           LevelInformational,
			Message:         fmt.Sprintf("Reset of virtual network gateway %s instance %s completed", m.Gateway.Name, g.instance),
			OperationStatus: "Success",
		}
		if err != nil {
			rec.Level, rec.OperationStatus = LevelError, "Failure"
			rec.Message = fmt.Sprintf("Reset of virtual network gateway %s instance %s failed: %v", m.Gateway.Name, g.instance, err)
		}
		g.logLocked(rec)
		end, model, keys := g.now().UTC(), g.model.clone(), slices.Clone(g.keys)
		g.mu.Unlock()
		if err != nil {
			g.ops.fail(id, end, http.StatusInternalServerError, "InternalServerError",
				"The gateway reset failed: "+redactKeys(err.Error(), keys))
			return
		}
		g.ops.succeed(id, end, model.gatewayResource(), nil)
	}()
	accepted(w, r, m, id)
}

// readJSON decodes the request body into v, or writes ARM's 400.
func (a *api) readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(io.LimitReader(r.Body, maxRequestBody)).Decode(v); err != nil {
		a.badContent(w, err)
		return false
	}
	return true
}

const maxRequestBody = 1 << 20

func (a *api) badContent(w http.ResponseWriter, err error) {
	writeError(w, http.StatusBadRequest, "InvalidRequestContent", fmt.Sprintf(
		"The request content was invalid and could not be deserialized: '%s'.", a.g.redact(err.Error())))
}

// changeFailed maps an error of Gateway.change onto ARM's answer.
func (a *api) changeFailed(w http.ResponseWriter, err error) {
	var (
		verrs validationErrors
		aerr  *applyError
	)
	switch {
	case errors.As(err, &verrs):
		body := armError{Code: verrs[0].Code, Message: verrs[0].Message, Target: verrs[0].Field}
		for _, v := range verrs {
			body.Details = append(body.Details, armError{Code: v.Code, Message: v.Message, Target: v.Field})
		}
		writeJSON(w, http.StatusBadRequest, armErrorBody{body})
	case errors.Is(err, errBusy):
		writeError(w, http.StatusConflict, "AnotherOperationInProgress",
			"Another operation on this or dependent resource is in progress. Retry the request after that operation finishes.")
	case errors.As(err, &aerr):
		writeError(w, http.StatusInternalServerError, "InternalServerError",
			"An error occurred while applying the configuration: "+aerr.message)
	default:
		writeError(w, http.StatusInternalServerError, "InternalServerError", a.g.redact(err.Error()))
	}
}

func (a *api) diagnostics(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	category := q.Get("category")
	if category != "" && !slices.ContainsFunc(Categories(), func(c string) bool { return strings.EqualFold(c, category) }) {
		writeError(w, http.StatusBadRequest, "InvalidParameter",
			fmt.Sprintf("Unknown category %q; known categories: %s.", category, strings.Join(Categories(), ", ")))
		return
	}
	var since time.Time
	if s := q.Get("since"); s != "" {
		// An unescaped "+07:00" offset arrives as " 07:00".
		t, err := time.Parse(time.RFC3339Nano, strings.ReplaceAll(s, " ", "+"))
		if err != nil {
			writeError(w, http.StatusBadRequest, "InvalidParameter",
				fmt.Sprintf("The since parameter %q is not an RFC 3339 time.", s))
			return
		}
		since = t
	}
	writeJSON(w, http.StatusOK, list(a.g.Logs(category, since)))
}

// list wraps items the way ARM wraps collections: {"value":[...]}.
func list[T any](items []T) any {
	return struct {
		Value []T `json:"value"`
	}{nonNil(items)}
}

// allow writes a 405 unless r uses one of methods.
func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	if slices.Contains(methods, r.Method) {
		return true
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed",
		fmt.Sprintf("The requested resource does not support http method '%s'.", r.Method))
	return false
}

func notFound(w http.ResponseWriter, m Model, what string) {
	writeError(w, http.StatusNotFound, "ResourceNotFound", fmt.Sprintf(
		"The Resource 'Microsoft.Network/%s' under resource group '%s' was not found. "+
			"For more details please go to https://aka.ms/ARMResourceNotFoundFix", what, m.ResourceGroup))
}

func typeName(kind, name, action string) string {
	if action == "" {
		return kind + "/" + name
	}
	return kind + "/" + name + "/" + action
}

// first returns the first segment of a slash-separated path.
func first(path string) string {
	seg, _, _ := strings.Cut(path, "/")
	return seg
}

// at returns seg[i], or "" if seg is shorter.
func at(seg []string, i int) string {
	if i < len(seg) {
		return seg[i]
	}
	return ""
}

// armError is ARM's error: code, message and, for a validation error, the
// offending property and every problem found.
type armError struct {
	Code    string     `json:"code"`
	Message string     `json:"message"`
	Target  string     `json:"target,omitempty"`
	Details []armError `json:"details,omitempty"`
}

type armErrorBody struct {
	Error armError `json:"error"`
}

// writeError writes an ARM error body: {"error":{"code":...,"message":...}}.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, armErrorBody{armError{Code: code, Message: message}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":{"code":"InternalServerError","message":"The response could not be encoded."}}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// requestID returns a random version-4 UUID, as ARM's x-ms-request-id.
func requestID() string {
	var b [16]byte
	rand.Read(b[:]) // never returns an error
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
