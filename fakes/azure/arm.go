package azure

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"
)

// etagOf is an ARM network etag, W/"<guid>", that changes whenever the
// resource's configuration (v, without the shared key) does.
func etagOf(v any) string {
	b, _ := json.Marshal(v)
	return `W/"` + uuidOf("etag/"+string(b)) + `"`
}

// guidOf is a resource's resourceGuid: stable for its ID.
func guidOf(id string) string { return uuidOf("resourceGuid/" + strings.ToLower(id)) }

func uuidOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	sum[6] = sum[6]&0x0f | 0x40
	sum[8] = sum[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}

// updating reports whether a change of the resource type is being applied.
func (g *Gateway) updating(typ string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pending[typ]
}

func (g *Gateway) setUpdating(typ string, on bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pending == nil {
		g.pending = map[string]bool{}
	}
	g.pending[typ] = on
}

// present sets the provisioningState Azure shows: Updating while a change
// of the resource is being applied.
func (g *Gateway) present(v any) any {
	r, ok := v.(resource)
	if !ok || !g.updating(r.Type) {
		return v
	}
	return withState(r, "Updating")
}

func withState(r resource, state string) resource {
	switch p := r.Properties.(type) {
	case vngProperties:
		p.ProvisioningState = state
		r.Properties = p
	case lngProperties:
		p.ProvisioningState = state
		r.Properties = p
	case connectionProperties:
		p.ProvisioningState = state
		r.Properties = p
	}
	return r
}

// preconditions checks If-Match and If-None-Match against the resource's
// etag, writing ARM's 412 when one fails.
func preconditions(w http.ResponseWriter, r *http.Request, current any) bool {
	res, ok := current.(resource)
	if !ok {
		return true
	}
	if m := r.Header.Get("If-Match"); m != "" && m != "*" && m != res.Etag && strings.TrimPrefix(m, "W/") != strings.TrimPrefix(res.Etag, "W/") {
		writeError(w, http.StatusPreconditionFailed, "PreconditionFailed", fmt.Sprintf(
			"The specified precondition 'If-Match = %s' failed: the current etag of %s is %s.", m, res.Name, res.Etag))
		return false
	}
	if m := r.Header.Get("If-None-Match"); m == "*" && r.Method == http.MethodPut {
		writeError(w, http.StatusPreconditionFailed, "PreconditionFailed", fmt.Sprintf(
			"The specified precondition 'If-None-Match = *' failed: %s already exists.", res.Name))
		return false
	}
	return true
}

// put serves a PUT of resource name: it reads {"location":...,"tags":...,
// "properties":{...}} into props, validates the change at once (400 on a
// problem), and applies it in the background as Azure does: the answer is
// 200 with the new configuration in provisioningState Updating and an
// Azure-AsyncOperation that is InProgress until the Reconfigurer is done,
// then Succeeded (or Failed, the model unchanged). A PUT that changes
// nothing answers Succeeded at once.
func (a *api) put(w http.ResponseWriter, r *http.Request, m Model, name string, props any, op, what string,
	e edit, respond func(Model) any) {
	var body struct {
		Location   string            `json:"location"`
		Tags       map[string]string `json:"tags"`
		Properties json.RawMessage   `json:"properties"`
	}
	if !a.readJSON(w, r, &body) {
		return
	}
	if body.Location != "" && normalizeLocation(body.Location) != normalizeLocation(m.Location) {
		writeError(w, http.StatusBadRequest, "InvalidResourceLocation", fmt.Sprintf(
			"The resource '%s' already exists in location '%s' in resource group '%s'. "+
				"A resource with the same name cannot be created in location '%s'. Please select a new resource name.",
			name, m.Location, m.ResourceGroup, body.Location))
		return
	}
	if len(body.Properties) > 0 && string(body.Properties) != "null" {
		if err := json.Unmarshal(body.Properties, props); err != nil {
			a.badContent(w, err)
			return
		}
	}
	current := respond(m)
	if !preconditions(w, r, current) {
		return
	}
	typ := current.(resource).Type
	if body.Tags != nil {
		e = withTags(e, typ, body.Tags)
	}
	a.applyAsync(w, r, m, op, what, e, typ, respond)
}

// withTags adds a replacement of the resource's tags to e.
func withTags(e edit, typ string, tags map[string]string) edit {
	return func(m *Model) ([]string, error) {
		var changed []string
		if e != nil {
			c, err := e(m)
			if err != nil {
				return nil, err
			}
			changed = c
		}
		if t := tagsOf(m, typ); !maps.Equal(*t, tags) {
			*t = maps.Clone(tags)
			changed = append(changed, "tags")
		}
		return changed, nil
	}
}

