package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

// Env is what a user's own Azure tools need to reach the lab as a custom
// (Azure Stack Hub-like) cloud: `vpnlab lab env` and `lab status --json`.
// ClientSecret is the lab's own service principal secret, printed on
// purpose; the connection's shared key is not part of it.
type Env struct {
	ARMEndpoint          string `json:"arm_endpoint"`
	CAFile               string `json:"ca_file"`
	Authority            string `json:"authority"`
	TenantID             string `json:"tenant_id"`
	ClientID             string `json:"client_id"`
	ClientSecret         string `json:"client_secret"`
	SubscriptionID       string `json:"subscription_id"`
	ResourceGroup        string `json:"resource_group"`
	Location             string `json:"location"`
	WorkspaceID          string `json:"workspace_id"`
	LogAnalyticsEndpoint string `json:"log_analytics_endpoint"`
	ARMAudience          string `json:"arm_audience"`
	LogAnalyticsAudience string `json:"log_analytics_audience"`
	Gateway              string `json:"virtual_network_gateway"`
	LocalNetworkGateway  string `json:"local_network_gateway"`
	Connection           string `json:"connection"`
}

// Env returns the lab's endpoints and sign-in, writing the API's CA to
// CAFile if it is not there yet. It fails for a lab without sign-in
// (started by an older vpnlab).
func (l *Lab) Env() (Env, error) {
	if l.identity == nil {
		return Env{}, fmt.Errorf("lab %s has no sign-in (started by an older vpnlab): bring it up again", l.id)
	}
	base, err := l.AzureEndpoint()
	if err != nil {
		return Env{}, err
	}
	ca, err := l.writeCAFile()
	if err != nil {
		return Env{}, err
	}
	id, m := l.identity, l.Model
	return Env{
		ARMEndpoint: base + "/", CAFile: ca, Authority: base + "/", TenantID: id.TenantID,
		ClientID: id.ClientID, ClientSecret: id.ClientSecret, SubscriptionID: m.SubscriptionID,
		ResourceGroup: m.ResourceGroup, Location: m.Location, WorkspaceID: azure.WorkspaceID(m),
		LogAnalyticsEndpoint: base + "/v1", ARMAudience: azure.ARMAudience, LogAnalyticsAudience: azure.LogAnalyticsAudience,
		Gateway: m.Gateway.Name, LocalNetworkGateway: m.LocalGateway.Name, Connection: m.Connection.Name,
	}, nil
}

// caDir is where a lab's files for the user's tools live.
func caDir(id string) string { return filepath.Join(os.TempDir(), "vpnlab-"+id) }

// writeCAFile writes the API's CA certificate, 0600 in a 0700 directory,
// and returns its path. Close removes it.
func (l *Lab) writeCAFile() (string, error) {
	if l.apiCA == "" {
		return "", fmt.Errorf("lab %s serves its API without TLS", l.id)
	}
	dir := caDir(l.id)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("ca file: %w", err)
	}
	path := filepath.Join(dir, "api-ca.pem")
	if b, err := os.ReadFile(path); err == nil && string(b) == l.apiCA {
		return path, nil
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(l.apiCA), 0o600); err != nil {
		return "", fmt.Errorf("ca file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("ca file: %w", err)
	}
	return path, nil
}

// removeCAFile removes what writeCAFile wrote.
func (l *Lab) removeCAFile() { _ = os.RemoveAll(caDir(l.id)) }

// tokenCache holds the lab's own access tokens by audience.
type tokenCache struct {
	mu     sync.Mutex
	tokens map[string]cachedToken
}

type cachedToken struct {
	value   string
	expires time.Time
}

// Token signs the lab's service principal in with client credentials and
// returns an access token for audience (azure.ARMAudience or
// azure.LogAnalyticsAudience), reusing one until a minute before it
// expires. extra adds form fields (tests ask for short-lived tokens with
// vpnlab_expires_in; such tokens are not cached).
func (l *Lab) Token(ctx context.Context, audience string, extra url.Values) (string, error) {
	if l.identity == nil {
		return BearerToken, nil
	}
	c := &l.tokens
	c.mu.Lock()
	if t, ok := c.tokens[audience]; ok && len(extra) == 0 && time.Until(t.expires) > time.Minute {
		c.mu.Unlock()
		return t.value, nil
	}
	c.mu.Unlock()
	a, err := l.AzureAPI()
	if err != nil {
		return "", err
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {l.identity.ClientID},
		"client_secret": {l.identity.ClientSecret}, "scope": {strings.TrimSuffix(audience, "/") + "/.default"}}
	for k, v := range extra {
		form[k] = v
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.Base+"/"+l.identity.TenantID+"/oauth2/v2.0/token",
		strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := a.hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("sign in: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var body struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.Unmarshal(b, &body); err != nil || resp.StatusCode != http.StatusOK || body.AccessToken == "" {
		return "", fmt.Errorf("sign in: %s: %s %s", resp.Status, body.Error, body.Description)
	}
	if len(extra) == 0 {
		c.mu.Lock()
		if c.tokens == nil {
			c.tokens = map[string]cachedToken{}
		}
		c.tokens[audience] = cachedToken{body.AccessToken, time.Now().Add(time.Duration(body.ExpiresIn) * time.Second)}
		c.mu.Unlock()
	}
	return body.AccessToken, nil
}
