package swan

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/strongswan/govici/vici"
)

// Conn is one route-based IKE connection with a single CHILD_SA, the shape
// both ends of a site-to-site tunnel to Azure take.
type Conn struct {
	Name        string
	Version     int // 1 or 2
	LocalAddr   string
	RemoteAddr  string // "%any" for a responder that accepts any peer
	LocalID     string
	RemoteID    string
	Proposals   []string // IKE proposals, strongSwan syntax
	IKELifetime time.Duration
	DPDDelay    time.Duration
	DPDTimeout  time.Duration // IKEv1 only

	ESPProposals  []string
	ChildLifetime time.Duration
	ChildLifeKB   int64
	// ChildHardLifetime sets the CHILD_SA's hard expiry (default: 10% after
	// the rekey); ChildNoRekey disables the device's own rekeying, so the
	// SA expires at ChildHardLifetime unless the peer rekeys first.
	ChildHardLifetime time.Duration
	ChildNoRekey      bool
	LocalTS           []string
	RemoteTS          []string
	Initiator         bool // start the CHILD_SA at load time and restart it when it closes

	// Certificate authentication (point-to-site); empty means PSK.
	LocalCert     string   // PEM: authenticate with this certificate ("pubkey")
	RemoteCACerts []string // PEM: the peer authenticates with a certificate chained to one of these
	Pools         []string // address pools for peers' virtual IPs (a P2S gateway)
	VIPs          []string // request a virtual IP ("0.0.0.0") (a P2S client)

	// EAP (point-to-site with RADIUS): LocalEAP is the method a client
	// authenticates with ("eap-mschapv2") as EAPID; RemoteEAPRadius has a
	// gateway relay its clients' EAP to a RADIUS server (auth = eap-radius).
	LocalEAP        string
	EAPID           string
	RemoteEAPRadius bool
	// AAAID is the identity the EAP server (the RADIUS server behind the
	// gateway) must prove in EAP-TLS, when it is not the gateway's.
	AAAID string
}

// Child is the name of the CHILD_SA Conn loads: the connection's name.
func (c Conn) Child() string { return c.Name }

func secs(d time.Duration) string { return strconv.Itoa(int(d/time.Second)) + "s" }

// message renders c as a vici load-conn request.
func (c Conn) message() (*vici.Message, error) {
	child := vici.NewMessage()
	set := func(m *vici.Message, k string, v any) {
		if err := m.Set(k, v); err != nil {
			panic(err) // only string, []string and *Message are set below
		}
	}
	set(child, "local_ts", c.LocalTS)
	set(child, "remote_ts", c.RemoteTS)
	set(child, "esp_proposals", c.ESPProposals)
	if c.ChildLifetime > 0 {
		// charon rekeys at rekey_time and hard-expires 10% later.
		set(child, "rekey_time", secs(c.ChildLifetime))
	}
	if c.ChildNoRekey {
		set(child, "rekey_time", "0")
	}
	if c.ChildHardLifetime > 0 {
		set(child, "life_time", secs(c.ChildHardLifetime))
	}
	if c.ChildLifeKB > 0 {
		set(child, "rekey_bytes", strconv.FormatInt(c.ChildLifeKB*1024, 10))
	}
	if c.Initiator {
		set(child, "start_action", "start")
		set(child, "dpd_action", "restart")
		set(child, "close_action", "start")
	} else {
		set(child, "dpd_action", "clear")
	}
	children := vici.NewMessage()
	set(children, c.Child(), child)

	local, remote := vici.NewMessage(), vici.NewMessage()
	if c.LocalEAP != "" {
		set(local, "auth", c.LocalEAP)
		if c.EAPID != "" {
			set(local, "eap_id", c.EAPID)
		}
		if c.LocalCert != "" { // EAP-TLS: the method's own certificate
			set(local, "certs", []string{c.LocalCert})
		}
		if c.AAAID != "" {
			set(local, "aaa_id", c.AAAID)
		}
	} else if c.LocalCert != "" {
		set(local, "auth", "pubkey")
		set(local, "certs", []string{c.LocalCert})
	} else {
		set(local, "auth", "psk")
	}
	if c.LocalID != "" {
		set(local, "id", c.LocalID)
	}
	if c.RemoteEAPRadius {
		set(remote, "auth", "eap-radius")
		set(remote, "eap_id", "%any")
	} else if len(c.RemoteCACerts) > 0 {
		set(remote, "auth", "pubkey")
		set(remote, "cacerts", c.RemoteCACerts)
	} else {
		set(remote, "auth", "psk")
	}
	if c.RemoteID != "" {
		set(remote, "id", c.RemoteID)
	}

	conn := vici.NewMessage()
	set(conn, "version", strconv.Itoa(c.Version))
	set(conn, "local_addrs", []string{c.LocalAddr})
	set(conn, "remote_addrs", []string{c.RemoteAddr})
	set(conn, "proposals", c.Proposals)
	if c.IKELifetime > 0 {
		set(conn, "rekey_time", secs(c.IKELifetime))
	}
	if c.DPDDelay > 0 {
		set(conn, "dpd_delay", secs(c.DPDDelay))
	}
	if c.DPDTimeout > 0 {
		set(conn, "dpd_timeout", secs(c.DPDTimeout))
	}
	if len(c.Pools) > 0 {
		set(conn, "pools", c.Pools)
	}
	if len(c.VIPs) > 0 {
		set(conn, "vips", c.VIPs)
	}
	set(conn, "mobike", "no")
	set(conn, "encap", "yes")
	if c.Initiator {
		set(conn, "keyingtries", "0")
	}
	set(conn, "local", local)
	set(conn, "remote", remote)
	set(conn, "children", children)

	m := vici.NewMessage()
	set(m, c.Name, conn)
	return m, nil
}

