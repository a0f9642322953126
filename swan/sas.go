package swan

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/strongswan/govici/vici"
)

// IKESA is charon's view of one IKE SA (vici list-sas).
type IKESA struct {
	Conn       string `json:"conn"`
	UniqueID   string `json:"uniqueid" vici:"uniqueid"`
	Version    string `json:"version" vici:"version"`
	State      string `json:"state" vici:"state"` // CREATED, CONNECTING, ESTABLISHED, ...
	LocalHost  string `json:"local_host" vici:"local-host"`
	RemoteHost string `json:"remote_host" vici:"remote-host"`
	LocalID    string `json:"local_id" vici:"local-id"`
	RemoteID   string `json:"remote_id" vici:"remote-id"`
	Initiator  string `json:"initiator,omitempty" vici:"initiator"`
	// InitiatorSPI names the SA: a rekey makes a new one.
	InitiatorSPI string    `json:"initiator_spi,omitempty" vici:"initiator-spi"`
	EncrAlg      string    `json:"encr_alg,omitempty" vici:"encr-alg"`
	EncrKeysize  string    `json:"encr_keysize,omitempty" vici:"encr-keysize"`
	IntegAlg     string    `json:"integ_alg,omitempty" vici:"integ-alg"`
	PRFAlg       string    `json:"prf_alg,omitempty" vici:"prf-alg"`
	DHGroup      string    `json:"dh_group,omitempty" vici:"dh-group"`
	Age          string    `json:"established_seconds,omitempty" vici:"established"`
	RekeyTime    string    `json:"rekey_time,omitempty" vici:"rekey-time"`
	NATLocal     string    `json:"nat_local,omitempty" vici:"nat-local"` // "yes": a NAT in front of this side
	LocalVIPs    []string  `json:"local_vips,omitempty" vici:"local-vips"`
	RemoteVIPs   []string  `json:"remote_vips,omitempty" vici:"remote-vips"`
	Children     []ChildSA `json:"children"`
}

// ikeSAWire adds the child map as vici sends it.
type ikeSAWire struct {
	IKESA    `vici:",inline"`
	ChildSAs map[string]ChildSA `vici:"child-sas"`
}

// ChildSA is one CHILD_SA of an IKE SA.
type ChildSA struct {
	Name        string   `json:"name" vici:"name"`
	UniqueID    string   `json:"uniqueid" vici:"uniqueid"`
	State       string   `json:"state" vici:"state"`             // INSTALLED, REKEYING, ...
	SPIIn       string   `json:"spi_in,omitempty" vici:"spi-in"` // a rekey makes a new one
	Mode        string   `json:"mode" vici:"mode"`
	Protocol    string   `json:"protocol" vici:"protocol"`
	Encap       string   `json:"encap,omitempty" vici:"encap"`
	EncrAlg     string   `json:"encr_alg,omitempty" vici:"encr-alg"`
	EncrKeysize string   `json:"encr_keysize,omitempty" vici:"encr-keysize"`
	IntegAlg    string   `json:"integ_alg,omitempty" vici:"integ-alg"`
	DHGroup     string   `json:"dh_group,omitempty" vici:"dh-group"`
	BytesIn     uint64   `json:"bytes_in" vici:"bytes-in"`
	PacketsIn   uint64   `json:"packets_in" vici:"packets-in"`
	BytesOut    uint64   `json:"bytes_out" vici:"bytes-out"`
	PacketsOut  uint64   `json:"packets_out" vici:"packets-out"`
	InstallTime string   `json:"install_time,omitempty" vici:"install-time"`
	RekeyTime   string   `json:"rekey_time,omitempty" vici:"rekey-time"` // seconds until the rekey
	LifeTime    string   `json:"life_time,omitempty" vici:"life-time"`   // seconds until the hard expiry
	LocalTS     []string `json:"local_ts" vici:"local-ts"`
	RemoteTS    []string `json:"remote_ts" vici:"remote-ts"`
}

// Installed reports whether the CHILD_SA carries traffic.
func (c ChildSA) Installed() bool {
	return c.State == "INSTALLED" || c.State == "REKEYING" || c.State == "REKEYED"
}

// Established reports whether the IKE SA is up.
func (sa IKESA) Established() bool { return sa.State == "ESTABLISHED" }

// Installed reports whether the IKE SA is up and has an installed CHILD_SA.
func (sa IKESA) Installed() bool {
	if !sa.Established() {
		return false
	}
	for _, c := range sa.Children {
		if c.Installed() {
			return true
		}
	}
	return false
}

// ListSAs returns charon's IKE SAs, ordered by connection name and id.
func ListSAs(ctx context.Context, s *vici.Session) ([]IKESA, error) {
	var out []IKESA
	for m, err := range s.CallStreaming(ctx, "list-sas", "list-sa", vici.NewMessage()) {
		if err != nil {
			return nil, fmt.Errorf("list-sas: %w", err)
		}
		for _, conn := range m.Keys() {
			sm, ok := m.Get(conn).(*vici.Message)
			if !ok {
				continue
			}
			var w ikeSAWire
			if err := vici.UnmarshalMessage(sm, &w); err != nil {
				return nil, fmt.Errorf("list-sas %s: %w", conn, err)
			}
			sa := w.IKESA
			sa.Conn = conn
			for _, c := range w.ChildSAs {
				sa.Children = append(sa.Children, c)
			}
			sort.Slice(sa.Children, func(i, j int) bool { return num(sa.Children[i].UniqueID) < num(sa.Children[j].UniqueID) })
			out = append(out, sa)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Conn != out[j].Conn {
			return out[i].Conn < out[j].Conn
		}
		return num(out[i].UniqueID) < num(out[j].UniqueID)
	})
	return out, nil
}

func num(s string) int { n, _ := strconv.Atoi(s); return n }
