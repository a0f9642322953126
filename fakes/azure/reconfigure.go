package azure

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Reconfigurer makes a model change real: the daemon that runs charon and
// the BGP speaker implements it. Apply receives the committed model and the
// validated new one, shared key included; the gateway commits the new model
// only if Apply returns nil. Reset reboots the gateway instance, as Azure's
// gateway reset does. Both may take time; ctx carries the deadline.
type Reconfigurer interface {
	Apply(ctx context.Context, old, new Model) error
	Reset(ctx context.Context) error
}

type nopReconfigurer struct{}

func (nopReconfigurer) Apply(context.Context, Model, Model) error { return nil }
func (nopReconfigurer) Reset(context.Context) error               { return nil }

// WithReconfigurer sets what a model change or a reset through the API
// calls (default: nothing, the change is only recorded). It panics if r is nil.
func WithReconfigurer(r Reconfigurer) Option {
	if r == nil {
		panic("azure: WithReconfigurer: nil Reconfigurer")
	}
	return optionFunc(func(g *Gateway) { g.reconf = r })
}

// Errors of a configuration change, mapped onto ARM responses by the handler.
var (
	errBusy = errors.New("another operation on this or a dependent resource is in progress")
)

// validationErrors is a change Azure would refuse: HTTP 400.
type validationErrors []*ValidationError

func (v validationErrors) Error() string { return v[0].Error() }

// applyError is a change the Reconfigurer failed to make: HTTP 500.
// message is the error's text with every shared key redacted, the
// rejected new one included.
type applyError struct {
	err     error
	message string
}

func (e *applyError) Error() string { return "apply: " + e.message }
func (e *applyError) Unwrap() error { return e.err }

// applyFailed wraps a Reconfigurer's error, every key the connection has
// had and the rejected newKey redacted from its text.
func (g *Gateway) applyFailed(err error, newKey string) *applyError {
	g.mu.Lock()
	keys := append(slices.Clone(g.keys), newKey)
	g.mu.Unlock()
	slices.SortStableFunc(keys, func(a, b string) int { return len(b) - len(a) })
	return &applyError{err, redactKeys(err.Error(), keys)}
}

// edit changes a copy of the model and returns the names of the properties
// it changed, or a *ValidationError for a request Azure refuses outright.
type edit func(m *Model) (changed []string, err error)

// change runs one configuration change: it edits a copy of the model,
// validates it, has the Reconfigurer apply it and only then commits it and
// writes a GatewayDiagnosticLog record of operation op. A change that
// changes nothing is not applied. It returns the committed model.
func (g *Gateway) change(ctx context.Context, op, what string, e edit) (Model, error) {
	if !g.cfg.TryLock() {
		return Model{}, errBusy
	}
	defer g.cfg.Unlock()
	old, next, changed, err := g.prepare(e)
	if err != nil || len(changed) == 0 {
		return old, err
	}
	return g.commit(ctx, op, what, old, next, changed)
}

// prepare edits a copy of the model and validates it; g.cfg is held.
func (g *Gateway) prepare(e edit) (old, next Model, changed []string, err error) {
	old = g.Model()
	next = old.clone()
	changed, err = e(&next)
	if err != nil {
		return old, old, nil, err
	}
	if len(changed) == 0 {
		return old, old, nil, nil
	}
	if errs := newProblems(old, next); len(errs) > 0 {
		return old, old, nil, errs
	}
	return old, next, changed, nil
}

