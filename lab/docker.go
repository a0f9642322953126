package lab

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

// Labels on every lab object.
const (
	LabelLab      = "vpnlab.lab"
	LabelNode     = "vpnlab.node"
	LabelScenario = "vpnlab.scenario"
	// LabelScope groups labs: a test run's, a developer's (see ScopeEnv).
	LabelScope = "vpnlab.scope"
)

// ScopeEnv, when set, puts the labs this process starts in a scope (label
// vpnlab.scope) and limits List, Down and Attach to that scope: a test
// run's `lab down --all` then cannot remove anyone else's labs.
const ScopeEnv = "VPNLAB_SCOPE"

func scope() string { return os.Getenv(ScopeEnv) }

var setupOnce sync.Once

// setup prepares testcontainers once, before the lab's first Docker call.
func setup() {
	setupOnce.Do(func() {
		// Ryuk's image cannot be pulled where there is no registry, and the
		// lab removes its objects itself by label. testcontainers reads
		// these once, on its first use.
		setDefaultEnv("TESTCONTAINERS_RYUK_DISABLED", "true")
		// Inside a container testcontainers would take the VM's gateway as
		// the Docker host; the lab publishes ports on 127.0.0.1 only.
		setDefaultEnv("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1")
		// The lab reports its own progress; testcontainers' chatter goes.
		tclog.SetDefault(tclog.NewNoopLogger())
	})
}

func setDefaultEnv(k, v string) {
	if _, ok := os.LookupEnv(k); !ok {
		_ = os.Setenv(k, v)
	}
}

// dockerClient returns a client of the daemon testcontainers uses. When
// DOCKER_HOST is set, that daemon must answer: testcontainers would
// otherwise quietly fall back to another one.
func dockerClient(ctx context.Context) (*client.Client, error) {
	setup()
	if host := os.Getenv("DOCKER_HOST"); host != "" {
		c, err := client.New(client.FromEnv)
		if err != nil {
			return nil, fmt.Errorf("%w at DOCKER_HOST=%s: %v", ErrNoDocker, host, err)
		}
		if err := checkDocker(ctx, c); err != nil {
			c.Close()
			return nil, fmt.Errorf("DOCKER_HOST=%s: %w", host, err)
		}
		c.Close()
	}
	c, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDocker, err)
	}
	return c.Client, nil
}

// labFilter selects lab id's objects ("" = every lab's) in this scope.
func labFilter(id string) client.Filters {
	f := client.Filters{}.Add("label", LabelLab)
	if id != "" {
		f = client.Filters{}.Add("label", LabelLab+"="+id)
	}
	if s := scope(); s != "" {
		f = f.Add("label", LabelScope+"="+s)
	}
	return f
}

// List returns the ids of the labs (in this scope) that have containers or networks.
func List(ctx context.Context) ([]string, error) {
	labs, err := Labs(ctx)
	var ids []string
	for _, l := range labs {
		ids = append(ids, l.ID)
	}
	return ids, err
}

// Info is what `vpnlab lab list` shows of a lab.
type Info struct {
	ID       string    `json:"id"`
	Scenario string    `json:"scenario,omitempty"`
	Scope    string    `json:"scope,omitempty"`
	Running  int       `json:"running"`    // containers running
	Total    int       `json:"containers"` // containers in any state
	Networks int       `json:"networks"`
	Created  time.Time `json:"created"` // the oldest container's creation
}

// Labs describes the labs (in this scope) that have containers or networks.
func Labs(ctx context.Context) ([]Info, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	return listLabs(ctx, cli)
}

