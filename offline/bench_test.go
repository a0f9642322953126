package offline

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// benchLines is the size of the synthetic charon log.
const benchLines = 200_000

// charonLog repeats the recorded psk-mismatch charon log (filelog format)
// to n lines, with times one second apart per round.
func charonLog(tb testing.TB, n int) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "psk-mismatch", "charon.log"))
	if err != nil {
		tb.Fatal(err)
	}
	var msgs []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		msgs = append(msgs, l[len("2026-11-22T02:21:56 "):])
	}
	var out bytes.Buffer
	t0 := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		round := i / len(msgs)
		m := msgs[i%len(msgs)]
		// Each round is another IKE SA.
		m = strings.NewReplacer("azure[", fmt.Sprintf("azure%d[", round), "<azure|", fmt.Sprintf("<azure%d|", round)).Replace(m)
		out.WriteString(t0.Add(time.Duration(round) * time.Second).Format("2006-01-02T15:04:05"))
		out.WriteByte(' ')
		out.WriteString(m)
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// BenchmarkParse measures parsing throughput over a large charon log; the
// target is 100 000 lines/s or more.
func BenchmarkParse(b *testing.B) {
	in := map[string][]byte{"charon.log": charonLog(b, benchLines)}
	b.SetBytes(int64(len(in["charon.log"])))
	b.ResetTimer()
	for b.Loop() {
		_, rep, err := Parse(in)
		if err != nil || rep.Files[0].Used != benchLines {
			b.Fatalf("%v %+v", err, rep.Files)
		}
	}
	b.ReportMetric(float64(benchLines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