// commit has the Reconfigurer apply next and then commits and logs it;
// g.cfg is held.
func (g *Gateway) commit(ctx context.Context, op, what string, old, next Model, changed []string) (Model, error) {
	if err := g.reconf.Apply(ctx, old.clone(), next.clone()); err != nil {
		return old, g.applyFailed(err, next.Connection.SharedKey)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.model = next
	g.rememberKeyLocked(next.Connection.SharedKey)
	g.recordActivityLocked(ctx, old, next, changed)
	if op == "" {
		return next.clone(), nil // not the gateway's configuration: no GatewayDiagnosticLog record
	}
	g.logLocked(LogRecord{
		Category:        CategoryGateway,
		OperationName:   op,
		Level:           LevelInformational,
		Message:         fmt.Sprintf("Configuration of %s updated: %s", what, strings.Join(changed, ", ")),
		OperationStatus: "Success",
	})
	return next.clone(), nil
}

// newProblems returns the validation errors of next that old did not
// already have, so that a model that was invalid from the start does not
// make every later change fail.
func newProblems(old, next Model) validationErrors {
	had := map[ValidationError]bool{}
	for _, e := range validationList(old.Validate()) {
		had[*e] = true
	}
	var out validationErrors
	for _, e := range validationList(next.Validate()) {
		if !had[*e] {
			out = append(out, e)
		}
	}
	return out
}

// validationList unpacks the errors.Join of Model.Validate.
func validationList(err error) []*ValidationError {
	if err == nil {
		return nil
	}
	var out []*ValidationError
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, validationList(e)...)
		}
		return out
	}
	var v *ValidationError
	if errors.As(err, &v) {
		out = append(out, v)
	}
	return out
}

func invalid(code, resource, field, format string, args ...any) error {
	return validationErrors{{Code: code, Resource: resource, Field: field, Message: fmt.Sprintf(format, args...)}}
}

// The properties a PUT may change, as pointers so that an absent property
// leaves the model's value alone (see Handler).

type gatewayPut struct {
	EnableBgp   *bool `json:"enableBgp"`
	BgpSettings *struct {
		Asn                 *int64 `json:"asn"`
		BgpPeeringAddresses *[]struct {
			CustomBgpIPAddresses []string `json:"customBgpIpAddresses"`
		} `json:"bgpPeeringAddresses"`
	} `json:"bgpSettings"`
	VpnClientConfiguration *struct {
		AddressPool *struct {
			AddressPrefixes *[]string `json:"addressPrefixes"`
		} `json:"vpnClientAddressPool"`
		RootCertificates *[]struct {
			Name       string `json:"name"`
			Properties struct {
				PublicCertData string `json:"publicCertData"`
			} `json:"properties"`
		} `json:"vpnClientRootCertificates"`
		RevokedCertificates *[]struct {
			Name       string `json:"name"`
			Properties struct {
				Thumbprint string `json:"thumbprint"`
			} `json:"properties"`
		} `json:"vpnClientRevokedCertificates"`
		AuthenticationTypes *[]string `json:"vpnAuthenticationTypes"`
		RadiusServerAddress *string   `json:"radiusServerAddress"`
		RadiusServerSecret  *string   `json:"radiusServerSecret"`
		RadiusServers       *[]struct {
			Address string `json:"radiusServerAddress"`
			Score   int    `json:"radiusServerScore"`
			Secret  string `json:"radiusServerSecret"`
		} `json:"radiusServers"`
	} `json:"vpnClientConfiguration"`
}

type localGatewayPut struct {
	GatewayIPAddress         *string `json:"gatewayIpAddress"`
	LocalNetworkAddressSpace *struct {
		AddressPrefixes *[]string `json:"addressPrefixes"`
	} `json:"localNetworkAddressSpace"`
	BgpSettings *struct {
		Asn               *int64  `json:"asn"`
		BgpPeeringAddress *string `json:"bgpPeeringAddress"`
	} `json:"bgpSettings"`
}

type connectionPut struct {
	SharedKey                      *string        `json:"sharedKey"`
	IpsecPolicies                  *[]IpsecPolicy `json:"ipsecPolicies"`
	EnableBgp                      *bool          `json:"enableBgp"`
	DpdTimeoutSeconds              *int           `json:"dpdTimeoutSeconds"`
	UsePolicyBasedTrafficSelectors *bool          `json:"usePolicyBasedTrafficSelectors"`
	ConnectionProtocol             *string        `json:"connectionProtocol"`
}

// changes collects the names of changed properties.
type changes []string

func set[T comparable](c *changes, name string, dst *T, src *T) {
	if src != nil && *dst != *src {
		*dst = *src
		*c = append(*c, name)
	}
}

func setList[T comparable](c *changes, name string, dst *[]T, src []T) {
	if !slices.Equal(*dst, src) {
		*dst = slices.Clone(src)
		*c = append(*c, name)
	}
}

