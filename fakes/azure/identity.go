package azure

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The audiences (resource IDs) the lab's cloud issues tokens for, as an
// Azure Stack Hub cloud has its own management audience. A token for one
// is refused by the other API.
const (
	ARMAudience          = "https://management.vpnlab.local/"
	LogAnalyticsAudience = "https://api.loganalytics.vpnlab.local"
)

// defaultTokenLifetime is how long an access token lasts, as Entra ID's
// client-credentials tokens do (expires_in 3599).
const defaultTokenLifetime = 3599 * time.Second

// Identity is the lab's sign-in: the tenant, the one application
// (service principal) that may sign in with client credentials, and the
// RSA key tokens are signed with. Both gateway instances share it, so that
// a token from either is good at both.
type Identity struct {
	TenantID      string `json:"tenantId"`
	ClientID      string `json:"clientId"`
	ClientSecret  string `json:"clientSecret"`
	SigningKeyPEM string `json:"signingKey"` // PKCS#8 RSA private key
}

// NewIdentity returns an identity with random IDs, secret and a 2048-bit
// signing key.
func NewIdentity() (Identity, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return Identity{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Identity{}, err
	}
	secret := make([]byte, 30)
	rand.Read(secret)
	return Identity{
		TenantID:      requestID(),
		ClientID:      requestID(),
		ClientSecret:  "vpnlab~" + base64.RawURLEncoding.EncodeToString(secret),
		SigningKeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
	}, nil
}

// issuer signs and checks the lab's tokens.
type issuer struct {
	id  Identity
	key *rsa.PrivateKey
	kid string
}

// WithIdentity makes the handler sign clients in as an Azure Stack Hub
// cloud does (metadata endpoints, OpenID discovery, a client-credentials
// token endpoint) and check every ARM and Log Analytics request's bearer
// token: signature, issuer, audience and expiry. Without it any non-empty
// bearer token is accepted. It panics if the key does not parse.
func WithIdentity(id Identity) Option {
	block, _ := pem.Decode([]byte(id.SigningKeyPEM))
	if block == nil {
		panic("azure: WithIdentity: no PEM signing key")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		panic("azure: WithIdentity: " + err.Error())
	}
	key, ok := k.(*rsa.PrivateKey)
	if !ok {
		panic("azure: WithIdentity: the signing key is not RSA")
	}
	sum := sha256.Sum256(key.PublicKey.N.Bytes())
	iss := &issuer{id: id, key: key, kid: base64.RawURLEncoding.EncodeToString(sum[:12])}
	return optionFunc(func(g *Gateway) { g.issuer = iss })
}

