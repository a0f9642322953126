package profile

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestDurationUnmarshal(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: `45s`, want: 45 * time.Second},
		{in: `45`, want: 45 * time.Second},
		{in: `0`, want: 0},
		{in: `8h`, want: 8 * time.Hour},
		{in: `1m30s`, want: 90 * time.Second},
		{in: `-5s`, want: -5 * time.Second},
		{in: `45x`, err: `line 1: invalid duration "45x"`},
		{in: `"45"`, err: `line 1: invalid duration "45"`},
		{in: `1.5`, err: `line 1: invalid duration "1.5"`},
		{in: `[45]`, err: `line 1: invalid duration a list`},
		{in: `99999999999999999`, err: `line 1: invalid duration "99999999999999999"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var d Duration
			err := yaml.Unmarshal([]byte(tt.in), &d)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Duration != tt.want {
				t.Errorf("got %v, want %v", d.Duration, tt.want)
			}
		})
	}
}

func TestDurationMarshal(t *testing.T) {
	out, err := yaml.Marshal(struct {
		D Duration `yaml:"d"`
	}{seconds(45)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(out), "d: 45s\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