func tagsOf(m *Model, typ string) *map[string]string {
	switch typ {
	case typeVirtualNetworkGateway:
		return &m.Gateway.Tags
	case typeLocalNetworkGateway:
		return &m.LocalGateway.Tags
	}
	return &m.Connection.Tags
}

// applyAsync validates e now and applies it in the background.
func (a *api) applyAsync(w http.ResponseWriter, r *http.Request, m Model, op, what string, e edit, typ string,
	respond func(Model) any) {
	g := a.g
	if !g.cfg.TryLock() {
		a.changeFailed(w, errBusy)
		return
	}
	old, next, changed, err := g.prepare(e)
	if err != nil || len(changed) == 0 {
		g.cfg.Unlock()
		if err != nil {
			a.changeFailed(w, err)
			return
		}
		a.done(w, r, old, http.StatusOK, respond(old))
		return
	}
	id := g.ops.start(g.clock())
	g.setUpdating(typ, true)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), resetTimeout)
	go func() {
		defer cancel()
		defer g.cfg.Unlock()
		committed, err := g.commit(ctx, op, what, old, next, changed)
		g.setUpdating(typ, false)
		if err != nil {
			msg := g.redact(err.Error())
			var aerr *applyError
			if errors.As(err, &aerr) {
				msg = "An error occurred while applying the configuration: " + aerr.message
			}
			g.ops.fail(id, g.clock(), http.StatusInternalServerError, "InternalServerError", msg)
			return
		}
		g.ops.succeed(id, g.clock(), respond(committed), nil)
	}()
	async, _ := operationURLs(r, m, id)
	w.Header().Set("Azure-AsyncOperation", async)
	writeJSON(w, http.StatusOK, withState(respond(next).(resource), "Updating"))
}

// patchTags serves PATCH (UpdateTags): {"tags":{...}} replaces the tags.
// For the gateway and the connection Azure runs it as a long-running
// operation; for the local network gateway it answers at once.
func (a *api) patchTags(w http.ResponseWriter, r *http.Request, m Model, what string, respond func(Model) any) {
	var body struct {
		Tags *map[string]string `json:"tags"`
	}
	if !a.readJSON(w, r, &body) {
		return
	}
	current := respond(m)
	if !preconditions(w, r, current) {
		return
	}
	typ := current.(resource).Type
	tags := map[string]string{}
	if body.Tags != nil && *body.Tags != nil {
		tags = *body.Tags
	}
	op := OperationSetGatewayConfiguration
	if typ != typeVirtualNetworkGateway {
		op = OperationSetConnectionConfiguration
	}
	next, err := a.g.change(r.Context(), op, what, withTags(nil, typ, tags))
	if err != nil {
		a.changeFailed(w, err)
		return
	}
	if typ == typeLocalNetworkGateway {
		writeJSON(w, http.StatusOK, respond(next))
		return
	}
	a.done(w, r, next, http.StatusOK, respond(next))
}

// deleteRefused answers a DELETE Azure refuses while the resource is in
// use: the lab's gateway and local network gateway always carry the
// connection.
func deleteRefused(w http.ResponseWriter, m Model, typ, name string) {
	code, msg := "InUseLocalNetworkGatewayCannotBeDeleted", fmt.Sprintf(
		"Local network gateway %s cannot be deleted because it is in use by connection %s.", m.ID("localNetworkGateways", name),
		m.ID("connections", m.Connection.Name))
	if typ == typeVirtualNetworkGateway {
		code, msg = "InUseVirtualNetworkGatewayCannotBeDeleted", fmt.Sprintf(
			"Virtual network gateway %s cannot be deleted because it is in use by connection %s.",
			m.ID("virtualNetworkGateways", name), m.ID("connections", m.Connection.Name))
	}
	writeError(w, http.StatusBadRequest, code, msg)
}

// kinds maps a resource kind as it appears in a path onto its ARM type.
var kinds = map[string]string{
	"virtualnetworkgateways": typeVirtualNetworkGateway,
	"localnetworkgateways":   typeLocalNetworkGateway,
	"connections":            typeConnection,
}

// canonicalKind spells a kind as ARM does ("virtualNetworkGateways").
func canonicalKind(kind string) string {
	if t, ok := kinds[strings.ToLower(kind)]; ok {
		return strings.TrimPrefix(t, "Microsoft.Network/")
	}
	return kind
}

