package lab

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestProcStart(t *testing.T) {
	if procStart(os.Getpid()) == "" {
		t.Fatal("no start time for this process")
	}
	if procStart(1<<22+7) != "" {
		t.Fatal("a start time for a process that cannot exist")
	}
}

// TestNodeProcExec enters this test's own namespaces: what a node's exec
// returns (stdout, stderr, exit code, the given environment), and that a
// process that is gone is an error, not a command run elsewhere.
func TestNodeProcExec(t *testing.T) {
	if nsenter == "" || os.Geteuid() != 0 {
		t.Skip("needs root and nsenter")
	}
	p := newNodeProc(os.Getpid(), []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "X=1"})
	r, ok, err := p.exec(context.Background(), []string{"sh", "-c", "echo $X $HOME; echo oops >&2; exit 3"})
	if !ok || err != nil {
		t.Fatalf("ok %v, err %v", ok, err)
	}
	if r.ExitCode != 3 || strings.TrimSpace(r.Stdout) != "1 /root" || strings.TrimSpace(r.Stderr) != "oops" {
		t.Fatalf("got %+v", r)
	}

	c := exec.Command("sleep", "30")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	gone := newNodeProc(c.Process.Pid, nil)
	_ = c.Process.Kill()
	_ = c.Wait()
	if _, ok, err := gone.exec(context.Background(), []string{"true"}); !ok || err == nil {
		t.Fatalf("a process that is gone: ok %v, err %v", ok, err)
	}
	if _, ok, _ := (nodeProc{}).exec(context.Background(), []string{"true"}); ok {
		t.Fatal("a node without a process must fall back to docker exec")
	}
}
