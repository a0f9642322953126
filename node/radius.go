package node

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/contract"
)

// FreeRADIUS as Debian installs it (package freeradius).
const (
	radiusBin  = "/usr/sbin/freeradius"
	radiusConf = "/etc/freeradius/3.0"
)

// RunRadius runs the lab's RADIUS server: FreeRADIUS with the clients and
// users of the spec, EAP-MSCHAPv2 as the EAP method, each authentication
// logged (auth = yes) to contract.RadiusLog.
func RunRadius(ctx context.Context, specPath string) error {
	var spec contract.RadiusSpec
	if err := readSpec(specPath, &spec); err != nil {
		return err
	}
	log, closer, err := newLogger("radius")
	if err != nil {
		return err
	}
	defer closer.Close()
	if err := isolate(ctx); err != nil {
		return err
	}
	if err := writeRadiusConf(radiusConf, spec); err != nil {
		return err
	}
	_ = os.Remove(contract.RadiusLog)
	cmd := exec.CommandContext(ctx, radiusBin, "-f")
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 3 * time.Second
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start freeradius: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if err := waitRadius(ctx, done); err != nil {
		return err
	}
	log.Info("radius ready", "source", "node", "clients", len(spec.Clients), "users", len(spec.Users))
	select {
	case <-ctx.Done():
		return nil
	case err := <-done:
		return fmt.Errorf("freeradius exited: %v", err)
	}
}

// waitRadius waits until FreeRADIUS logs that it processes requests.
func waitRadius(ctx context.Context, done <-chan error) error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, err := os.ReadFile(contract.RadiusLog); err == nil && strings.Contains(string(b), "Ready to process requests") {
			return nil
		}
		select {
		case err := <-done:
			return fmt.Errorf("freeradius exited during start-up: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("freeradius was not ready within 20s")
		}
	}
}

// writeRadiusConf writes the clients, the users and an EAP module with
// EAP-MSCHAPv2 only (no TLS methods, so no server certificate) into
// Debian's configuration, and turns on authentication logging.
func writeRadiusConf(dir string, spec contract.RadiusSpec) error {
	var clients, users strings.Builder
	for _, c := range spec.Clients {
		fmt.Fprintf(&clients, "client %s {\n\tipaddr = %s\n\tsecret = %s\n\trequire_message_authenticator = yes\n\tshortname = %s\n}\n",
			c.Name, c.Prefix, c.Secret, c.Name)
	}
	for _, u := range spec.Users {
		fmt.Fprintf(&users, "%s\tCleartext-Password := %q\n", u.ID, u.Password)
	}
	files := map[string]string{
		"clients.conf":                clients.String(),
		"mods-config/files/authorize": users.String(),
		"mods-enabled/eap":            radiusEAP(spec.TLS != nil),
	}
	if t := spec.TLS; t != nil {
		files[radiusCA], files[radiusCert], files[radiusKey] = t.CAPEM, t.CertPEM, t.KeyPEM
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		_ = os.Remove(p) // mods-enabled/eap is a link to mods-available
		if err := os.WriteFile(p, []byte(data), 0o640); err != nil {
			return fmt.Errorf("radius config: %w", err)
		}
		_ = os.Chown(p, 0, freeradGroup())
	}
	return radiusAuthLog(filepath.Join(dir, "radiusd.conf"))
}

// The EAP-TLS files, relative to the configuration directory.
const (
	radiusCA   = "certs/vpnlab-p2s-root.pem"
	radiusCert = "certs/vpnlab-server.pem"
	radiusKey  = "certs/vpnlab-server.key"
)

// radiusEAP is the eap module: EAP-MSCHAPv2 only, or with tls EAP-TLS as
// the default method, client certificates verified by OpenSSL against the
// P2S root (a TLS server checks its clients for the sslclient purpose:
// EKU Client Authentication).
func radiusEAP(tls bool) string {
	if !tls {
		return `eap {
	default_eap_type = mschapv2
	timer_expire = 60
	ignore_unknown_eap_types = no
	cisco_accounting_username_bug = no
	max_sessions = ${max_requests}
	mschapv2 {
	}
}
`
	}
	return `eap {
	default_eap_type = tls
	timer_expire = 60
	ignore_unknown_eap_types = no
	cisco_accounting_username_bug = no
	max_sessions = ${max_requests}
	tls-config tls-common {
		private_key_file = ${confdir}/` + radiusKey + `
		certificate_file = ${confdir}/` + radiusCert + `
		ca_file = ${confdir}/` + radiusCA + `
		cipher_list = "DEFAULT"
		tls_min_version = "1.2"
		tls_max_version = "1.2"
		ecdh_curve = "prime256v1"
		check_crl = no
	}
	tls {
		tls = tls-common
	}
}
`
}

// freeradGroup is the group FreeRADIUS reads its configuration as.
func freeradGroup() int {
	f, err := os.Open("/etc/group")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var gid int
		fields := strings.Split(sc.Text(), ":")
		if len(fields) > 2 && fields[0] == "freerad" {
			if _, err := fmt.Sscan(fields[2], &gid); err == nil {
				return gid
			}
		}
	}
	return 0
}

// radiusAuthLog sets "auth = yes" in radiusd.conf's log section, so that
// every accept and reject is logged with the client it came from.
func radiusAuthLog(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("radius config: %w", err)
	}
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == "auth = no" {
			lines[i] = strings.Replace(l, "auth = no", "auth = yes", 1)
		}
	}
	return os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o640)
}
