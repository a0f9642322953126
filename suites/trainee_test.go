package suites_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/scenarios"
	"github.com/vpnlab/vpnlab/swan"
	"github.com/vpnlab/vpnlab/training"
)

// trainee works on a running lab only through what a trainee has: the
// vpnlab binary (check, hint, answer, score), the device's own CLI inside
// onprem-gw and the internet edge (lab exec), and the ARM API through the
// official Azure SDK. Nothing here calls the lab's fault or fix code.
type trainee struct {
	l        *lab.Lab
	stateDir string
}

// vpnlab runs the vpnlab binary on the trainee's lab and returns stdout.
func (t trainee) vpnlab(ctx context.Context, args ...string) string {
	GinkgoHelper()
	c, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(c, *vpnlabBin, append(args, "--lab", t.l.ID())...)
	cmd.Env = append(os.Environ(), "VPNLAB_STATE_DIR="+t.stateDir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	GinkgoWriter.Printf("  vpnlab %s: %.1f s\n", args[0], time.Since(start).Seconds())
	Expect(err).NotTo(HaveOccurred(), "vpnlab %v: %s", args, stderr.String())
	return string(out)
}

func (t trainee) check(ctx context.Context) training.Report {
	GinkgoHelper()
	var r training.Report
	Expect(json.Unmarshal([]byte(t.vpnlab(ctx, "check", "--json")), &r)).To(Succeed())
	return r
}

func (t trainee) hint(ctx context.Context) training.Hint {
	GinkgoHelper()
	var h training.Hint
	Expect(json.Unmarshal([]byte(t.vpnlab(ctx, "hint", "--json")), &h)).To(Succeed())
	return h
}

func (t trainee) answer(ctx context.Context, a training.Answer) bool {
	GinkgoHelper()
	var r struct {
		Correct bool `json:"correct"`
	}
	Expect(json.Unmarshal([]byte(t.vpnlab(ctx, "answer", "--category", a.Category, "--fault", a.Fault, "--json")), &r)).To(Succeed())
	return r.Correct
}

func (t trainee) score(ctx context.Context) training.Score {
	GinkgoHelper()
	var s training.Score
	Expect(json.Unmarshal([]byte(t.vpnlab(ctx, "score", "--json")), &s)).To(Succeed())
	return s
}

// awaitHealthy runs the trainee's check until it passes (bounded).
func (t trainee) awaitHealthy(ctx context.Context, within time.Duration) training.Report {
	GinkgoHelper()
	var last training.Report
	Eventually(func() bool {
		last = t.check(ctx)
		return last.Healthy
	}).WithContext(ctx).WithTimeout(within).WithPolling(5*time.Second).Should(BeTrue(),
		func() string { return fmt.Sprintf("symptoms left: %+v", last.Remaining()) })
	return last
}

// sh runs a shell command in a node as its operator would; it must succeed.
func (t trainee) sh(ctx context.Context, node, script string) string {
	GinkgoHelper()
	r, err := t.l.Exec(ctx, node, "sh", "-c", script)
	Expect(err).NotTo(HaveOccurred())
	Expect(r.ExitCode).To(Equal(0), "%s: %s\nstdout: %s\nstderr: %s", node, script, r.Stdout, r.Stderr)
	return r.Stdout
}

const swanctlURI = "--uri tcp://127.0.0.1:4502"

// initiate starts the CHILD SA a node's swanctl.conf names now rather than
// at the next retry (it may race one, so its outcome is not checked).
func (t trainee) initiate(ctx context.Context, node, conf string) {
	GinkgoHelper()
	child := regexp.MustCompile(`children \{\s*\n\s*(\S+) \{`).FindStringSubmatch(conf)
	Expect(child).NotTo(BeNil(), "no child in %s's config:\n%s", node, conf)
	_, _ = t.l.Exec(ctx, node, "sh", "-c", "swanctl --initiate --child "+child[1]+" --timeout 20 "+swanctlURI)
}

// realFix is how a trainee repairs a fault, keyed by the fault the trainee
// diagnosed (never by the scenario): selfHealing faults need only waiting.
type realFix struct {
	how         string
	selfHealing bool
	fix         func(ctx context.Context, t trainee)
}

var realFixes = map[string]realFix{
	// Read the connection's key from Azure (an authorised caller, seed 000
	// §5.3 "Shared key") and enter it in the device's secrets file.
	// Then re-initiate from the device (the verdict's third step) instead
	// of waiting out charon's retransmission back-off.
	"shared-key-mismatch": {how: "ARM GetSharedKey, then the device's swanctl secrets + --load-creds, swanctl --initiate", fix: func(ctx context.Context, t trainee) {
		conns, _, _ := armClients(t.l)
		r, err := conns.GetSharedKey(ctx, t.l.Model.ResourceGroup, t.l.Model.Connection.Name, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Value).NotTo(BeNil())
		setDevicePSK(ctx, t.l, *r.Value)
		t.initiate(ctx, lab.OnpremGW, t.sh(ctx, lab.OnpremGW, "cat "+swan.DeviceConf))
	}},
	// The edge firewall's new policy drops ESP-in-UDP: remove its DROP
	// rules for port 4500 / ESP (iptables on the internet router).
	"esp-blocked": {how: "iptables -D of the edge's DROP rules for UDP 4500", fix: func(ctx context.Context, t trainee) {
		rules := t.sh(ctx, lab.Internet, "iptables -S")
		n := 0
		for line := range strings.SplitSeq(rules, "\n") {
			if strings.HasPrefix(line, "-A ") && strings.Contains(line, "-j DROP") &&
				(strings.Contains(line, "4500") || strings.Contains(line, "-p esp")) {
				t.sh(ctx, lab.Internet, "iptables -D "+strings.TrimPrefix(line, "-A "))
				n++
			}
		}
		Expect(n).To(BeNumerically(">", 0), "no DROP rule for ESP in the edge's rules:\n%s", rules)
	}},
	// Edit the device's ESP proposals to ones Azure accepts (its default
	// policy: AES256-GCM) and reload.
	"ipsec-policy-mismatch": {how: "edit esp_proposals in the device's swanctl.conf, swanctl --load-conns", fix: func(ctx context.Context, t trainee) {
		conf := t.sh(ctx, lab.OnpremGW, "cat "+swan.DeviceConf)
		Expect(conf).To(ContainSubstring("esp_proposals"))
		t.sh(ctx, lab.OnpremGW, `sed -i 's/^\(\s*esp_proposals = \).*/\1aes256gcm16,aes256-sha256/' `+swan.DeviceConf+
			" && swanctl --load-conns "+swanctlURI)
		t.initiate(ctx, lab.OnpremGW, conf)
	}},
	// Find the largest packet the tunnel carries (ping -M do from the LAN),
	// then set the device's tunnel MTU to it and clamp TCP MSS to fit.
	"mtu-blackhole": {how: "ping -M do sweep, ip link set mtu + iptables TCPMSS on the device", fix: func(ctx context.Context, t trainee) {
		best := 0
		for _, size := range []int{1372, 1322, 1272, 1222, 1200, 1172, 1122, 1072} {
			r, err := t.l.Exec(ctx, lab.OnpremHost, "ping", "-M", "do", "-c", "2", "-i", "0.3", "-W", "2", "-s", strconv.Itoa(size), lab.AzureVMIP.String())
			Expect(err).NotTo(HaveOccurred())
			if r.ExitCode == 0 {
				best = size + 28
				break
			}
		}
		Expect(best).NotTo(BeZero(), "no packet size crossed the tunnel")
		mss := best - 40
		t.sh(ctx, lab.OnpremGW, fmt.Sprintf("ip link set ipsec0 mtu %d && iptables -t mangle -F FORWARD && "+
			"for d in -o -i; do iptables -t mangle -A FORWARD $d ipsec0 -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss %d; done", best, mss))
		GinkgoWriter.Printf("tunnel MTU set to %d, MSS %d\n", best, mss)
	}},
	// Read Azure's ASN from the gateway's BGP settings (ARM) and correct the
	// device's neighbour with GoBGP's CLI.
	"bgp-asn-mismatch": {how: "ARM gateway bgpSettings.asn, gobgp neighbor update + reset", fix: func(ctx context.Context, t trainee) {
		_, gws, _ := armClients(t.l)
		g, err := gws.Get(ctx, t.l.Model.ResourceGroup, t.l.Model.Gateway.Name, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(g.Properties.BgpSettings).NotTo(BeNil())
		asn := *g.Properties.BgpSettings.Asn
		peers := t.sh(ctx, lab.OnpremGW, "gobgp neighbor")
		m := regexp.MustCompile(`(?m)^\*?\s*(169\.254\.\d+\.\d+)\s`).FindStringSubmatch(peers)
		Expect(m).NotTo(BeNil(), "no neighbour in:\n%s", peers)
		t.sh(ctx, lab.OnpremGW, fmt.Sprintf("gobgp neighbor update %s as %d && gobgp neighbor %s reset", m[1], asn, m[1]))
	}},
	// The client's certificate expired: issue a new one from the root the
	// administrator keeps (openssl, the client's own key) and reload it in
	// the client (seed 000 §5.4: a client certificate from the root).
	"certificate-expired": {how: "openssl: a client certificate from the administrator's root; swanctl --load-creds, --load-conns on the client", fix: func(ctx context.Context, t trainee) {
		conf := t.sh(ctx, lab.P2SClient, "cat "+swan.DeviceConf)
		Expect(conf).To(ContainSubstring("certs = "))
		t.sh(ctx, lab.P2SClient, "set -e; cd "+lab.P2SRootDir+"; umask 077; "+
			"openssl req -new -key /etc/swanctl/private/p2s-client.key -subj /CN=p2s-client -out /tmp/client.csr; "+
			"printf 'extendedKeyUsage=clientAuth\\n' > /tmp/client.ext; "+
			"openssl x509 -req -in /tmp/client.csr -CA root.pem -CAkey root.key -CAcreateserial -days 365 -extfile /tmp/client.ext -out /etc/swanctl/x509/p2s-client.pem 2>/dev/null; "+
			"swanctl --load-creds "+swanctlURI+" && swanctl --load-conns "+swanctlURI)
		t.initiate(ctx, lab.P2SClient, conf)
	}},
	// Planned maintenance: the device reconnects by itself; nothing to fix.
	"maintenance-failover": {how: "nothing: wait for the device's own reconnection", selfHealing: true, fix: func(context.Context, trainee) {}},
}

// fixFor is the real-way fix of a fault: the ones above, or the walk a
// scenario expecting that fault records (walk:).
func fixFor(fault string) (realFix, bool) {
	if f, ok := realFixes[fault]; ok {
		return f, true
	}
	for _, sc := range scenarios.All() {
		if sc.Expect.Fault == fault && len(sc.Walk.Steps) > 0 {
			w := sc.Walk
			return realFix{how: "the walk recorded in " + sc.File, selfHealing: w.HealsItself,
				fix: func(ctx context.Context, t trainee) { t.walk(ctx, w) }}, true
		}
	}
	return realFix{}, false
}

// expectScore checks the trainee's score after a walk: diagnosed, fixed,
// the hints taken and one wrong answer counted, the scenario named.
func (t trainee) expectScore(ctx context.Context, scenario string, hints int) {
	GinkgoHelper()
	s := t.score(ctx)
	GinkgoWriter.Printf("%+v\n", s)
	Expect(s.Diagnosed).To(BeTrue())
	Expect(s.Fixed).To(BeTrue())
	Expect(s.HintsUsed).To(Equal(hints))
	Expect(s.WrongAnswers).To(Equal(1))
	Expect(s.Points).To(Equal(100 - hints*15 - 10))
	Expect(s.Scenario).To(Equal(scenario), "the score names the scenario once diagnosed")
}
