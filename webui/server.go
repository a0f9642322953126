package webui

import (
	"context"
	"crypto/tls"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/training"
)

//go:embed assets
var assets embed.FS

// Server is the web view of one lab.
type Server struct {
	l    *lab.Lab
	prog string
	log  *slog.Logger
	arm  *httputil.ReverseProxy
	api  *lab.AzureAPI

	// mu serialises the lab's use: the refresh loop and the actions.
	mu sync.Mutex
	// snapMu guards the latest snapshot.
	snapMu sync.RWMutex
	snap   Snapshot
	// Interval between refreshes (default 1 s after the previous one ends).
	Interval time.Duration
}

// Snapshot is what the page draws, refreshed in the background.
type Snapshot struct {
	Lab      string               `json:"lab"`
	At       time.Time            `json:"at"`
	Took     float64              `json:"took_s"`
	Status   lab.Status           `json:"status"`
	Topology Topology             `json:"topology"`
	Learned  []azure.GatewayRoute `json:"learned_routes"`
	Errors   []string             `json:"errors,omitempty"`
	packets  map[string]uint64
}

// New builds the web view of l; prog is the command messages print
// ("bin/vpnlab").
func New(l *lab.Lab, prog string, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	api, err := l.AzureAPI()
	if err != nil {
		return nil, err
	}
	target, err := url.Parse(api.Base)
	if err != nil {
		return nil, err
	}
	s := &Server{l: l, prog: prog, log: log, api: api, Interval: time.Second}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: l.APICertPool(), MinVersion: tls.VersionTLS12}}
	s.arm = &httputil.ReverseProxy{
		Transport: tr,
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.URL.Path = strings.TrimPrefix(r.In.URL.Path, "/arm")
			r.Out.URL.RawPath = ""
			// The page signs in as the lab's service principal; without a
			// token the API answers Azure's 401, which the page shows.
			r.Out.Header.Del("Authorization")
			if tok, err := l.Token(r.In.Context(), azure.ARMAudience, nil); err == nil {
				r.Out.Header.Set("Authorization", "Bearer "+tok)
			}
			r.Out.Header.Del("Cookie")
		},
		ModifyResponse: func(resp *http.Response) error {
			// Operation URLs are absolute on the API: keep the page on /arm.
			for _, h := range []string{"Location", "Azure-AsyncOperation"} {
				if v := resp.Header.Get(h); v != "" {
					resp.Header.Set(h, strings.Replace(v, api.Base, "/arm", 1))
				}
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			writeJSON(w, http.StatusBadGateway, armError("GatewayUnreachable", err.Error()))
		},
	}
	return s, nil
}

func armError(code, msg string) any {
	return map[string]any{"error": map[string]string{"code": code, "message": msg}}
}

// Handler serves the page, its JSON endpoints and the ARM proxy.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "assets")
	mux.Handle("/", http.FileServerFS(static))
	mux.HandleFunc("GET /api/snapshot", s.snapshot)
	mux.HandleFunc("GET /api/meta", s.meta)
	mux.HandleFunc("GET /api/logs", s.logs)
	mux.HandleFunc("GET /api/device", s.device)
	mux.HandleFunc("GET /api/training", s.trainingState)
	mux.HandleFunc("POST /api/check", s.check)
	mux.HandleFunc("POST /api/hint", s.hint)
	mux.HandleFunc("POST /api/answer", s.answer)
	mux.Handle("/arm/", s.arm)
	return localOnly(mux)
}