// LoadConn loads (or replaces) c in charon.
func LoadConn(ctx context.Context, s *vici.Session, c Conn) error {
	m, err := c.message()
	if err != nil {
		return fmt.Errorf("load-conn %s: %w", c.Name, err)
	}
	if err := call(ctx, s, "load-conn", m); err != nil {
		return fmt.Errorf("load-conn %s: %w", c.Name, err)
	}
	return nil
}

// LoadSharedKey loads an IKE pre-shared key for the given identities under
// the id name. The key never appears in the returned error.
func LoadSharedKey(ctx context.Context, s *vici.Session, name, key string, owners ...string) error {
	m := vici.NewMessage()
	_ = m.Set("id", name)
	_ = m.Set("type", "IKE")
	_ = m.Set("data", key)
	_ = m.Set("owners", owners)
	if err := call(ctx, s, "load-shared", m); err != nil {
		return fmt.Errorf("load-shared %s: %w", name, err)
	}
	return nil
}

// Initiate starts the CHILD_SA child and waits up to timeout for it; a
// timeout of 0 returns at once and lets charon go on in the background.
func Initiate(ctx context.Context, s *vici.Session, child string, timeout time.Duration) error {
	m := vici.NewMessage()
	_ = m.Set("child", child)
	ms := "-1"
	if timeout > 0 {
		ms = strconv.Itoa(int(timeout / time.Millisecond))
	}
	_ = m.Set("timeout", ms)
	if err := call(ctx, s, "initiate", m); err != nil {
		return fmt.Errorf("initiate %s: %w", child, err)
	}
	return nil
}

// LoadEAPSecret loads an EAP secret (a user's password) for identity id
// under the name name. The secret never appears in the returned error.
func LoadEAPSecret(ctx context.Context, s *vici.Session, name, id, secret string) error {
	m := vici.NewMessage()
	_ = m.Set("id", name)
	_ = m.Set("type", "EAP")
	_ = m.Set("data", secret)
	_ = m.Set("owners", []string{id})
	if err := call(ctx, s, "load-shared", m); err != nil {
		return fmt.Errorf("load-shared %s: %w", name, err)
	}
	return nil
}

// ReloadSettings has charon re-read strongswan.conf (and its plugins,
// eap-radius's servers among them, their configuration).
func ReloadSettings(ctx context.Context, s *vici.Session) error {
	if err := call(ctx, s, "reload-settings", vici.NewMessage()); err != nil {
		return fmt.Errorf("reload-settings: %w", err)
	}
	return nil
}

