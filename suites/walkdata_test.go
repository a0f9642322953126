package suites_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/vpnlab/vpnlab/scenarios"
)

// walk runs a scenario's recorded real-way fix (its walk: section): shell
// commands in the trainee's nodes and changes through the ARM API, as the
// portal's blades send them. Nothing here calls the lab's fault or fix code.
func (t trainee) walk(ctx context.Context, w scenarios.Walk) {
	GinkgoHelper()
	vars := map[string]string{}
	for i, s := range w.Steps {
		GinkgoWriter.Printf("step %d: %s\n", i+1, s.Say)
		switch {
		case s.Run != "":
			r, err := t.l.Exec(ctx, s.Node, "sh", "-c", s.Run)
			Expect(err).NotTo(HaveOccurred())
			if s.Save == "" {
				GinkgoWriter.Printf("%s", r.Stdout)
			}
			out := r.Stdout
			if s.Save != "" {
				out = "(saved, not shown: it may be a secret)"
			}
			Expect(r.ExitCode).To(Equal(0), "step %d in %s:\n%s\nstdout: %s\nstderr: %s", i+1, s.Node, s.Run, out, r.Stderr)
			if s.Save != "" {
				vars[s.Save] = strings.TrimSpace(r.Stdout)
				Expect(vars[s.Save]).NotTo(BeEmpty(), "step %d saved nothing", i+1)
			}
		case s.ARM != "":
			GinkgoWriter.Printf("  (portal: %s)\n", s.Portal)
			if s.Delete {
				t.armSet(ctx, s.ARM, nil)
			} else {
				t.armSet(ctx, s.ARM, substitute(s.Set, vars).(map[string]any))
			}
		default:
			d, err := time.ParseDuration(s.Wait)
			Expect(err).NotTo(HaveOccurred())
			time.Sleep(d)
		}
	}
}

// substitute replaces ${name} in every string of v with vars[name].
func substitute(v any, vars map[string]string) any {
	switch x := v.(type) {
	case string:
		for k, val := range vars {
			x = strings.ReplaceAll(x, "${"+k+"}", val)
		}
		return x
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = substitute(e, vars)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = substitute(e, vars)
		}
		return out
	}
	return v
}

// armSet reads a resource through the ARM API, sets the dotted paths of
// set and writes it back (GET, then PUT of the whole resource, as `az
// network ... update` does), waiting for Azure's long-running operation;
// with set nil it deletes the resource.
func (t trainee) armSet(ctx context.Context, resource string, set map[string]any) {
	GinkgoHelper()
	m := t.l.Model
	path := strings.NewReplacer("{gateway}", m.Gateway.Name, "{lng}", m.LocalGateway.Name, "{connection}", m.Connection.Name,
		"{vnet}", m.VirtualNetwork.Name).Replace(resource)
	c := labCloud(t.l)
	tok, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.env.ARMAudience + "/.default"}})
	Expect(err).NotTo(HaveOccurred())
	u := strings.TrimSuffix(c.env.ARMEndpoint, "/") + "/subscriptions/" + m.SubscriptionID + "/resourceGroups/" + m.ResourceGroup +
		"/providers/Microsoft.Network/" + path + "?api-version=2024-05-01"
	do := func(method, u string, body []byte) (int, http.Header, []byte) {
		GinkgoHelper()
		req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.hc.Do(req)
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, b
	}
	await := func(hdr http.Header) {
		GinkgoHelper()
		op := hdr.Get("Azure-AsyncOperation")
		if op == "" {
			return
		}
		Eventually(func() string {
			_, _, b := do(http.MethodGet, op, nil)
			var st struct {
				Status string `json:"status"`
			}
			_ = json.Unmarshal(b, &st)
			return st.Status
		}).WithContext(ctx).WithTimeout(2*time.Minute).WithPolling(300*time.Millisecond).Should(Equal("Succeeded"), "%s", resource)
	}
	if set == nil {
		status, hdr, b := do(http.MethodDelete, u, nil)
		Expect(status).To(BeElementOf(http.StatusOK, http.StatusAccepted, http.StatusNoContent), "DELETE %s: %s", resource, b)
		await(hdr)
		return
	}
	status, _, b := do(http.MethodGet, u, nil)
	Expect(status).To(Equal(http.StatusOK), "GET %s: %s", resource, b)
	var obj map[string]any
	Expect(json.Unmarshal(b, &obj)).To(Succeed())
	for path, v := range set {
		setPath(obj, strings.Split(path, "."), v)
	}
	body, err := json.Marshal(obj)
	Expect(err).NotTo(HaveOccurred())
	status, hdr, b := do(http.MethodPut, u, body)
	Expect(status).To(BeElementOf(http.StatusOK, http.StatusCreated), "PUT %s: %s", resource, b)
	await(hdr)
}

// setPath sets obj[p0][p1]... = v, making the maps on the way.
func setPath(obj map[string]any, path []string, v any) {
	for _, p := range path[:len(path)-1] {
		next, ok := obj[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			obj[p] = next
		}
		obj = next
	}
	obj[path[len(path)-1]] = v
}