// asn checks a JSON ASN against the 32-bit range.
func asn(v int64, resource string) (uint32, error) {
	if v < 1 || v > 4294967295 {
		return 0, invalid(CodeInvalidAsn, resource, "properties.bgpSettings.asn", "ASN %d is outside 1-4294967295", v)
	}
	return uint32(v), nil
}

func (p *gatewayPut) edit(m *Model) ([]string, error) {
	var c changes
	gw := &m.Gateway
	res := "virtualNetworkGateways/" + gw.Name
	set(&c, "enableBgp", &gw.EnableBgp, p.EnableBgp)
	if b := p.BgpSettings; b != nil {
		if b.Asn != nil {
			a, err := asn(*b.Asn, res)
			if err != nil {
				return nil, err
			}
			set(&c, "bgpSettings.asn", &gw.Asn, &a)
		}
		if b.BgpPeeringAddresses != nil {
			var custom []string
			for _, a := range *b.BgpPeeringAddresses {
				custom = append(custom, a.CustomBgpIPAddresses...)
			}
			setList(&c, "bgpSettings.bgpPeeringAddresses.customBgpIpAddresses", &gw.CustomBgpIPAddresses, custom)
		}
	}
	if err := p.editRadius(&c, gw, res); err != nil {
		return nil, err
	}
	if vc := p.VpnClientConfiguration; vc != nil && (vc.RootCertificates != nil || vc.RevokedCertificates != nil ||
		(vc.AddressPool != nil && vc.AddressPool.AddressPrefixes != nil)) {
		if gw.VpnClient == nil {
			return nil, invalid(CodeInvalidParameter, res, "properties.vpnClientConfiguration",
				"point-to-site is not configured on this gateway; the lab changes its address pool, root and revoked certificates only")
		}
		if ap := vc.AddressPool; ap != nil && ap.AddressPrefixes != nil {
			// Checked against the VNet by Validate, as Azure does on save.
			setList(&c, "vpnClientConfiguration.vpnClientAddressPool.addressPrefixes", &gw.VpnClient.AddressPrefixes, *ap.AddressPrefixes)
		}
		if vc.RootCertificates != nil {
			var roots []VpnClientRootCertificate
			for i, r := range *vc.RootCertificates {
				if err := checkRoot(res, i, r.Name, r.Properties.PublicCertData); err != nil {
					return nil, err
				}
				roots = append(roots, VpnClientRootCertificate{Name: r.Name, PublicCertData: r.Properties.PublicCertData})
			}
			if len(roots) > maxRootCertificates {
				return nil, invalid(CodeInvalidParameter, res, "properties.vpnClientConfiguration.vpnClientRootCertificates",
					"a gateway takes at most %d root certificates, got %d", maxRootCertificates, len(roots))
			}
			setList(&c, "vpnClientConfiguration.vpnClientRootCertificates", &gw.VpnClient.RootCertificates, roots)
		}
		if vc.RevokedCertificates != nil {
			var revoked []VpnClientRevokedCertificate
			for i, r := range *vc.RevokedCertificates {
				if !thumbprint(r.Properties.Thumbprint) {
					return nil, invalid(CodeInvalidParameter, res,
						fmt.Sprintf("properties.vpnClientConfiguration.vpnClientRevokedCertificates[%d].properties.thumbprint", i),
						"thumbprint %q is not a SHA-1 thumbprint (40 hexadecimal digits)", r.Properties.Thumbprint)
				}
				revoked = append(revoked, VpnClientRevokedCertificate{Name: r.Name, Thumbprint: r.Properties.Thumbprint})
			}
			setList(&c, "vpnClientConfiguration.vpnClientRevokedCertificates", &gw.VpnClient.RevokedCertificates, revoked)
		}
	}
	return c, nil
}

