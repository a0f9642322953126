package azure_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

// signedIn is a gateway with the lab's sign-in and a test server for it.
type signedIn struct {
	t   *testing.T
	id  azure.Identity
	g   *azure.Gateway
	srv *httptest.Server
}

func newSignedIn(t *testing.T) *signedIn {
	t.Helper()
	id, err := azure.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	g, _ := newGateway(t, azure.WithIdentity(id))
	srv := httptest.NewServer(g.Handler())
	t.Cleanup(srv.Close)
	return &signedIn{t, id, g, srv}
}

// token asks the token endpoint; form overrides the defaults.
func (s *signedIn) token(tenant string, form url.Values) (int, map[string]any) {
	s.t.Helper()
	f := url.Values{"grant_type": {"client_credentials"}, "client_id": {s.id.ClientID},
		"client_secret": {s.id.ClientSecret}, "scope": {azure.ARMAudience + ".default"}}
	for k, v := range form {
		f[k] = v
	}
	resp, err := http.PostForm(s.srv.URL+"/"+tenant+"/oauth2/v2.0/token", f)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func (s *signedIn) accessToken(form url.Values) string {
	s.t.Helper()
	status, body := s.token(s.id.TenantID, form)
	tok, _ := body["access_token"].(string)
	if status != 200 || tok == "" {
		s.t.Fatalf("token: %d %v", status, body)
	}
	return tok
}

func (s *signedIn) call(method, path, token, body string) (int, http.Header, string) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestDiscovery(t *testing.T) {
	s := newSignedIn(t)
	_, _, meta := s.call("GET", "/metadata/endpoints?api-version=2015-01-01", "", "")
	for _, want := range []string{`"loginEndpoint":"` + s.srv.URL + `/"`, `"audiences":["` + azure.ARMAudience + `"]`} {
		if !strings.Contains(meta, want) {
			t.Errorf("metadata %s lacks %s", meta, want)
		}
	}
	_, _, meta = s.call("GET", "/metadata/endpoints?api-version=2022-09-01", "", "")
	if !strings.HasPrefix(meta, "[") || !strings.Contains(meta, `"resourceManager":"`+s.srv.URL+`/"`) {
		t.Errorf("metadata 2022-09-01: %s", meta)
	}
	status, _, oidc := s.call("GET", "/"+s.id.TenantID+"/v2.0/.well-known/openid-configuration", "", "")
	var doc map[string]any
	json.Unmarshal([]byte(oidc), &doc)
	if status != 200 || doc["issuer"] != s.srv.URL+"/"+s.id.TenantID+"/v2.0" ||
		doc["token_endpoint"] != s.srv.URL+"/"+s.id.TenantID+"/oauth2/v2.0/token" {
		t.Errorf("openid configuration %d %s", status, oidc)
	}
	status, _, keys := s.call("GET", "/"+s.id.TenantID+"/discovery/v2.0/keys", "", "")
	if status != 200 || !strings.Contains(keys, `"kty":"RSA"`) {
		t.Errorf("keys %d %s", status, keys)
	}
	status, _, body := s.call("GET", "/nope/v2.0/.well-known/openid-configuration", "", "")
	if status != 400 || !strings.Contains(body, "AADSTS90002") {
		t.Errorf("foreign tenant: %d %s", status, body)
	}
}

func TestTokenEndpoint(t *testing.T) {
	s := newSignedIn(t)
	tests := []struct {
		name   string
		tenant string
		form   url.Values
		status int
		err    string
	}{
		{"client credentials", s.id.TenantID, nil, 200, ""},
		{"log analytics", s.id.TenantID, url.Values{"scope": {azure.LogAnalyticsAudience + "/.default"}}, 200, ""},
		{"as MSAL asks", s.id.TenantID, url.Values{"scope": {azure.ARMAudience + ".default openid offline_access profile"}}, 200, ""},
		{"wrong secret", s.id.TenantID, url.Values{"client_secret": {"nope"}}, 401, "invalid_client"},
		{"unknown client", s.id.TenantID, url.Values{"client_id": {"11111111-1111-1111-1111-111111111111"}}, 400, "unauthorized_client"},
		{"foreign resource", s.id.TenantID, url.Values{"scope": {"https://management.azure.com/.default"}}, 400, "invalid_resource"},
		{"other grant", s.id.TenantID, url.Values{"grant_type": {"password"}}, 400, "unsupported_grant_type"},
		{"other tenant", "22222222-2222-2222-2222-222222222222", nil, 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := s.token(tt.tenant, tt.form)
			if status != tt.status || tt.err != "" && body["error"] != tt.err {
				t.Fatalf("got %d %v", status, body)
			}
			if tt.status == 200 && (body["token_type"] != "Bearer" || body["expires_in"] != float64(3599)) {
				t.Errorf("token response %v", body)
			}
			if strings.Contains(strings.ToLower(mustJSON(body)), strings.ToLower(s.id.ClientSecret)) {
				t.Error("the response carries the client secret")
			}
		})
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestTokenChecks: ARM and Log Analytics take only the lab's unexpired
// tokens for their own audience, and refuse the rest as Azure does.
func TestTokenChecks(t *testing.T) {
	s := newSignedIn(t)
	other := newSignedIn(t)
	arm := s.accessToken(nil)
	la := s.accessToken(url.Values{"scope": {azure.LogAnalyticsAudience + "/.default"}})
	expired := s.accessToken(url.Values{"vpnlab_expires_in": {"1"}}) // the fake clock moves 1 s a reading
	foreign := other.accessToken(nil)
	tampered := arm[:len(arm)-4] + "AAAA"
	gw := base + "virtualNetworkGateways/vpnlab-vng" + version
	query := "/v1/workspaces/" + azure.WorkspaceID(azure.DefaultModel()) + "/query"
	tests := []struct {
		name, path, token string
		status            int
		code              string
	}{
		{"ARM token", gw, arm, 200, ""},
		{"no token", gw, "", 401, "AuthenticationFailed"},
		{"garbage", gw, "not-a-jwt", 401, "InvalidAuthenticationToken"},
		{"tampered signature", gw, tampered, 401, "InvalidAuthenticationToken"},
		{"another lab's token", gw, foreign, 401, "InvalidAuthenticationToken"},
		{"expired", gw, expired, 401, "ExpiredAuthenticationToken"},
		{"Log Analytics audience on ARM", gw, la, 401, "InvalidAuthenticationTokenAudience"},
		{"Log Analytics token", query, la, 200, ""},
		{"ARM audience on Log Analytics", query, arm, 401, "InvalidTokenError"},
		{"no token on Log Analytics", query, "", 401, "AuthorizationRequiredError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, body := "GET", ""
			if strings.HasPrefix(tt.path, "/v1/") {
				method, body = "POST", `{"query":"AzureDiagnostics | count"}`
			}
			status, hdr, resp := s.call(method, tt.path, tt.token, body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, resp)
			}
			if tt.code == "" {
				return
			}
			var e struct {
				Error struct{ Code, Message string }
			}
			json.Unmarshal([]byte(resp), &e)
			if e.Error.Code != tt.code {
				t.Errorf("code %q, want %q (%s)", e.Error.Code, tt.code, resp)
			}
			if !strings.HasPrefix(tt.path, "/v1/") && !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer ") {
				t.Errorf("WWW-Authenticate %q", hdr.Get("WWW-Authenticate"))
			}
		})
	}
}

// A change made with a signed token that names a user (the lab's
// vpnlab_upn parameter) is accepted and shows that user as its caller.
func TestSignedInUserIsTheCaller(t *testing.T) {
	s := newSignedIn(t)
	tok := s.accessToken(url.Values{"vpnlab_upn": {"netadmin@contoso.example"}})
	status, _, resp := s.call(http.MethodPut, base+"connections/onprem-conn"+version, tok, `{"properties":{"dpdTimeoutSeconds":30}}`)
	if status/100 != 2 {
		t.Fatalf("PUT with a signed user token: %d %s", status, resp)
	}
	// The change is applied (and logged) after the 200 Updating answer:
	// wait for it as a client polls the operation.
	evs := s.g.Activity(time.Time{}) // the gateway runs on a fake clock
	for deadline := time.Now().Add(5 * time.Second); len(evs) == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		evs = s.g.Activity(time.Time{})
	}
	if len(evs) != 1 || evs[0].Caller != "netadmin@contoso.example" {
		t.Errorf("activity %+v, want one change by netadmin@contoso.example", evs)
	}
}
