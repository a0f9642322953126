package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// commandNames are commands Run has always known.
var commandNames = []string{"bench", "lab down", "lab exec", "lab list", "lab status", "lab up"}

func TestRunUsage(t *testing.T) {
	for _, args := range [][]string{nil, {}, {"help"}, {"-h"}, {"--help"}} {
		t.Run(fmt.Sprintf("%q", args), func(t *testing.T) {
			var out, errw bytes.Buffer
			if err := Run(context.Background(), args, &out, &errw); err != nil {
				t.Fatalf("error = %v, want nil", err)
			}
			lines := strings.Split(out.String(), "\n")
			if lines[0] != "usage: vpnlab COMMAND [flags]" {
				t.Errorf("first line %q, want %q", lines[0], "usage: vpnlab COMMAND [flags]")
			}
			for _, n := range commandNames {
				if _, ok := commands()[n]; !ok {
					t.Errorf("no command %q", n)
				}
			}
			for n, c := range commands() {
				want := fmt.Sprintf("  %-12s %s", n, c.summary)
				if !strings.Contains(out.String(), want+"\n") {
					t.Errorf("usage lacks the line %q:\n%s", want, out.String())
				}
			}
			if !strings.Contains(out.String(), "  lab up       bring a lab up and leave it running\n") {
				t.Errorf("usage lacks lab up's summary:\n%s", out.String())
			}
			if errw.Len() != 0 {
				t.Errorf("wrote %q to errw, want nothing", errw.String())
			}
		})
	}
}

// Each of these fails on the command line, before any Docker call.
func TestRunUsageErrors(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		start    string   // the error starts with this
		contains []string // and contains these
		// allCommands: the error lists every command Run knows.
		allCommands bool
	}{
		{
			name:        "unknown command",
			args:        []string{"frobnicate"},
			start:       `usage: unknown command "frobnicate" (commands: `,
			contains:    commandNames,
			allCommands: true,
		},
		{
			name:        "unknown lab subcommand",
			args:        []string{"lab", "frob", "--all"},
			start:       `usage: unknown command "lab frob --all" (commands: `,
			contains:    commandNames,
			allCommands: true,
		},
		{
			name:     "unknown scenario",
			args:     []string{"lab", "up", "--scenario", "nope"},
			start:    `usage: unknown scenario "nope" (known: `,
			contains: []string{"healthy"},
		},
		{
			name:  "lab up with an unknown flag",
			args:  []string{"lab", "up", "--bogus"},
			start: "usage: flag provided but not defined: -bogus",
		},
		{
			name:  "lab down with two ids",
			args:  []string{"lab", "down", "abc123", "def456"},
			start: `usage: lab down: unexpected ["abc123" "def456"]`,
		},
		{
			name:  "lab down with an id and --lab",
			args:  []string{"lab", "down", "--lab", "abc123", "def456"},
			start: `usage: lab down: unexpected ["def456"]`,
		},
		{
			name:  "lab exec without node",
			args:  []string{"lab", "exec"},
			start: "usage: lab exec NODE -- CMD [ARGS...]",
		},
		{
			name:  "lab exec without command",
			args:  []string{"lab", "exec", "onprem-gw"},
			start: "usage: lab exec NODE -- CMD [ARGS...]",
		},
		{
			name:  "lab exec with an empty command",
			args:  []string{"lab", "exec", "onprem-gw", "--"},
			start: "usage: lab exec NODE -- CMD [ARGS...]",
		},
		{
			name:  "exam with more cases than scenarios",
			args:  []string{"exam", "--count", "3", "--pool", "psk-mismatch,esp-blocked", "--seed", "1"},
			start: "usage: exam: --count 3 but only 2 scenarios match",
		},
		{
			name:  "exam with an unknown pool scenario",
			args:  []string{"exam", "--pool", "nope"},
			start: `usage: exam: no scenario "nope" in the pool`,
		},
		{
			name:  "exam with a category nothing has",
			args:  []string{"exam", "--category", "nonsense"},
			start: "usage: exam: no scenario matches",
		},
		{
			name:  "exam with an argument",
			args:  []string{"exam", "extra"},
			start: "usage: exam takes no arguments",
		},
		{
			name:  "bench with too many runs",
			args:  []string{"bench", "--runs", "21"},
			start: "usage: --runs must be 1..20",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errw bytes.Buffer
			err := Run(context.Background(), tt.args, &out, &errw)
			if !errors.Is(err, ErrUsage) {
				t.Fatalf("error = %v, want it to wrap ErrUsage", err)
			}
			if !strings.HasPrefix(err.Error(), tt.start) {
				t.Errorf("error = %q, want it to start with %q", err, tt.start)
			}
			for _, c := range tt.contains {
				if !strings.Contains(err.Error(), c) {
					t.Errorf("error = %q, want it to name %q", err, c)
				}
			}
			if tt.allCommands {
				for n := range commands() {
					if !strings.Contains(err.Error(), n) {
						t.Errorf("error = %q, want it to list command %q", err, n)
					}
				}
			}
			if ExitCode(err) != 2 {
				t.Errorf("ExitCode = %d, want 2", ExitCode(err))
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"usage", ErrUsage, 2},
		{"wrapped usage", usagef("lab exec NODE -- CMD"), 2},
		{"usage joined with teardown", errors.Join(usagef("x"), errors.New("teardown")), 2},
		{"interrupted", context.Canceled, 130},
		{"interrupted during bring-up", errors.Join(fmt.Errorf("start internet: %w", context.Canceled), errors.New("teardown")), 130},
		{"deadline", context.DeadlineExceeded, 1},
		{"other", errors.New("no Docker daemon"), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ExitCode(tt.err); got != tt.want {
				t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestHideName(t *testing.T) {
	got := hideName("PSK-Mismatch after psk-mismatch", "psk-mismatch")
	if got != "[hidden] after [hidden]" {
		t.Errorf("hideName = %q", got)
	}
}