// editRadius applies vpnAuthenticationTypes and the RADIUS server
// (radiusServerAddress / radiusServerSecret, or radiusServers[], of which
// the lab takes one) as Azure does. The secret is write-only: a client
// that echoes "<redacted>" back leaves it alone.
func (p *gatewayPut) editRadius(c *changes, gw *VirtualNetworkGateway, res string) error {
	vc := p.VpnClientConfiguration
	if vc == nil || (vc.AuthenticationTypes == nil && vc.RadiusServerAddress == nil && vc.RadiusServerSecret == nil && vc.RadiusServers == nil) {
		return nil
	}
	if gw.VpnClient == nil {
		return invalid(CodeInvalidParameter, res, "properties.vpnClientConfiguration",
			"point-to-site is not configured on this gateway")
	}
	addr, secret := vc.RadiusServerAddress, vc.RadiusServerSecret
	if vc.RadiusServers != nil {
		switch n := len(*vc.RadiusServers); {
		case n > 1:
			return invalid(CodeInvalidParameter, res, "properties.vpnClientConfiguration.radiusServers",
				"the lab's gateway takes one RADIUS server, got %d", n)
		case n == 1:
			// The secret is write-only: an entry echoed back from a GET
			// (without it) leaves it alone, as a client's GET-modify-PUT does.
			s := (*vc.RadiusServers)[0]
			addr = &s.Address
			if s.Secret != "" {
				secret = &s.Secret
			}
		}
	}
	if vc.AuthenticationTypes != nil {
		for i, t := range *vc.AuthenticationTypes {
			if t != "Certificate" && t != "Radius" && t != "AAD" {
				return invalid(CodeInvalidParameter, res, fmt.Sprintf("properties.vpnClientConfiguration.vpnAuthenticationTypes[%d]", i),
					"authentication type %q is not one of Certificate, Radius, AAD", t)
			}
		}
		setList(c, "vpnClientConfiguration.vpnAuthenticationTypes", &gw.VpnClient.AuthenticationTypes, *vc.AuthenticationTypes)
	}
	if addr != nil {
		if _, err := netip.ParseAddr(*addr); err != nil && *addr != "" {
			return invalid(CodeInvalidParameter, res, "properties.vpnClientConfiguration.radiusServerAddress",
				"RADIUS server address %q is not an IP address", *addr)
		}
		set(c, "vpnClientConfiguration.radiusServerAddress", &gw.VpnClient.RadiusServerAddress, addr)
	}
	if secret != nil && *secret != redacted {
		set(c, "vpnClientConfiguration.radiusServerSecret", &gw.VpnClient.RadiusServerSecret, secret)
	}
	if gw.VpnClient.Radius() && (gw.VpnClient.RadiusServerAddress == "" || gw.VpnClient.RadiusServerSecret == "") {
		return invalid(CodeInvalidParameter, res, "properties.vpnClientConfiguration",
			"RADIUS authentication needs radiusServerAddress and radiusServerSecret")
	}
	return nil
}

const maxRootCertificates = 20

// checkRoot accepts an uploaded root as Azure takes it: Base64 DER of an
// X.509 certificate, without PEM header lines.
func checkRoot(res string, i int, name, data string) error {
	field := fmt.Sprintf("properties.vpnClientConfiguration.vpnClientRootCertificates[%d]", i)
	if name == "" {
		return invalid(CodeInvalidParameter, res, field+".name", "root certificate name is required")
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(data), ""))
	if err == nil {
		_, err = x509.ParseCertificate(der)
	}
	if err != nil {
		return invalid(CodeInvalidParameter, res, field+".properties.publicCertData",
			"root certificate %q is not a Base64-encoded X.509 certificate", name)
	}
	return nil
}

