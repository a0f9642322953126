package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// nodeProc is a node container's init process as the lab found it when
// it inspected the container: Exec enters its namespaces (nsenter) to run
// a command in the node, as docker exec does, for about a tenth of the
// CPU (no runc, no containerd round trips; on a 2-core machine an exec
// cost about 145 ms of CPU, this about 13 ms). The command sees the
// node's filesystem, network, processes, hostname and environment. It is
// not confined to the container's cgroup or security profile: the lab
// runs as root and its commands are its own.
type nodeProc struct {
	pid   int
	start string   // the process's start time (/proc/PID/stat field 22)
	env   []string // the container's environment, as docker exec gives it
}

// nsenter is the util-linux binary, if the host has it (else docker exec).
var nsenter, _ = exec.LookPath("nsenter")

func newNodeProc(pid int, env []string) nodeProc {
	env = append([]string(nil), env...)
	if !hasEnv(env, "HOME") {
		env = append(env, "HOME=/root") // as docker exec sets it
	}
	return nodeProc{pid: pid, start: procStart(pid), env: env}
}

func hasEnv(env []string, key string) bool {
	for _, e := range env {
		if strings.HasPrefix(e, key+"=") {
			return true
		}
	}
	return false
}

// procStart reads a process's start time ("" if it is gone).
func procStart(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	// The command name (field 2) may hold spaces: count from its ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return ""
	}
	return f[19] // field 22: starttime
}

// exec runs cmd in the node's namespaces. ok is false when it cannot (no
// nsenter, not root, the process unknown): the caller uses docker exec.
// A node whose process is no longer the one inspected (the container
// stopped, its PID reused) is an error, never a command run elsewhere.
func (p nodeProc) exec(ctx context.Context, cmd []string) (ExecResult, bool, error) {
	if p.pid <= 0 || p.start == "" || nsenter == "" || os.Geteuid() != 0 {
		return ExecResult{}, false, nil
	}
	if procStart(p.pid) != p.start {
		return ExecResult{}, true, fmt.Errorf("exec %v: the node's container is no longer running", cmd)
	}
	args := append([]string{"-t", strconv.Itoa(p.pid), "-m", "-u", "-i", "-n", "-p", "-C", "-r", "-w", "--"}, cmd...)
	c := exec.CommandContext(ctx, nsenter, args...)
	c.Env = p.env
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	// A process the command left behind with its output open does not
	// hold the caller (docker exec would wait for it the same way).
	c.WaitDelay = 5 * time.Second
	err := c.Run()
	var exit *exec.ExitError
	switch {
	case err == nil, errors.Is(err, exec.ErrWaitDelay):
	case ctx.Err() != nil:
		return ExecResult{}, true, ctx.Err()
	case errors.As(err, &exit):
		if exit.ExitCode() < 0 {
			return ExecResult{}, true, fmt.Errorf("exec %v: %w", cmd, err)
		}
	default:
		return ExecResult{}, true, fmt.Errorf("exec %v: %w", cmd, err)
	}
	return ExecResult{ExitCode: c.ProcessState.ExitCode(), Stdout: out.String(), Stderr: errb.String()}, true, nil
}