// baseURL is the scheme and host the request came in on.
func baseURL(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

func (s *issuer) issuerURL(r *http.Request) string {
	return baseURL(r) + "/" + s.id.TenantID + "/v2.0"
}

// claims are the access token's claims the lab sets and checks.
type claims struct {
	Aud   string `json:"aud"`
	Iss   string `json:"iss"`
	Iat   int64  `json:"iat"`
	Nbf   int64  `json:"nbf"`
	Exp   int64  `json:"exp"`
	AppID string `json:"appid"`
	Azp   string `json:"azp"`
	Oid   string `json:"oid"`
	Sub   string `json:"sub"`
	Tid   string `json:"tid"`
	Ver   string `json:"ver"`
	// Upn names a user signed in on the service principal's behalf (the
	// lab's vpnlab_upn parameter): the Activity Log shows it as the caller.
	Upn string `json:"upn,omitempty"`
}

func (s *issuer) sign(c claims) string {
	header, _ := json.Marshal(map[string]string{"typ": "JWT", "alg": "RS256", "kid": s.kid})
	body, _ := json.Marshal(c)
	signing := b64(header) + "." + b64(body)
	sum := sha256.Sum256([]byte(signing))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, sum[:])
	return signing + "." + b64(sig)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Reasons a token is refused.
var (
	errTokenInvalid  = errors.New("invalid")
	errTokenExpired  = errors.New("expired")
	errTokenAudience = errors.New("audience")
	errTokenIssuer   = errors.New("issuer")
)

// verify checks token's signature, issuer (its path, iss), audience (one
// of audiences) and times against now.
func (s *issuer) verify(token, iss string, audiences []string, now time.Time) (claims, error) {
	var c claims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c, errTokenInvalid
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(hb, &header) != nil || json.Unmarshal(cb, &c) != nil {
		return c, errTokenInvalid
	}
	if header.Alg != "RS256" || header.Kid != s.kid {
		return c, errTokenInvalid
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(&s.key.PublicKey, crypto.SHA256, sum[:], sig) != nil {
		return c, errTokenInvalid
	}
	// The issuer is the lab's authority on whatever host the client used
	// (a standby instance checks tokens issued through the active one).
	if u, err := url.Parse(c.Iss); err != nil || u.Scheme == "" || !strings.EqualFold(u.Path, iss) {
		return c, errTokenIssuer
	}
	if !slices.ContainsFunc(audiences, func(a string) bool { return strings.TrimSuffix(a, "/") == strings.TrimSuffix(c.Aud, "/") }) {
		return c, errTokenAudience
	}
	if now.Unix() >= c.Exp {
		return c, errTokenExpired
	}
	if now.Unix() < c.Nbf {
		return c, errTokenInvalid
	}
	return c, nil
}

// serveIdentity serves the sign-in routes, reporting whether path was one:
//
//	GET  /metadata/endpoints?api-version=2015-01-01|2022-09-01
//	GET  /{tenant}/v2.0/.well-known/openid-configuration (also without v2.0)
//	GET  /{tenant}/discovery/v2.0/keys
//	POST /{tenant}/oauth2/v2.0/token  (also /oauth2/token) client credentials
func (a *api) serveIdentity(w http.ResponseWriter, r *http.Request, path string) bool {
	s := a.g.issuer
	if s == nil {
		return false
	}
	seg := strings.Split(path, "/")
	switch {
	case strings.EqualFold(path, "metadata/endpoints"):
		if allow(w, r, http.MethodGet) {
			a.metadataEndpoints(w, r)
		}
		return true
	case len(seg) >= 3 && strings.HasSuffix(path, ".well-known/openid-configuration"):
		if allow(w, r, http.MethodGet) && s.tenant(w, seg[0]) {
			base := baseURL(r) + "/" + s.id.TenantID
			writeJSON(w, http.StatusOK, map[string]any{
				"issuer":                                s.issuerURL(r),
				"token_endpoint":                        base + "/oauth2/v2.0/token",
				"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
				"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
				"jwks_uri":                              base + "/discovery/v2.0/keys",
				"token_endpoint_auth_methods_supported": []string{"client_secret_post"},
				"response_types_supported":              []string{"token"},
				"grant_types_supported":                 []string{"client_credentials"},
				"subject_types_supported":               []string{"pairwise"},
				"id_token_signing_alg_values_supported": []string{"RS256"},
				"tenant_region_scope":                   "vpnlab",
				"cloud_instance_name":                   r.Host,
			})
		}
		return true
	case len(seg) == 4 && seg[1] == "discovery" && seg[3] == "keys":
		if allow(w, r, http.MethodGet) && s.tenant(w, seg[0]) {
			pub := s.key.PublicKey
			writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]any{{
				"kty": "RSA", "use": "sig", "alg": "RS256", "kid": s.kid,
				"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()), "issuer": s.issuerURL(r),
			}}})
		}
		return true
	case len(seg) >= 3 && seg[1] == "oauth2" && seg[len(seg)-1] == "token":
		if allow(w, r, http.MethodPost) && s.tenant(w, seg[0]) {
			a.token(w, r)
		}
		return true
	}
	return false
}

// tenant writes Entra ID's error unless t is the lab's tenant.
func (s *issuer) tenant(w http.ResponseWriter, t string) bool {
	if strings.EqualFold(t, s.id.TenantID) {
		return true
	}
	oauthError(w, http.StatusBadRequest, "invalid_request", 90002, fmt.Sprintf(
		"AADSTS90002: Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", t))
	return false
}

