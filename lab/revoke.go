package lab

import (
	"context"
	"fmt"
	"strings"

	"github.com/vpnlab/vpnlab/pki"
)

// revokedPut is the gateway PUT that sets the revoked client certificates.
func revokedPut(thumbs map[string]string) map[string]any {
	rs := []map[string]any{}
	for name, t := range thumbs {
		rs = append(rs, map[string]any{"name": name, "properties": map[string]any{"thumbprint": t}})
	}
	return map[string]any{"vpnClientConfiguration": map[string]any{"vpnClientRevokedCertificates": rs}}
}

// liveRevoked reads the gateway's revoked list (name → thumbprint) through the API.
func (l *Lab) liveRevoked(ctx context.Context) (map[string]string, error) {
	m, err := l.LiveModel(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	if vc := m.Gateway.VpnClient; vc != nil {
		for _, r := range vc.RevokedCertificates {
			out[r.Name] = r.Thumbprint
		}
	}
	return out, nil
}

// RevokeClientCert adds the point-to-site client's certificate to the
// gateway's revoked client certificates through the API, as an
// administrator does in the portal (Point-to-site configuration > Revoked
// certificates), and has the client connect again.
func (l *Lab) RevokeClientCert(ctx context.Context) error {
	return l.editRevoked(ctx, func(list map[string]string, thumb string) {
		list["p2s-client"] = thumb
	})
}

// AllowClientCert removes the client certificate's thumbprint from the
// revoked list through the API (Azure: reinstate a client certificate)
// and has the client connect again.
func (l *Lab) AllowClientCert(ctx context.Context) error {
	return l.editRevoked(ctx, func(list map[string]string, thumb string) {
		for name, t := range list {
			if strings.EqualFold(strings.ReplaceAll(t, " ", ""), thumb) {
				delete(list, name)
			}
		}
	})
}

// editRevoked reads the gateway's live revoked list, lets edit change it
// for the client certificate's thumbprint, puts it back through the API
// and has the client connect again.
func (l *Lab) editRevoked(ctx context.Context, edit func(list map[string]string, thumb string)) error {
	if l.pki == nil {
		return fmt.Errorf("lab %s has no point-to-site client", l.id)
	}
	c, err := l.ClientCert()
	if err != nil {
		return err
	}
	list, err := l.liveRevoked(ctx)
	if err != nil {
		return err
	}
	edit(list, pki.Thumbprint(c))
	if err := l.AzurePut(ctx, "virtualNetworkGateways", l.Model.Gateway.Name, revokedPut(list)); err != nil {
		return err
	}
	return l.reconnectP2S(ctx)
}
