package offline

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vpnlab/vpnlab/diagnose"
)

// FuzzParse feeds arbitrary files, under the names real inputs have,
// through Parse and the engine: neither may panic, every report must add
// up and the evidence must serialise.
func FuzzParse(f *testing.F) {
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f.Add(d.Name(), b)
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("x.zip", []byte("PK\x03\x04garbage"))
	f.Add("x.gz", []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0})
	f.Add("utf16.txt", []byte{0xff, 0xfe, 'E', 0, 'v', 0, 'e', 0})
	f.Add("ping.txt", []byte("$ ping -D -M do -s 1372 198.19.1.4\nPING 198.19.1.4 (198.19.1.4) 1372(1400) bytes of data.\n"+
		"[1795315762.201544] From 198.18.10.1 icmp_seq=1 Frag needed and DF set (mtu = 1230)\nping: local error: message too long, mtu=1230\n"+
		"[1795315763.1] 1380 bytes from 198.19.1.4: icmp_seq=3 ttl=63 time=1.3 ms\n--- 198.19.1.4 ping statistics ---\n"+
		"3 packets transmitted, 1 received, +2 errors, 66% packet loss, time 2019ms\nPING 2001:db8::4(2001:db8::4) 56 data bytes\n"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		ev, rep, _ := Parse(map[string][]byte{name: data})
		for _, fr := range rep.Files {
			if fr.Used+fr.Ignored != fr.Lines || fr.Used < 0 || fr.Ignored < 0 {
				t.Fatalf("%+v does not add up", fr)
			}
		}
		if _, err := json.Marshal(ev); err != nil {
			t.Fatal(err)
		}
		_ = diagnose.Diagnose(ev).String()

		// Whatever comes before them, secrets in the input never reach
		// the evidence or the verdict.
		const secret = "FuzzSecret7f3a"
		tail := "\npsk = \"" + secret + "\"\ncrypto isakmp key " + secret + " address 203.0.113.10\n" +
			"    set psksecret ENC " + secret + "\n" + `{"sharedKey": "` + secret + `"}` + "\n"
		withSecrets := append(append([]byte{}, data...), tail...)
		ev, _, _ = Parse(map[string][]byte{name: withSecrets})
		evj, _ := json.Marshal(ev)
		v := diagnose.Diagnose(ev)
		vj, _ := json.Marshal(v)
		for _, out := range []string{string(evj), string(vj), v.String()} {
			if strings.Contains(out, secret) {
				t.Fatalf("a secret reached the output:\n%s", out)
			}
		}
	})
}