// oauthError writes an OAuth 2.0 error as Entra ID does.
func oauthError(w http.ResponseWriter, status int, code string, aadsts int, description string) {
	writeJSON(w, status, map[string]any{
		"error": code, "error_description": description, "error_codes": []int{aadsts},
		"timestamp": time.Now().UTC().Format("2006-01-02 15:04:05Z"), "trace_id": requestID(), "correlation_id": requestID(),
	})
}

// vpnlabExpiresIn is the lab's own token-request parameter: a shorter
// lifetime in seconds, so that tests can see a token expire.
const vpnlabExpiresIn = "vpnlab_expires_in"

// vpnlabUPN is the lab's own token-request parameter naming the user a
// change is made by (a portal user), so that a scenario's change shows in
// the Activity Log with that caller.
const vpnlabUPN = "vpnlab_upn"

func (a *api) token(w http.ResponseWriter, r *http.Request) {
	s := a.g.issuer
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", 900144, "AADSTS900144: The request body must contain the following parameter: 'grant_type'.")
		return
	}
	f := r.PostForm
	switch {
	case f.Get("grant_type") != "client_credentials":
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", 70003, fmt.Sprintf(
			"AADSTS70003: The app requested an unsupported grant type '%s'. The lab supports client_credentials only.", f.Get("grant_type")))
		return
	case !strings.EqualFold(f.Get("client_id"), s.id.ClientID):
		oauthError(w, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf(
			"AADSTS700016: Application with identifier '%s' was not found in the directory '%s'.", f.Get("client_id"), s.id.TenantID))
		return
	case subtle.ConstantTimeCompare([]byte(f.Get("client_secret")), []byte(s.id.ClientSecret)) != 1:
		oauthError(w, http.StatusUnauthorized, "invalid_client", 7000215,
			"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.")
		return
	}
	// MSAL adds openid, profile and offline_access to the resource's scope.
	resource := f.Get("resource") // v1 endpoint
	for _, sc := range strings.Fields(f.Get("scope")) {
		if strings.HasSuffix(sc, "/.default") {
			resource = strings.TrimSuffix(sc, "/.default")
		}
	}
	aud := ""
	for _, known := range []string{ARMAudience, LogAnalyticsAudience} {
		if strings.TrimSuffix(resource, "/") == strings.TrimSuffix(known, "/") {
			aud = resource
		}
	}
	if aud == "" {
		oauthError(w, http.StatusBadRequest, "invalid_resource", 500011, fmt.Sprintf(
			"AADSTS500011: The resource principal named %s was not found in the tenant named %s. "+
				"The lab's cloud knows %s and %s.", resource, s.id.TenantID, ARMAudience, LogAnalyticsAudience))
		return
	}
	life := defaultTokenLifetime
	if v := f.Get(vpnlabExpiresIn); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3599 {
			oauthError(w, http.StatusBadRequest, "invalid_request", 900000, vpnlabExpiresIn+" must be 1 to 3599 seconds")
			return
		}
		life = time.Duration(n) * time.Second
	}
	a.g.mu.Lock()
	now := a.g.now().UTC()
	a.g.mu.Unlock()
	tok := s.sign(claims{Aud: aud, Iss: s.issuerURL(r), Iat: now.Unix(), Nbf: now.Unix() - 300, Exp: now.Add(life).Unix(),
		AppID: s.id.ClientID, Azp: s.id.ClientID, Oid: s.id.ClientID, Sub: s.id.ClientID, Tid: s.id.TenantID, Ver: "2.0",
		Upn: f.Get(vpnlabUPN)})
	secs := int(life / time.Second)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": secs, "ext_expires_in": secs, "access_token": tok})
}

