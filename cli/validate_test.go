package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// vpnlab validate: exit 0 clean, 1 findings, 2 unusable input, the stable
// JSON shape, and no key in any output.
func TestValidateExitAndShape(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	clean := write("clean.conf", `conn azure
    keyexchange=ikev2
    ike=aes256-sha256-modp1024!
    esp=aes256gcm16!
    right=203.0.113.10
    authby=secret
    dpdaction=restart
    mark=42
`)
	secrets := write("ipsec.secrets", `203.0.113.10 : PSK "Sup3rSecretKey"`+"\n")
	bad := write("bad.conf", strings.Replace(string(must(os.ReadFile(clean))), "modp1024", "modp2048", 1))
	unknown := write("notes.txt", "hello\nworld\n")
	conn := write("conn.json", `{"name":"c","type":"Microsoft.Network/connections","properties":{"connectionProtocol":"IKEv2","sharedKey":"OtherKey123"}}`)

	for _, tt := range []struct {
		name string
		args []string
		code int
	}{
		{"clean", []string{clean, secrets}, 0},
		{"finding", []string{bad, secrets, "--json"}, 1},
		{"key differs", []string{clean, secrets, "--azure", conn}, 1},
		{"unknown syntax", []string{unknown}, 2},
		{"no file", []string{filepath.Join(dir, "missing.conf")}, 2},
		{"bad azure file", []string{clean, "--azure", unknown}, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errw bytes.Buffer
			err := Run(context.Background(), append([]string{"validate"}, tt.args...), &out, &errw)
			if got := ExitCode(err); got != tt.code {
				t.Fatalf("exit %d, want %d (%v)\n%s", got, tt.code, err, out.String())
			}
			all := out.String() + errw.String()
			if err != nil {
				all += err.Error()
			}
			for _, key := range []string{"Sup3rSecretKey", "OtherKey123"} {
				if strings.Contains(all, key) {
					t.Fatal("a key was printed")
				}
			}
			if tt.name == "unknown syntax" && !strings.Contains(err.Error(), "notes.txt:1: unknown configuration syntax") {
				t.Errorf("error does not name file and line: %v", err)
			}
			if slices.Contains(tt.args, "--json") {
				var rep struct {
					Findings []map[string]any `json:"findings"`
				}
				if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
					t.Fatal(err)
				}
				want := []string{"category", "check", "fault", "file", "fix", "line", "message", "rule", "rule_source", "severity"}
				for _, f := range rep.Findings {
					var keys []string
					for k := range f {
						keys = append(keys, k)
					}
					slices.Sort(keys)
					if !slices.Equal(keys, want) {
						t.Fatalf("finding keys %v, want %v", keys, want)
					}
				}
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