func thumbprint(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

func (p *localGatewayPut) edit(m *Model) ([]string, error) {
	var c changes
	lng := &m.LocalGateway
	set(&c, "gatewayIpAddress", &lng.GatewayIPAddress, p.GatewayIPAddress)
	if s := p.LocalNetworkAddressSpace; s != nil && s.AddressPrefixes != nil {
		setList(&c, "localNetworkAddressSpace.addressPrefixes", &lng.AddressPrefixes, *s.AddressPrefixes)
	}
	if b := p.BgpSettings; b != nil {
		if b.Asn != nil {
			a, err := asn(*b.Asn, "localNetworkGateways/"+lng.Name)
			if err != nil {
				return nil, err
			}
			set(&c, "bgpSettings.asn", &lng.Asn, &a)
		}
		set(&c, "bgpSettings.bgpPeeringAddress", &lng.BgpPeeringAddress, b.BgpPeeringAddress)
	}
	return c, nil
}

func (p *connectionPut) edit(m *Model) ([]string, error) {
	var c changes
	conn := &m.Connection
	res := "connections/" + conn.Name
	if p.ConnectionProtocol != nil && *p.ConnectionProtocol != conn.ConnectionProtocol {
		return nil, invalid(CodeConnectionProtocolCannotChange, res, "properties.connectionProtocol",
			"the connection protocol of connection %s is %s and cannot be changed to %q after creation; "+
				"delete and re-create the connection", conn.Name, conn.ConnectionProtocol, *p.ConnectionProtocol)
	}
	// The key is write-only: a client that echoes "<redacted>" back leaves it alone.
	if p.SharedKey != nil && *p.SharedKey != redacted {
		set(&c, "sharedKey", &conn.SharedKey, p.SharedKey)
	}
	if p.IpsecPolicies != nil {
		setList(&c, "ipsecPolicies", &conn.IpsecPolicies, *p.IpsecPolicies)
	}
	set(&c, "enableBgp", &conn.EnableBgp, p.EnableBgp)
	if p.DpdTimeoutSeconds != nil {
		dpd := *p.DpdTimeoutSeconds
		if conn.DpdTimeoutSeconds == 0 && dpd == defaultDpdSecond {
			dpd = 0 // the GET shows the default for an unset timeout
		}
		set(&c, "dpdTimeoutSeconds", &conn.DpdTimeoutSeconds, &dpd)
	}
	set(&c, "usePolicyBasedTrafficSelectors", &conn.UsePolicyBasedTrafficSelectors, p.UsePolicyBasedTrafficSelectors)
	return c, nil
}

// setSharedKey is the edit of PUT connections/{name}/sharedkey.
func setSharedKey(key string) edit {
	return func(m *Model) ([]string, error) {
		if key == redacted || key == m.Connection.SharedKey {
			return nil, nil
		}
		if msg := sharedKeyProblem(key); msg != "" {
			return nil, invalid(CodeInvalidSharedKey, "connections/"+m.Connection.Name, "value", "%s", msg)
		}
		m.Connection.SharedKey = key
		return []string{"sharedKey"}, nil
	}
}

// resetSharedKey is the edit of POST connections/{name}/sharedkey/reset: a
// new random key of n characters, as Azure generates one.
func resetSharedKey(n int) edit {
	return func(m *Model) ([]string, error) {
		if n < 1 || n > maxSharedKeyLength {
			return nil, invalid(CodeInvalidParameter, "connections/"+m.Connection.Name, "keyLength",
				"key length %d is outside 1-%d", n, maxSharedKeyLength)
		}
		m.Connection.SharedKey = randomKey(n)
		return []string{fmt.Sprintf("sharedKey (reset to a new %d-character key)", n)}, nil
	}
}

const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomKey returns n characters drawn uniformly from keyAlphabet.
func randomKey(n int) string { return randomFrom(keyAlphabet, n) }

func randomFrom(alphabet string, n int) string {
	b := make([]byte, n)
	buf := make([]byte, 1)
	for i := 0; i < n; {
		rand.Read(buf) // never returns an error
		// Reject the top of the byte range so that every character is equally likely.
		if int(buf[0]) >= 256-256%len(alphabet) {
			continue
		}
		b[i] = alphabet[int(buf[0])%len(alphabet)]
		i++
	}
	return string(b)
}

// gatewayVip checks the gatewayVip parameter of a reset: one of the
// gateway's public IPs (an active-active gateway has one per instance).
func gatewayVip(m Model, vip string) error {
	if vip == "" {
		return nil
	}
	a, err := netip.ParseAddr(vip)
	if err != nil || !slices.Contains(m.Gateway.PublicIPs(), a.String()) {
		return invalid(CodeInvalidParameter, "virtualNetworkGateways/"+m.Gateway.Name, "gatewayVip",
			"gatewayVip %q is not a public IP address of gateway %s (%s)", vip, m.Gateway.Name, strings.Join(m.Gateway.PublicIPs(), ", "))
	}
	return nil
}
