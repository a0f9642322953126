package azure_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

// recorder is a Reconfigurer that records its calls. Apply fails with
// applyErr; Reset waits for gate (if set) and returns resetErr.
type recorder struct {
	mu       sync.Mutex
	applied  []change
	applyErr error
	resets   int
	gate     chan struct{}
	resetErr error
}

type change struct{ old, new azure.Model }

func (r *recorder) Apply(_ context.Context, old, new azure.Model) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.applied = append(r.applied, change{old, new})
	return r.applyErr
}

func (r *recorder) Reset(ctx context.Context) error {
	if r.gate != nil {
		select {
		case <-r.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.resets++
	return r.resetErr
}

func (r *recorder) changes() []change {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.applied)
}

func (r *recorder) resetCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.resets
}

// server is a test server of one gateway that lives as long as the test.
type server struct {
	t   *testing.T
	srv *httptest.Server
}

func serve(t *testing.T, g *azure.Gateway) *server {
	t.Helper()
	srv := httptest.NewServer(g.Handler())
	t.Cleanup(srv.Close)
	return &server{t, srv}
}

func (s *server) do(method, path string, body any) response {
	s.t.Helper()
	return send(s.t, s.srv, method, s.srv.URL+path, body)
}

// url makes an absolute URL relative paths, as the operation URLs are.
func (s *server) get(u string) response {
	s.t.Helper()
	if !strings.HasPrefix(u, "http") {
		u = s.srv.URL + u
	}
	return send(s.t, s.srv, http.MethodGet, u, nil)
}

// status polls the Azure-AsyncOperation URL of r once.
func (s *server) status(r response) string {
	s.t.Helper()
	st := s.get(r.header.Get("Azure-AsyncOperation"))
	if st.status != http.StatusOK {
		s.t.Fatalf("GET Azure-AsyncOperation: status %d, body %s", st.status, st.body)
	}
	v, _ := st.obj(s.t)["status"].(string)
	return v
}

// await polls the Azure-AsyncOperation URL of r until the status is
// terminal and returns it with the last status body.
func (s *server) await(r response) (string, response) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := s.get(r.header.Get("Azure-AsyncOperation"))
		status, _ := st.obj(s.t)["status"].(string)
		if status != "InProgress" {
			return status, st
		}
		if time.Now().After(deadline) {
			s.t.Fatal("operation still in progress after 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// errorCode returns the code of an ARM error body.
func errorCode(t *testing.T, r response) string {
	t.Helper()
	c, _ := get(t, r.obj(t), "error", "code").(string)
	return c
}

// ops returns the OperationName of each record of category.
func ops(g *azure.Gateway, category string) []string {
	var out []string
	for _, rec := range g.Logs(category, time.Time{}) {
		out = append(out, rec.OperationName)
	}
	return out
}
