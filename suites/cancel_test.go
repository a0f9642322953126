package suites_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/vpnlab/vpnlab/lab"
)

// Ctrl-C during bring-up (issue 10): labelled networks were left behind.
// A create the client gives up on can still complete in the daemon after
// the lab's removal has looked for it; both cases are forced here.
var _ = Describe("lab bring-up cancelled", Label("lab", "lifecycle"), func() {
	It("removes every container and network of a bring-up cancelled at any point", func(ctx SpecContext) {
		for _, p := range []struct {
			name  string
			after time.Duration // from the call
			step  string        // or this long after this step completed
			delay time.Duration
		}{
			// Steps, not clock times: on a fast machine a bring-up can be
			// healthy before a fixed time, and then nothing was cancelled.
			{name: "while the management network is being created", step: "preflight", delay: 30 * time.Millisecond},
			{name: "after 1 s", after: time.Second},
			{name: "while the containers start", step: "network", delay: 200 * time.Millisecond},
			{name: "while the links are made", step: "containers", delay: 10 * time.Millisecond},
			{name: "while the tunnel comes up", step: "roles", delay: 100 * time.Millisecond},
		} {
			cctx, cancel := context.WithCancel(ctx)
			var (
				mu    sync.Mutex
				steps []string
			)
			progress := func(step string, _ time.Duration) {
				mu.Lock()
				steps = append(steps, step)
				mu.Unlock()
				if step == p.step {
					time.AfterFunc(p.delay, cancel)
				}
			}
			if p.after > 0 {
				time.AfterFunc(p.after, cancel)
			}
			l, _, _, err := lab.StartHealthy(cctx, lab.WithScenario("cancelled"), lab.WithProgress(progress))
			cancel()
			DeferCleanup(func(ctx SpecContext) { _ = l.Close(ctx) }) // a failed expectation leaves nothing either
			mu.Lock()
			GinkgoWriter.Printf("cancelled %s: steps done %v: %v\n", p.name, steps, err)
			mu.Unlock()
			Expect(err).To(MatchError(context.Canceled), "cancelled %s, bring-up stops", p.name)
			Expect(l).NotTo(BeNil())
			Expect(l.Close(context.WithoutCancel(ctx))).To(Succeed())
			// Nothing remains, nor lands later from a create in flight.
			Consistently(func() []string { return labelled(ctx, l.ID()) }).WithContext(ctx).
				WithTimeout(3*time.Second).WithPolling(250*time.Millisecond).Should(BeEmpty(),
				"cancelled %s: objects labelled %s=%s remain", p.name, lab.LabelLab, l.ID())
		}
	}, NodeTimeout(4*time.Minute))

	It("removes the network the daemon creates after Ctrl-C reached 'lab up' during its create", func(ctx SpecContext) {
		var (
			out    bytes.Buffer
			cmd    *exec.Cmd
			id     = make(chan string, 1)
			exited = make(chan struct{})
		)
		// Ctrl-C arrives while the network is being created, and the daemon
		// is slow: it creates the network 2 s later or, if the client gives
		// up on the request, once the client has exited.
		sock := startDockerProxy(func(r *http.Request, body []byte) {
			var req struct{ Labels map[string]string }
			_ = json.Unmarshal(body, &req)
			id <- req.Labels[lab.LabelLab]
			Expect(cmd.Process.Signal(syscall.SIGINT)).To(Succeed())
			select {
			case <-r.Context().Done():
				GinkgoWriter.Printf("docker proxy: the client gave up on its network create\n")
				select {
				case <-exited:
				case <-time.After(90 * time.Second):
				}
			case <-time.After(2 * time.Second):
			}
		})
		cmd = exec.Command(*vpnlabBin, "lab", "up", "--scenario", "healthy")
		cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+sock)
		cmd.Stdout, cmd.Stderr = &out, &out
		Expect(cmd.Start()).To(Succeed())
		DeferCleanup(func() { _ = cmd.Process.Kill() })
		err := cmd.Wait()
		close(exited)
		GinkgoWriter.Printf("vpnlab lab up, Ctrl-C during the network create:\n%s\n", out.String())
		Expect(err).To(HaveOccurred(), "an interrupted bring-up exits non-zero")
		var labID string
		Expect(id).To(Receive(&labID), "the lab created its network")
		Expect(labID).NotTo(BeEmpty())
		DeferCleanup(func(ctx SpecContext) { _ = lab.Down(ctx, labID) })
		Expect(out.String()).To(ContainSubstring("removing lab"))
		Consistently(func() []string { return labelled(ctx, labID) }).WithContext(ctx).
			WithTimeout(3*time.Second).WithPolling(250*time.Millisecond).Should(BeEmpty(),
			"objects labelled %s=%s remain", lab.LabelLab, labID)
	}, NodeTimeout(2*time.Minute))
})

// labelled lists the containers (in any state) and networks that carry
// the lab's label, as the docker CLI shows them.
func labelled(ctx context.Context, id string) []string {
	var found []string
	for _, args := range [][]string{{"ps", "-aq"}, {"network", "ls", "-q"}} {
		out, err := exec.CommandContext(ctx, "docker", append(args, "--filter", "label="+lab.LabelLab+"="+id)...).CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
		found = append(found, strings.Fields(string(out))...)
	}
	return found
}

// startDockerProxy serves the Docker API on a unix socket of its own and
// passes every request to the daemon. A network create is given to
// hold first, then passed on whether or not its client still waits for
// the answer. It returns the socket's path.
func startDockerProxy(hold func(r *http.Request, body []byte)) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	path := filepath.Join(os.TempDir(), "vpnlab-dockerproxy-"+hex.EncodeToString(b)+".sock")
	ln, err := net.Listen("unix", path)
	Expect(err).NotTo(HaveOccurred())
	daemon := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", "/var/run/docker.sock")
	}}
	rp := &httputil.ReverseProxy{Transport: daemon, Rewrite: func(r *httputil.ProxyRequest) {
		r.Out.URL.Scheme, r.Out.URL.Host = "http", "docker"
	}}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/networks/create") {
			rp.ServeHTTP(w, r)
			return
		}
		defer GinkgoRecover()
		body, _ := io.ReadAll(r.Body)
		hold(r, body)
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://docker"+r.URL.RequestURI(), bytes.NewReader(body))
		Expect(err).NotTo(HaveOccurred())
		req.Header = r.Header.Clone()
		resp, err := daemon.RoundTrip(req)
		if err != nil {
			GinkgoWriter.Printf("docker proxy: network create: %v\n", err)
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		GinkgoWriter.Printf("docker proxy: network create passed on: %s\n", resp.Status)
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body) // the client may be gone
	})}
	go func() { _ = srv.Serve(ln) }()
	DeferCleanup(func() { _ = srv.Close(); _ = os.Remove(path) })
	return path
}
