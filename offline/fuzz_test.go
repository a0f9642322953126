package offline

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
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
	})
}