// resources returns the lab's resources as ARM shows them, in a fixed order.
func (a *api) resources(r *http.Request, m Model) []any {
	return []any{
		a.g.present(m.gatewayResource()),
		a.g.present(m.localGatewayResource()),
		a.g.present(m.connectionResource(a.g.connectionStatus(r.Context(), m))),
	}
}

// listKind serves GET .../resourceGroups/{rg}/providers/Microsoft.Network/{kind}.
func (a *api) listKind(w http.ResponseWriter, r *http.Request, m Model, kind string) {
	if a.listNetwork(w, r, m, kind) {
		return
	}
	typ, ok := kinds[strings.ToLower(kind)]
	if !ok {
		writeError(w, http.StatusNotFound, "InvalidResourceType", fmt.Sprintf(
			"The resource type '%s' could not be found in the namespace 'Microsoft.Network' for api version '%s'.",
			kind, r.URL.Query().Get("api-version")))
		return
	}
	if !allow(w, r, http.MethodGet) {
		return
	}
	var out []any
	for _, res := range a.resources(r, m) {
		if res.(resource).Type == typ {
			out = append(out, res)
		}
	}
	writeJSON(w, http.StatusOK, list(out))
}

// genericResource is an item of ARM's generic resource list.
type genericResource struct {
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Type     string            `json:"type"`
	Location string            `json:"location"`
	Tags     map[string]string `json:"tags,omitempty"`
}

// listResources serves GET /subscriptions/{sub}[/resourceGroups/{rg}]/resources
// with an optional $filter "resourceType eq '<type>'", as armresources and
// az resource list use it.
func (a *api) listResources(w http.ResponseWriter, r *http.Request, m Model) {
	if !allow(w, r, http.MethodGet) {
		return
	}
	want := ""
	if f := r.URL.Query().Get("$filter"); f != "" {
		field, value, ok := strings.Cut(f, " eq ")
		if !ok || !strings.EqualFold(strings.TrimSpace(field), "resourceType") {
			writeError(w, http.StatusBadRequest, "InvalidFilterInQueryString", fmt.Sprintf(
				"Invalid $filter '%s' specified in the query string. The lab supports resourceType eq '<type>'.", f))
			return
		}
		want = strings.Trim(strings.TrimSpace(value), "'")
	}
	var out []genericResource
	for _, v := range a.resources(r, m) {
		res := v.(resource)
		if want == "" || strings.EqualFold(res.Type, want) {
			out = append(out, genericResource{res.ID, res.Name, res.Type, res.Location, res.Tags})
		}
	}
	writeJSON(w, http.StatusOK, list(out))
}

// gatewayConnections serves GET virtualNetworkGateways/{name}/connections:
// the VirtualNetworkGatewayConnectionListEntity of each connection.
func (a *api) gatewayConnections(w http.ResponseWriter, r *http.Request, m Model) {
	if !allow(w, r, http.MethodGet) {
		return
	}
	c := a.g.present(m.connectionResource(a.g.connectionStatus(r.Context(), m))).(resource)
	p := c.Properties.(connectionProperties)
	entity := map[string]any{
		"id": c.ID, "name": c.Name, "etag": c.Etag, "location": c.Location,
		"properties": map[string]any{
			"resourceGuid": p.ResourceGUID, "provisioningState": p.ProvisioningState,
			"connectionType": p.ConnectionType, "connectionProtocol": p.ConnectionProtocol,
			"connectionStatus": p.ConnectionStatus.Status, "enableBgp": p.EnableBgp,
			"usePolicyBasedTrafficSelectors": p.UsePolicyBasedTrafficSelectors,
			"ingressBytesTransferred":        p.ConnectionStatus.IngressBytesTransferred, "egressBytesTransferred": p.ConnectionStatus.EgressBytesTransferred,
			"virtualNetworkGateway1": map[string]string{"id": p.VirtualNetworkGateway1.ID},
			"localNetworkGateway2":   map[string]string{"id": p.LocalNetworkGateway2.ID},
		},
	}
	writeJSON(w, http.StatusOK, list([]any{entity}))
}

// deleteConnection answers a DELETE of the connection. Azure deletes it;
// the lab's topology is built around its one connection, so the lab
// refuses with 409 and says so (README, "what the lab does not model").
func (a *api) deleteConnection(w http.ResponseWriter, r *http.Request, m Model) {
	if !preconditions(w, r, m.connectionResource(ConnectionStatus{})) {
		return
	}
	writeError(w, http.StatusConflict, "OperationNotAllowed", fmt.Sprintf(
		"The lab does not delete connection %s: its tunnel and BGP session are the lab. "+
			"Disconnect it with a wrong shared key or reset the gateway instead.", m.Connection.Name))
}
