package node

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vpnlab/vpnlab/contract"
)

// radiusDir is a FreeRADIUS configuration directory as Debian lays it out,
// as far as writeRadiusConf needs it.
func radiusDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"mods-config/files", "mods-enabled", "certs"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "radiusd.conf"), []byte("log {\n\tauth = no\n}\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	return dir
}

func readConf(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// With TLS material the eap module runs EAP-TLS, verifying clients
// against the given CA, and the material lands where the module reads it.
func TestWriteRadiusConfEAPTLS(t *testing.T) {
	dir := radiusDir(t)
	spec := contract.RadiusSpec{
		Clients: []contract.RadiusClient{{Name: "gw", Prefix: "198.19.255.0/27", Secret: "s3cret"}},
		TLS:     &contract.RadiusTLS{CAPEM: "ROOT PEM", CertPEM: "SERVER PEM", KeyPEM: "KEY PEM"},
	}
	if err := writeRadiusConf(dir, spec); err != nil {
		t.Fatal(err)
	}
	eap := readConf(t, dir, "mods-enabled/eap")
	for _, want := range []string{"default_eap_type = tls", "tls-config tls-common {", "ca_file = ${confdir}/" + radiusCA,
		"certificate_file = ${confdir}/" + radiusCert, "private_key_file = ${confdir}/" + radiusKey, "tls = tls-common"} {
		if !strings.Contains(eap, want) {
			t.Errorf("eap module lacks %q:\n%s", want, eap)
		}
	}
	for name, want := range map[string]string{radiusCA: "ROOT PEM", radiusCert: "SERVER PEM", radiusKey: "KEY PEM"} {
		if got := readConf(t, dir, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if !strings.Contains(readConf(t, dir, "radiusd.conf"), "auth = yes") {
		t.Error("authentication logging not turned on")
	}
}

// Without TLS material: EAP-MSCHAPv2 only, no certificate files.
func TestWriteRadiusConfMSCHAPv2(t *testing.T) {
	dir := radiusDir(t)
	spec := contract.RadiusSpec{Users: []contract.EAPCredential{{ID: "p2s-user", Password: "pw"}}}
	if err := writeRadiusConf(dir, spec); err != nil {
		t.Fatal(err)
	}
	eap := readConf(t, dir, "mods-enabled/eap")
	if !strings.Contains(eap, "default_eap_type = mschapv2") || strings.Contains(eap, "tls") {
		t.Errorf("eap module:\n%s", eap)
	}
	if _, err := os.Stat(filepath.Join(dir, radiusKey)); err == nil {
		t.Error("a server key was written without TLS")
	}
}