func listLabs(ctx context.Context, cli *client.Client) ([]Info, error) {
	seen := map[string]*Info{}
	get := func(labels map[string]string) *Info {
		id := labels[LabelLab]
		if seen[id] == nil {
			seen[id] = &Info{ID: id, Scenario: labels[LabelScenario], Scope: labels[LabelScope]}
		}
		return seen[id]
	}
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: labFilter("")})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	for _, c := range cs.Items {
		in := get(c.Labels)
		in.Total++
		if c.State == "running" {
			in.Running++
		}
		if t := time.Unix(c.Created, 0); in.Created.IsZero() || t.Before(in.Created) {
			in.Created = t
		}
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: labFilter("")})
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	for _, n := range ns.Items {
		get(n.Labels).Networks++
	}
	var out []Info
	for _, in := range seen {
		out = append(out, *in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Down removes every container and network of lab id ("" = of every lab
// in this scope). Like Close it runs to completion when ctx is cancelled
// meanwhile: stopped half-way, it would leave the networks of the
// containers it removed.
func Down(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 60*time.Second)
	defer cancel()
	cli, err := dockerClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	return removeByLabel(ctx, cli, id, true)
}

// removeByLabel removes the lab's objects, then looks again until a pass
// finds nothing. With settle, the passes are spaced: a create another
// process had in flight when it was interrupted or killed can land after
// a pass. Without, a pass follows at once unless the last one failed (a
// container still leaving its network): for Close, whose lab's own
// creates have all returned (Start completes them even when cancelled).
func removeByLabel(ctx context.Context, cli *client.Client, id string, settle bool) error {
	var err error
	for pass := 0; pass < 8; pass++ {
		var left bool
		left, err = removePass(ctx, cli, id)
		if err == nil && !left {
			return nil
		}
		if err == nil && !settle {
			continue
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(time.Duration(pass+1) * 150 * time.Millisecond):
		}
	}
	return err
}

// removePass removes what it finds and reports whether it found anything.
func removePass(ctx context.Context, cli *client.Client, id string) (bool, error) {
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: labFilter(id)})
	if err != nil {
		return true, fmt.Errorf("list containers: %w", err)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, c := range cs.Items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
			if err != nil && !isNotFound(err) {
				mu.Lock()
				errs = append(errs, fmt.Errorf("remove container %s: %w", c.Names, err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: labFilter(id)})
	if err != nil {
		return true, errors.Join(append(errs, fmt.Errorf("list networks: %w", err))...)
	}
	for _, n := range ns.Items {
		if _, err := cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
		}
	}
	return len(cs.Items)+len(ns.Items) > 0, errors.Join(errs...)
}

func isNotFound(err error) bool { return errdefs.IsNotFound(err) }

// ExecResult is the outcome of a command run in a node.
type ExecResult struct {
	ExitCode int
	Stdout   string
	Stderr   string
}

// execIn runs cmd in container id and collects its output.
func execIn(ctx context.Context, cli *client.Client, id string, cmd []string) (ExecResult, error) {
	cr, err := cli.ExecCreate(ctx, id, client.ExecCreateOptions{Cmd: cmd, AttachStdout: true, AttachStderr: true})
	if err != nil {
		return ExecResult{}, fmt.Errorf("exec %v: %w", cmd, err)
	}
	at, err := cli.ExecAttach(ctx, cr.ID, client.ExecAttachOptions{})
	if err != nil {
		return ExecResult{}, fmt.Errorf("exec %v: %w", cmd, err)
	}
	defer at.Close()
	var out, errb bytes.Buffer
	done := make(chan error, 1)
	go func() { _, err := stdcopy.StdCopy(&out, &errb, at.Reader); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			return ExecResult{}, fmt.Errorf("exec %v: %w", cmd, err)
		}
	case <-ctx.Done():
		return ExecResult{}, ctx.Err()
	}
	ins, err := cli.ExecInspect(ctx, cr.ID, client.ExecInspectOptions{})
	if err != nil {
		return ExecResult{}, fmt.Errorf("exec %v: %w", cmd, err)
	}
	return ExecResult{ExitCode: ins.ExitCode, Stdout: out.String(), Stderr: errb.String()}, nil
}

func portString(p int) string { return strconv.Itoa(p) + "/tcp" }

// awaitLog waits until a node's output (stdout or stderr) has a line
// holding text, following one log stream: polling the whole log instead
// (every 20 ms, per node) cost the Docker daemon a core while 8 nodes
// started side by side.
func (l *Lab) awaitLog(ctx context.Context, n *Node, text string, within time.Duration) error {
	if n == nil {
		return errors.New("no such node")
	}
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	rc, err := l.cli.ContainerLogs(ctx, n.ContainerID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: true})
	if err != nil {
		return fmt.Errorf("follow the log of %s: %w", n.Name, err)
	}
	defer rc.Close()
	pr, pw := io.Pipe()
	go func() { _, err := stdcopy.StdCopy(pw, pw, rc); pw.CloseWithError(err) }()
	defer pr.Close()
	found := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			if strings.Contains(sc.Text(), text) {
				found <- true
				return
			}
		}
		found <- false
	}()
	select {
	case ok := <-found:
		if ok {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: no %q in its log within %s", n.Name, text, within)
		}
		return fmt.Errorf("%s: its log ended without %q (the node stopped)", n.Name, text)
	case <-ctx.Done():
		return fmt.Errorf("%s: no %q in its log within %s: %w", n.Name, text, within, ctx.Err())
	}
}
