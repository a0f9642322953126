package azure

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Handler returns an HTTP handler that serves the gateway in the shape of
// Azure Resource Manager, under
// /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/:
//
//	GET  virtualNetworkGateways/{name}
//	POST virtualNetworkGateways/{name}/getBgpPeerStatus[?peer=IP]
//	POST virtualNetworkGateways/{name}/getLearnedRoutes
//	POST virtualNetworkGateways/{name}/getAdvertisedRoutes[?peer=IP]
//	GET  localNetworkGateways/{name}
//	GET  connections/{name}
//	GET  connections/{name}/sharedkey
//
// ARM routes need a non-empty api-version query parameter. Paths and names
// match case-insensitively, as in ARM. Azure returns the shared key from
// the sharedkey route; the lab never discloses it and answers
// {"value":"<redacted>"}. Actions answer 200 at once rather than through
// an asynchronous operation.
//
// Two routes are the lab's own:
//
//	GET /vpnlab/diagnostics[?category=C][&since=RFC3339] {"value":[LogRecord...]}
//	GET /healthz                                          ok
//
// Any Authorization header, or none, is accepted.
func (g *Gateway) Handler() http.Handler { return &api{g: g} }

type api struct{ g *Gateway }

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-ms-request-id", requestID())
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
	case strings.EqualFold(first(path), "subscriptions"):
		a.arm(w, r, strings.Split(path, "/"))
	default:
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("No route matches %q.", r.URL.Path))
	}
}

// arm serves seg, the path
// subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{kind}/{name}[/{action}].
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
	if len(seg) < 4 || !strings.EqualFold(seg[2], "resourceGroups") || !strings.EqualFold(seg[3], m.ResourceGroup) {
		writeError(w, http.StatusNotFound, "ResourceGroupNotFound",
			fmt.Sprintf("Resource group '%s' could not be found.", at(seg, 3)))
		return
	}
	if len(seg) < 8 || len(seg) > 9 || !strings.EqualFold(seg[4], "providers") || !strings.EqualFold(seg[5], "Microsoft.Network") {
		notFound(w, m, strings.Join(seg[4:], "/"))
		return
	}
	kind, name, action := seg[6], seg[7], at(seg, 8)
	switch {
	case strings.EqualFold(kind, "virtualNetworkGateways") && strings.EqualFold(name, m.Gateway.Name):
		a.gateway(w, r, m, action)
	case strings.EqualFold(kind, "localNetworkGateways") && strings.EqualFold(name, m.LocalGateway.Name) && action == "":
		if allow(w, r, http.MethodGet) {
			writeJSON(w, http.StatusOK, m.localGatewayResource())
		}
	case strings.EqualFold(kind, "connections") && strings.EqualFold(name, m.Connection.Name):
		a.connection(w, r, m, action)
	default:
		notFound(w, m, typeName(kind, name, action))
	}
}

func (a *api) gateway(w http.ResponseWriter, r *http.Request, m Model, action string) {
	peer := r.URL.Query().Get("peer")
	switch strings.ToLower(action) {
	case "":
		if allow(w, r, http.MethodGet) {
			writeJSON(w, http.StatusOK, m.gatewayResource())
		}
	case "getbgppeerstatus":
		if allow(w, r, http.MethodPost) {
			peers := a.g.BgpPeers()
			if peer != "" {
				peers = slices.DeleteFunc(peers, func(p BgpPeerStatus) bool { return p.Neighbor != peer })
			}
			writeJSON(w, http.StatusOK, list(peers))
		}
	case "getlearnedroutes":
		if allow(w, r, http.MethodPost) {
			writeJSON(w, http.StatusOK, list(a.g.LearnedRoutes()))
		}
	case "getadvertisedroutes":
		if allow(w, r, http.MethodPost) {
			routes := a.g.AdvertisedRoutes()
			if peer != "" && !a.knownPeer(peer) {
				routes = nil
			}
			writeJSON(w, http.StatusOK, list(routes))
		}
	default:
		notFound(w, m, typeName("virtualNetworkGateways", m.Gateway.Name, action))
	}
}

// knownPeer reports whether the gateway peers with ip; the lab advertises
// the same routes to every peer.
func (a *api) knownPeer(ip string) bool {
	return slices.ContainsFunc(a.g.BgpPeers(), func(p BgpPeerStatus) bool { return p.Neighbor == ip })
}

func (a *api) connection(w http.ResponseWriter, r *http.Request, m Model, action string) {
	switch strings.ToLower(action) {
	case "":
		if allow(w, r, http.MethodGet) {
			writeJSON(w, http.StatusOK, m.connectionResource(a.g.Status()))
		}
	case "sharedkey":
		if allow(w, r, http.MethodGet) {
			writeJSON(w, http.StatusOK, struct {
				Value string `json:"value"`
			}{redacted})
		}
	default:
		notFound(w, m, typeName("connections", m.Connection.Name, action))
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

// allow writes a 405 unless r uses method.
func allow(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method {
		return true
	}
	w.Header().Set("Allow", method)
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

// writeError writes an ARM error body: {"error":{"code":...,"message":...}}.
func writeError(w http.ResponseWriter, status int, code, message string) {
	type body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	writeJSON(w, status, struct {
		Error body `json:"error"`
	}{body{code, message}})
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