// TerminateIKE closes every IKE SA of the named connection.
func TerminateIKE(ctx context.Context, s *vici.Session, conn string) error {
	m := vici.NewMessage()
	_ = m.Set("ike", conn)
	_ = m.Set("force", "yes")
	_ = m.Set("timeout", "-1")
	if err := call(ctx, s, "terminate", m); err != nil {
		return fmt.Errorf("terminate %s: %w", conn, err)
	}
	return nil
}

// TerminateIKEByID closes one IKE SA by its unique id.
func TerminateIKEByID(ctx context.Context, s *vici.Session, id string) error {
	m := vici.NewMessage()
	_ = m.Set("ike-id", id)
	_ = m.Set("force", "yes")
	_ = m.Set("timeout", "-1")
	if err := call(ctx, s, "terminate", m); err != nil {
		return fmt.Errorf("terminate IKE SA #%s: %w", id, err)
	}
	return nil
}

// LoadKey loads a private key (PEM). The key never appears in the error.
func LoadKey(ctx context.Context, s *vici.Session, pemKey string) error {
	m := vici.NewMessage()
	_ = m.Set("type", "any")
	_ = m.Set("data", pemKey)
	if err := call(ctx, s, "load-key", m); err != nil {
		return fmt.Errorf("load-key: %w", err)
	}
	return nil
}

// LoadPool loads a virtual IP address pool.
func LoadPool(ctx context.Context, s *vici.Session, name string, addrs string) error {
	p := vici.NewMessage()
	_ = p.Set("addrs", addrs)
	m := vici.NewMessage()
	_ = m.Set(name, p)
	if err := call(ctx, s, "load-pool", m); err != nil {
		return fmt.Errorf("load-pool %s: %w", name, err)
	}
	return nil
}

// Certs returns the DER of the X.509 certificates charon holds; withKey
// selects those it has a private key for (its own).
func Certs(ctx context.Context, s *vici.Session) (own, others [][]byte, err error) {
	m := vici.NewMessage()
	_ = m.Set("type", "X509")
	for r, err := range s.CallStreaming(ctx, "list-certs", "list-cert", m) {
		if err != nil {
			return nil, nil, fmt.Errorf("list-certs: %w", err)
		}
		data, _ := r.Get("data").(string)
		if r.Get("has_privkey") == "yes" {
			own = append(own, []byte(data))
		} else {
			others = append(others, []byte(data))
		}
	}
	return own, others, nil
}

func call(ctx context.Context, s *vici.Session, cmd string, m *vici.Message) error {
	resp, err := s.Call(ctx, cmd, m)
	if err != nil {
		return err
	}
	return resp.Err()
}

// LoadOCSPSigner loads a certificate charon trusts to sign OCSP responses
// (a locally installed OCSP signer: vici load-cert, flag ocsp).
func LoadOCSPSigner(ctx context.Context, s *vici.Session, certPEM string) error {
	m := vici.NewMessage()
	_ = m.Set("type", "X509")
	_ = m.Set("flag", "ocsp")
	_ = m.Set("data", certPEM)
	if err := call(ctx, s, "load-cert", m); err != nil {
		return fmt.Errorf("load-cert (ocsp signer): %w", err)
	}
	return nil
}

// LoadAuthority loads (or replaces) a certification authority section:
// charon asks ocspURIs about the certificates cacert issued.
func LoadAuthority(ctx context.Context, s *vici.Session, name, cacertPEM string, ocspURIs []string) error {
	a := vici.NewMessage()
	_ = a.Set("cacert", cacertPEM)
	_ = a.Set("ocsp_uris", ocspURIs)
	m := vici.NewMessage()
	_ = m.Set(name, a)
	if err := call(ctx, s, "load-authority", m); err != nil {
		return fmt.Errorf("load-authority %s: %w", name, err)
	}
	return nil
}

// UnloadAuthority unloads an authority section.
func UnloadAuthority(ctx context.Context, s *vici.Session, name string) error {
	m := vici.NewMessage()
	_ = m.Set("name", name)
	if err := call(ctx, s, "unload-authority", m); err != nil {
		return fmt.Errorf("unload-authority %s: %w", name, err)
	}
	return nil
}
