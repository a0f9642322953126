package suites_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/vpnlab/vpnlab/lab"
)

// export writes the incident's files as an engineer would collect them.
func export(ctx SpecContext, l *lab.Lab, dir string) {
	write := func(name, content string) {
		p := filepath.Join(dir, name)
		Expect(os.MkdirAll(filepath.Dir(p), 0o755)).To(Succeed())
		Expect(os.WriteFile(p, []byte(content), 0o644)).To(Succeed())
	}
	sh := func(node, cmd string) string {
		r, err := l.Exec(ctx, node, "sh", "-c", cmd)
		Expect(err).NotTo(HaveOccurred())
		return r.Stdout
	}
	sas := func() string { return sh(lab.OnpremGW, "swanctl --list-sas --uri tcp://127.0.0.1:4502") }
	listing := sas()
	// The engineer's own tests from the LAN: small pings, then DF-sized ones,
	// one after another (a DF probe can teach the host a path MTU that the
	// next one meets). One shell in the host runs them all. When nothing
	// answered the small pings there is no path to learn an MTU on: the
	// DF-sized probes then run side by side (each only waits out its
	// timeout) and print in the same order, as they would one by one.
	vm := lab.AzureVMIP.String()
	var df []string
	for _, size := range []int{576, 1000, 1200, 1230, 1250, 1300, 1350, 1400, 1450, 1500} {
		df = append(df, "ping -M do -c 2 -W 1 -s "+itoa(size-28)+" "+vm)
	}
	var oneByOne, sideBySide, inOrder []string
	for i, p := range df {
		oneByOne = append(oneByOne, p+" 2>&1")
		sideBySide = append(sideBySide, p+" >$d/"+itoa(i)+" 2>&1 &")
		inOrder = append(inOrder, "cat $d/"+itoa(i))
	}
	script := "out=$(ping -c 4 -i 0.25 -W 1 " + vm + " 2>&1); echo \"$out\"; " +
		"if echo \"$out\" | grep -q ' 0 received'; then d=$(mktemp -d); " + strings.Join(sideBySide, " ") +
		" wait; " + strings.Join(inOrder, "; ") + "; rm -rf $d; else " + strings.Join(oneByOne, "; ") + "; fi"
	write("onprem/ping.txt", sh(lab.OnpremHost, script))
	write("onprem/swanctl-list-sas.txt", listing+"\n"+sas())
	write("onprem/charon.log", sh(lab.OnpremGW, "cat /var/log/vpnlab/charon.log"))
	write("onprem/gobgpd.log", sh(lab.OnpremGW, "grep '\"source\":\"bgp\"' /var/log/vpnlab/events.jsonl || true"))
	write("onprem/gobgp-neighbor.txt", sh(lab.OnpremGW, "gobgp -u 127.0.0.1 -p 50051 neighbor "+lab.AzureBGPIP.String()))
	write("p2s/charon.log", sh(lab.P2SClient, "cat /var/log/vpnlab/charon.log"))
	if c, err := l.ClientCert(); err == nil {
		write("p2s/client.crt", pemCert(c.Raw))
	}
	logs, err := l.AzureLogs(ctx, "")
	Expect(err).NotTo(HaveOccurred())
	b, err := json.MarshalIndent(logs, "", "  ")
	Expect(err).NotTo(HaveOccurred())
	write("azure/AzureDiagnostics.json", string(b))
	a, err := l.AzureAPI()
	Expect(err).NotTo(HaveOccurred())
	m := a.Model
	conn, err := a.Raw(ctx, "GET", m.ID("connections", m.Connection.Name)+"?api-version="+lab.APIVersion)
	Expect(err).NotTo(HaveOccurred())
	write("azure/connection.json", conn)
}
