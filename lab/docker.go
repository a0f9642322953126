package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
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
)

func init() {
	// Ryuk's image cannot be pulled where there is no registry, and the lab
	// removes its objects itself by label. testcontainers reads these once.
	setDefaultEnv("TESTCONTAINERS_RYUK_DISABLED", "true")
	// Inside a container testcontainers would take the VM's gateway as the
	// Docker host; the lab publishes ports on 127.0.0.1 only.
	setDefaultEnv("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1")
	// The lab reports its own progress; testcontainers' chatter goes.
	tclog.SetDefault(tclog.NewNoopLogger())
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

func labFilter(id string) client.Filters {
	if id == "" {
		return client.Filters{}.Add("label", LabelLab)
	}
	return client.Filters{}.Add("label", LabelLab+"="+id)
}

// List returns the ids of the labs that have containers or networks.
func List(ctx context.Context) ([]string, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	return listLabs(ctx, cli)
}

func listLabs(ctx context.Context, cli *client.Client) ([]string, error) {
	seen := map[string]bool{}
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: labFilter("")})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	for _, c := range cs.Items {
		seen[c.Labels[LabelLab]] = true
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: labFilter("")})
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	for _, n := range ns.Items {
		seen[n.Labels[LabelLab]] = true
	}
	var ids []string
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, nil
}

// Down removes every container and network of lab id ("" = of every lab).
func Down(ctx context.Context, id string) error {
	cli, err := dockerClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	return removeByLabel(ctx, cli, id)
}

// removeByLabel removes the lab's objects, then looks again: a create that
// was in flight when bring-up was interrupted can land after the first pass.
func removeByLabel(ctx context.Context, cli *client.Client, id string) error {
	var err error
	for pass := 0; pass < 8; pass++ {
		var left bool
		left, err = removePass(ctx, cli, id)
		if err == nil && !left {
			return nil
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