// localOnly refuses requests for another host name (DNS rebinding).
func localOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			host = r.Host
		}
		if host != "127.0.0.1" && host != "localhost" {
			http.Error(w, "vpnlab ui answers on 127.0.0.1 only", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Refresh reads the lab once and stores the snapshot.
func (s *Server) Refresh(ctx context.Context) Snapshot {
	start := time.Now()
	s.mu.Lock()
	st := s.l.Status(ctx)
	s.mu.Unlock()
	s.snapMu.RLock()
	prev := s.snap.packets
	s.snapMu.RUnlock()
	snap := Snapshot{Lab: s.l.ID(), At: time.Now().UTC(), Status: st, Topology: Draw(st, prev), packets: Packets(st)}
	rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if routes, err := s.api.LearnedRoutes(rctx); err != nil {
		snap.Errors = append(snap.Errors, "getLearnedRoutes: "+err.Error())
	} else {
		snap.Learned = routes
	}
	snap.Took = time.Since(start).Seconds()
	s.snapMu.Lock()
	s.snap = snap
	s.snapMu.Unlock()
	return snap
}

// Run refreshes the snapshot until ctx ends.
func (s *Server) Run(ctx context.Context) {
	for ctx.Err() == nil {
		s.Refresh(ctx)
		select {
		case <-ctx.Done():
		case <-time.After(s.Interval):
		}
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, err error) {
	writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
}

func (s *Server) snapshot(w http.ResponseWriter, r *http.Request) {
	s.snapMu.RLock()
	snap := s.snap
	s.snapMu.RUnlock()
	if snap.At.IsZero() {
		snap = s.Refresh(r.Context())
	}
	writeJSON(w, http.StatusOK, snap)
}

// meta gives the page the resource IDs its blades address.
func (s *Server) meta(w http.ResponseWriter, r *http.Request) {
	m := s.api.Model
	writeJSON(w, http.StatusOK, map[string]any{
		"lab":          s.l.ID(),
		"prog":         s.prog,
		"apiVersion":   lab.APIVersion,
		"gateway":      m.ID("virtualNetworkGateways", m.Gateway.Name),
		"localGateway": m.ID("localNetworkGateways", m.LocalGateway.Name),
		"connection":   m.ID("connections", m.Connection.Name),
		"names": map[string]string{"gateway": m.Gateway.Name, "localGateway": m.LocalGateway.Name,
			"connection": m.Connection.Name},
		"categories": []string{"tunnel-setup", "authentication", "routing", "operations"},
	})
}

func (s *Server) logs(w http.ResponseWriter, r *http.Request) {
	cat := r.URL.Query().Get("category")
	minutes, _ := strconv.Atoi(r.URL.Query().Get("minutes"))
	recs, err := s.l.AzureLogs(r.Context(), cat)
	if err != nil {
		fail(w, err)
		return
	}
	if minutes > 0 {
		since := time.Now().Add(-time.Duration(minutes) * time.Minute)
		kept := recs[:0]
		for _, rec := range recs {
			if !rec.TimeGenerated.Before(since) {
				kept = append(kept, rec)
			}
		}
		recs = kept
	}
	if len(recs) > 500 {
		recs = recs[len(recs)-500:]
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": recs})
}

// device shows the on-prem device's own event log (charon and GoBGP).
func (s *Server) device(w http.ResponseWriter, r *http.Request) {
	res, err := s.l.Exec(r.Context(), lab.OnpremGW, "tail", "-n", "200", deviceLogFile)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"file": deviceLogFile, "lines": strings.Split(strings.TrimSpace(res.Stdout), "\n")})
}

func (s *Server) trainingState(w http.ResponseWriter, r *http.Request) {
	st, err := training.Load(s.l.ID())
	if errors.Is(err, training.ErrNoState) {
		writeJSON(w, http.StatusOK, map[string]any{"training": false})
		return
	}
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"training": true, "briefing": st.Briefing, "score": st.Score(),
		"hints": len(st.Hints)})
}

func (s *Server) check(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rep, err := training.RunCheck(r.Context(), s.l)
	s.mu.Unlock()
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) hint(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	h, err := training.RunHint(r.Context(), s.l, s.prog)
	s.mu.Unlock()
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request) {
	var a training.Answer
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&a); err != nil || a.Category == "" || a.Fault == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "answer needs a category and a fault"})
		return
	}
	s.mu.Lock()
	ok, st, err := training.RunAnswer(r.Context(), s.l, a)
	s.mu.Unlock()
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"correct": ok, "score": st.Score()})
}

// Serve serves the web view on addr (127.0.0.1:PORT; port 0 picks one)
// until ctx ends; ready gets the page's URL once it listens.
func Serve(ctx context.Context, s *Server, addr string, ready func(url string)) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("ui address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("ui address %q: only a loopback address (127.0.0.1) is allowed", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("ui: %w", err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.Run(ctx)
	go func() {
		<-ctx.Done()
		sctx, c := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer c()
		_ = srv.Shutdown(sctx)
	}()
	if ready != nil {
		ready("http://" + ln.Addr().String() + "/")
	}
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// deviceLogFile is the device's event log (charon and GoBGP, as JSON lines).
const deviceLogFile = contract.EventsFile
