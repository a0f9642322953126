package suites_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/runner"
	"github.com/vpnlab/vpnlab/scenarios"
	"github.com/vpnlab/vpnlab/training"
	"github.com/vpnlab/vpnlab/webui"
)

// setDevicePSK sets the on-prem device's pre-shared key the way its
// operator would: a swanctl secrets file in the device, loaded with its
// own CLI (swanctl --load-creds). The key is never printed.
func setDevicePSK(ctx context.Context, l *lab.Lab, key string) {
	conf := fmt.Sprintf("secrets {\n  ike-azure {\n    id-1 = %s\n    id-2 = %s\n    secret = \"%s\"\n  }\n}\n",
		lab.OnpremPublic, lab.AzurePublic, key)
	r, err := l.Exec(ctx, lab.OnpremGW, "sh", "-c",
		"umask 077; cat > /etc/swanctl/conf.d/psk.conf <<'EOF'\n"+conf+"EOF\n"+
			"swanctl --load-creds --clear --uri tcp://127.0.0.1:4502")
	Expect(err).NotTo(HaveOccurred())
	Expect(r.ExitCode).To(Equal(0), "swanctl --load-creds: %s", r.Stderr)
}

// setValue sets a form field's value as typing would (input and change
// events), by script: chromedp.SetValue fails on an emptied field.
func setValue(sel, value string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) throw new Error("no element %s");
		e.value = %q; e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); return e.value; })()`,
		sel, sel, value)
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		got, err := chromedp.Evaluate[string](js)(ctx, t)
		if err == nil && got != value {
			err = fmt.Errorf("%s did not take the value set", sel) // never print it: it may be a key
		}
		return chromedp.Void{}, err
	}
}

func randomKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "Lab" + hex.EncodeToString(b)
}

var _ = Describe("the web view in headless Chromium", Ordered, Label("lab", "webui"), func() {
	var (
		l       *lab.Lab
		page    string
		browser context.Context
		mu      sync.Mutex
		console []string
		reports string
	)
	shot := func(name string) {
		c, cancel := context.WithTimeout(browser, 20*time.Second)
		defer cancel()
		png, err := chromedp.Run(c, chromedp.FullScreenshot(100))
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(filepath.Join(reports, name), png, 0o644)).To(Succeed())
	}
	attr := func(sel, name string) string {
		c, cancel := context.WithTimeout(browser, 5*time.Second)
		defer cancel()
		v, err := chromedp.Run(c, chromedp.AttributeValue(chromedp.CSS(sel), name))
		if err != nil {
			return "error: " + err.Error()
		}
		return v.Value
	}
	value := func(sel string) string {
		c, cancel := context.WithTimeout(browser, 5*time.Second)
		defer cancel()
		v, err := chromedp.Run(c, chromedp.Value(chromedp.CSS(sel)))
		if err != nil {
			return "error: " + err.Error()
		}
		return v
	}
	text := func(sel string) string {
		c, cancel := context.WithTimeout(browser, 5*time.Second)
		defer cancel()
		v, err := chromedp.Run(c, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			return "error: " + err.Error()
		}
		return v
	}
	// do runs browser steps with a bound: a page that hangs fails the spec
	// with the step's name instead of waiting for the spec's timeout.
	do := func(what string, d time.Duration, steps ...chromedp.Action[chromedp.Void]) {
		GinkgoHelper()
		c, cancel := context.WithTimeout(browser, d)
		defer cancel()
		Expect(chromedp.Do(c, steps...)).To(Succeed(), "browser: %s (bound %s)", what, d)
	}
	tab := func(name string) {
		GinkgoHelper()
		do("open the "+name+" tab", 10*time.Second, chromedp.Click(chromedp.CSS(`#nav a[data-tab="`+name+`"]`)))
	}

	BeforeAll(func(ctx SpecContext) {
		chromium, err := exec.LookPath("chromium")
		Expect(err).NotTo(HaveOccurred(), "Debian's chromium package is needed (.ci/run installs it)")
		reports, err = filepath.Abs("../reports")
		Expect(err).NotTo(HaveOccurred())
		Expect(os.MkdirAll(reports, 0o755)).To(Succeed())
		GinkgoT().Setenv("VPNLAB_STATE_DIR", GinkgoT().TempDir())

		sc, err := scenarios.Lookup("psk-mismatch")
		Expect(err).NotTo(HaveOccurred())
		var since time.Time
		l, since, _, err = runner.Start(ctx, sc, runner.Options{})
		DeferCleanup(func(ctx SpecContext) { Expect(l.Close(ctx)).To(Succeed()) }, NodeTimeout(time.Minute))
		Expect(err).NotTo(HaveOccurred())
		Expect(training.Begin(l.ID(), sc.Name, sc.Briefing,
			training.Answer{Category: sc.Expect.Category, Fault: sc.Expect.Fault}, since).Save()).To(Succeed())

		srv, err := webui.New(l, "vpnlab", nil)
		Expect(err).NotTo(HaveOccurred())
		sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
		urls := make(chan string, 1)
		done := make(chan error, 1)
		go func() { done <- webui.Serve(sctx, srv, "127.0.0.1:0", func(u string) { urls <- u }) }()
		DeferCleanup(func() { stop(); Expect(<-done).To(Succeed()) })
		Eventually(urls).WithTimeout(10 * time.Second).Should(Receive(&page))

		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
			chromedp.WindowSize(1400, 1000), chromedp.Flag("disable-dev-shm-usage", true))
		actx, cancelA := chromedp.NewExecAllocator(context.WithoutCancel(ctx), opts...)
		var cancelB context.CancelFunc
		browser, cancelB = chromedp.NewContext(actx)
		DeferCleanup(func() { cancelB(); cancelA() })
		// Subscribe before the page loads: errors, exceptions and the
		// browser's own error log (a resource that failed to load).
		msgs := chromedp.Console(browser)
		go func() {
			for m, err := range msgs {
				if err != nil {
					return
				}
				if m.Type == chromedp.ConsoleError || m.IsException() {
					// Chromium aborts requests in flight when the host's
					// interfaces change (other labs' links come and go beside
					// this one); the page polls again 1.5 s later. That is
					// the host, not a page error.
					if strings.Contains(m.String(), "net::ERR_NETWORK_CHANGED") {
						GinkgoWriter.Printf("browser: %s (a host interface changed; the page polls again)\n", m.String())
						continue
					}
					mu.Lock()
					console = append(console, m.String())
					mu.Unlock()
				}
			}
		}()
	}, NodeTimeout(4*time.Minute))

	It("loads with no console errors and draws the tunnel as down", func(ctx SpecContext) {
		do("load the page and draw the topology", 90*time.Second, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#node-onprem-gw")))
		Eventually(func() string { return attr("#link-tunnel", "data-state") }).WithTimeout(60*time.Second).Should(Equal("down"), "the tunnel link drawn down")
		Expect(attr("#node-onprem-gw", "data-state")).To(Equal("down"))
		Expect(attr("#link-bgp", "data-state")).To(Equal("down"))
		Expect(text("#conn-pill")).NotTo(ContainSubstring("Connected"))
		shot("webui-1-tunnel-down.png")
		mu.Lock()
		defer mu.Unlock()
		Expect(console).To(BeEmpty())
	}, SpecTimeout(8*time.Minute))

	It("shows Azure's validation error for a key Azure refuses", func(ctx SpecContext) {
		tab("sharedkey")
		do("submit a key Azure refuses", 15*time.Second, chromedp.SendKeys(chromedp.CSS("#key-input"), "bad key~"),
			chromedp.Click(chromedp.CSS("#key-form button")))
		Eventually(func() string { return text("#key-result") }).WithTimeout(15 * time.Second).Should(ContainSubstring("InvalidSharedKey"))
		Expect(attr("#key-result", "class")).To(ContainSubstring("err"))
		shot("webui-2-validation-error.png")
	}, SpecTimeout(time.Minute))

	It("shows the connection's DPD timeout and the uploaded roots, and Azure's error for a root that is no certificate", func(ctx SpecContext) {
		tab("conncfg")
		Eventually(func() string { return value("#conn-dpd") }).WithTimeout(15*time.Second).Should(Equal("45"), "the connection's DPD timeout")
		tab("p2scfg")
		Eventually(func() string { return text("#p2scfg-roots") }).WithTimeout(15 * time.Second).Should(ContainSubstring("P2SRootCert"))
		do("upload a root that is no certificate", 15*time.Second, chromedp.SendKeys(chromedp.CSS("#p2s-root-name"), "NotACert"),
			chromedp.SendKeys(chromedp.CSS("#p2s-root-data"), "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----"),
			chromedp.Click(chromedp.CSS("#p2scfg-form button")))
		Eventually(func() string { return text("#p2scfg-result") }).WithTimeout(15 * time.Second).Should(ContainSubstring("not a Base64-encoded X.509 certificate"))
		Expect(attr("#p2scfg-result", "class")).To(ContainSubstring("err"))
		Expect(text("#p2scfg-roots")).NotTo(ContainSubstring("NotACert"))
	}, SpecTimeout(time.Minute))

	It("turns the tunnel up within seconds of a fix in the portal blade and on the device", func(ctx SpecContext) {
		tab("sharedkey")
		key := randomKey()
		do("submit a new key", 15*time.Second, setValue("#key-input", key), chromedp.Click(chromedp.CSS("#key-form button")))
		Eventually(func() string { return text("#key-result") }).WithTimeout(15 * time.Second).Should(ContainSubstring("Saved"))
		// The blade reads back what Azure holds (an authorised caller).
		do("show the key", 10*time.Second, chromedp.Click(chromedp.CSS("#key-show")))
		Eventually(func() string { return text("#key-value") }).WithTimeout(10 * time.Second).Should(Equal(key))
		fixed := time.Now()
		setDevicePSK(ctx, l, key)
		tab("topology")
		Eventually(func() string { return attr("#link-tunnel", "data-state") }).WithTimeout(90 * time.Second).
			WithPolling(250 * time.Millisecond).Should(Equal("up"))
		GinkgoWriter.Printf("tunnel drawn up %.1f s after the device's key was set\n", time.Since(fixed).Seconds())
		Eventually(func() string { return attr("#link-bgp", "data-state") }).WithTimeout(30 * time.Second).Should(Equal("up"))
		Eventually(func() string { return text("#conn-pill") }).WithTimeout(15 * time.Second).Should(ContainSubstring("Connected"))
		shot("webui-3-tunnel-up.png")
		logs, err := l.Logs(ctx, lab.AzureGW)
		Expect(err).NotTo(HaveOccurred())
		Expect(logs).NotTo(ContainSubstring(key))
	}, SpecTimeout(2*time.Minute))

	It("reports healthy from the page's check and scores the trainee", func(ctx SpecContext) {
		tab("training")
		// A check judges the lab's history since the previous one (the
		// first: since the lab came up), so the first after the fix names
		// the outage the fault caused; the trainee checks again.
		verdict := ""
		for end := time.Now().Add(2 * time.Minute); verdict != "true" && time.Now().Before(end); {
			do("run the check", 10*time.Second, chromedp.Click(chromedp.CSS("#check-run")))
			Eventually(func() string { return attr("#check-verdict", "data-healthy") }).WithTimeout(90 * time.Second).
				Should(BeElementOf("true", "false"))
			if verdict = attr("#check-verdict", "data-healthy"); verdict != "true" {
				GinkgoWriter.Printf("check: %s\n", text("#check-result"))
			}
		}
		Expect(verdict).To(Equal("true"), "the page's check never found the fixed lab healthy")
		do("answer", 15*time.Second, setValue("#answer-category", "tunnel-setup"),
			setValue("#answer-fault", "shared-key-mismatch"),
			chromedp.Click(chromedp.CSS("#answer-form button")))
		Eventually(func() string { return text("#answer-result") }).WithTimeout(30 * time.Second).Should(Equal("Correct."))
		Eventually(func() string { return text("#score") }).WithTimeout(10 * time.Second).Should(ContainSubstring("100 / 100"))
		shot("webui-4-healthy-scored.png")
		tab("connection")
		shot("webui-5-portal-connection.png")
		mu.Lock()
		defer mu.Unlock()
		var unexpected []string
		for _, m := range console {
			// The key Azure refused above answers 400: the browser logs it.
			if !strings.Contains(m, "status of 400") {
				unexpected = append(unexpected, m)
			}
		}
		Expect(unexpected).To(BeEmpty())
	}, SpecTimeout(4*time.Minute))
})