// metadataEndpoints serves {arm}/metadata/endpoints: the 2015-01-01 shape
// az cloud register and PowerShell's Add-AzEnvironment -ARMEndpoint read,
// or with api-version 2022-09-01 the list of clouds Terraform's azurerm
// metadata_host reads.
func (a *api) metadataEndpoints(w http.ResponseWriter, r *http.Request) {
	s, base := a.g.issuer, baseURL(r)
	login := base + "/"
	if r.URL.Query().Get("api-version") >= "2019-05-01" {
		writeJSON(w, http.StatusOK, []map[string]any{{
			"name":            "vpnlab",
			"resourceManager": base + "/",
			"portal":          base + "/",
			"authentication": map[string]any{
				"loginEndpoint": login, "audiences": []string{ARMAudience}, "tenant": s.id.TenantID, "identityProvider": "AAD",
			},
			"logAnalyticsResourceId": LogAnalyticsAudience,
			"suffixes":               map[string]any{"storage": "vpnlab.local", "keyVaultDns": "vault.vpnlab.local"},
			"gallery":                base + "/", "graph": base + "/", "graphAudience": base + "/", "media": base + "/",
			"sqlManagement": base + "/", "microsoftGraphResourceId": base + "/", "appInsightsResourceId": base + "/",
			"appInsightsTelemetryChannelResourceId": base + "/", "attestationResourceId": base + "/",
			"synapseAnalyticsResourceId": base + "/", "batch": base + "/", "activeDirectoryDataLake": base + "/",
			"ossrDbmsResourceId": base + "/", "logAnalytics": base + "/",
		}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"galleryEndpoint": base + "/",
		"graphEndpoint":   base + "/",
		"portalEndpoint":  base + "/",
		"authentication":  map[string]any{"loginEndpoint": login, "audiences": []string{ARMAudience}},
	})
}

// authorize checks the request's bearer token for audience aud. Without
// an identity any non-empty bearer token passes. It writes the refusal
// itself (ARM's or Log Analytics' shape) and returns false.
func (a *api) authorize(w http.ResponseWriter, r *http.Request, aud string) bool {
	h := r.Header.Get("Authorization")
	scheme, token, _ := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		if aud == LogAnalyticsAudience {
			laError(w, http.StatusUnauthorized, "AuthorizationRequiredError", "Valid authentication was not provided")
			return false
		}
		return authorized(w, r)
	}
	s := a.g.issuer
	if s == nil {
		return true
	}
	a.g.mu.Lock()
	now := a.g.now().UTC()
	a.g.mu.Unlock()
	c, err := s.verify(token, "/"+s.id.TenantID+"/v2.0", []string{aud}, now)
	if err == nil {
		return true
	}
	code, msg := "InvalidAuthenticationToken", "The access token is invalid."
	switch err {
	case errTokenExpired:
		code, msg = "ExpiredAuthenticationToken", fmt.Sprintf(
			"The access token expiry UTC time '%s' is earlier than current UTC time '%s'.",
			time.Unix(c.Exp, 0).UTC().Format("1/2/2006 3:04:05 PM"), now.Format("1/2/2006 3:04:05 PM"))
	case errTokenAudience:
		code, msg = "InvalidAuthenticationTokenAudience", fmt.Sprintf(
			"The access token has been obtained for wrong audience or resource '%s'. "+
				"It should exactly match with one of the allowed audiences '%s','%s'.", c.Aud, aud, strings.TrimSuffix(aud, "/"))
	case errTokenIssuer:
		code, msg = "InvalidAuthenticationTokenTenant", fmt.Sprintf(
			"The access token is from the wrong issuer '%s'. It must match the tenant '%s' associated with this subscription. "+
				"Please use the authority (URL) '%s' to get the token.", c.Iss, s.issuerURL(r), baseURL(r)+"/"+s.id.TenantID)
	}
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer authorization_uri="%s/%s", error="invalid_token", error_description="%s"`,
		baseURL(r), s.id.TenantID, msg))
	if aud == LogAnalyticsAudience {
		laError(w, http.StatusUnauthorized, "InvalidTokenError", "The provided authentication is not valid for this resource: "+msg)
		return false
	}
	writeError(w, http.StatusUnauthorized, code, msg)
	return false
}
