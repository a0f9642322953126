package profile

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestDefaultValidates(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestWithDefaults(t *testing.T) {
	d := Default()
	bgp := &BGP{ASN: 65020}

	tests := []struct {
		name string
		in   Profile
		want func() Profile
	}{
		{
			name: "route based",
			in:   Profile{Name: "x", BGP: bgp},
			want: func() Profile {
				p := Default()
				p.Name, p.Description, p.MSSClamp = "x", "", 0
				p.BGP.ASN = 65020
				return p
			},
		},
		{
			name: "static keeps bgp nil",
			in:   Profile{Name: "x", StaticRoutes: []string{"198.19.0.0/16"}},
			want: func() Profile {
				p := Default()
				p.Name, p.Description, p.MSSClamp, p.BGP = "x", "", 0, nil
				p.StaticRoutes = []string{"198.19.0.0/16"}
				return p
			},
		},
		{
			name: "set values kept",
			in: Profile{Name: "x", IKE: IKE{Version: 1, DPDDelay: seconds(30)},
				IPsec: IPsec{PFS: "ecp256"}, BGP: &BGP{HoldTime: seconds(90)}, MSSClamp: 1300, TunnelMTU: 1500},
			want: func() Profile {
				p := Default()
				p.Name, p.Description, p.BGP.HoldTime = "x", "", seconds(90)
				p.IKE.Version, p.IKE.DPDDelay = 1, seconds(30)
				p.IPsec.PFS, p.MSSClamp, p.TunnelMTU = "ecp256", 1300, 1500
				return p
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in.WithDefaults()
			if want := tt.want(); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
			if err := got.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
	if *bgp != (BGP{ASN: 65020}) {
		t.Errorf("WithDefaults changed its input's BGP: %+v", *bgp)
	}
	if !reflect.DeepEqual(d, Default()) {
		t.Error("WithDefaults changed Default")
	}
}

func TestESPProposals(t *testing.T) {
	tests := []struct {
		pfs  string
		want []string
	}{
		{pfs: "", want: []string{"aes256gcm16", "aes256-sha1"}},
		{pfs: "none", want: []string{"aes256gcm16", "aes256-sha1"}},
		{pfs: "modp2048", want: []string{"aes256gcm16-modp2048", "aes256-sha1-modp2048"}},
	}
	for _, tt := range tests {
		p := Default()
		p.IPsec.Proposals = []string{"aes256gcm16", "aes256-sha1"}
		p.IPsec.PFS = tt.pfs
		if got := p.ESPProposals(); !slices.Equal(got, tt.want) {
			t.Errorf("PFS %q: got %q, want %q", tt.pfs, got, tt.want)
		}
		if p.IPsec.Proposals[0] != "aes256gcm16" {
			t.Errorf("PFS %q: ESPProposals changed the profile", tt.pfs)
		}
	}
}

func TestKeepalive(t *testing.T) {
	if got := Default().BGP.Keepalive(); got != 60*time.Second {
		t.Errorf("got %v, want 60s", got)
	}
}
