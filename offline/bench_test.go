package offline

import (
	"bytes"
	"fmt"
	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/diagnose/kb"
	"os"
	"path/filepath"
	"strings"
	"syscall"
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

// BenchmarkParseDiagnose is what `diagnose --from` does with a large log:
// read it and run the engine, whose every line goes through the full
// knowledge base. Target: 100 000 lines/s or more.
func BenchmarkParseDiagnose(b *testing.B) {
	in := map[string][]byte{"charon.log": charonLog(b, benchLines)}
	kb.Default()
	b.SetBytes(int64(len(in["charon.log"])))
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		ev, _, err := Parse(in)
		if err != nil {
			b.Fatal(err)
		}
		if v := diagnose.Diagnose(ev); v.Lines != benchLines {
			b.Fatalf("%d lines read by the engine, want %d", v.Lines, benchLines)
		}
	}
	reportLines(b, cpu0)
}

// reportLines reports lines per second of wall time and of the process's
// CPU time: on a shared machine the wall figure measures the neighbours
// too.
func reportLines(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64(benchLines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(benchLines)*float64(b.N)/cpu.Seconds(), "lines/cpu-s")
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkParseDiagnoseText is the same for text no structured reader
// takes: the corpus's logs of every family, repeated to benchLines lines
// and read as one paste (every line goes through the families'
// recognisers as well as the signatures).
func BenchmarkParseDiagnoseText(b *testing.B) {
	paths, _ := filepath.Glob("testdata/real/*/*.yaml")
	var logs []string
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		if i := strings.Index(string(raw), "\nlog: |"); i >= 0 {
			for _, l := range strings.Split(string(raw[i+8:]), "\n") {
				if l = strings.TrimSpace(l); l != "" {
					logs = append(logs, l)
				}
			}
		}
	}
	if len(logs) == 0 {
		b.Skip("no corpus")
	}
	var buf bytes.Buffer
	for i := 0; i < benchLines; i++ {
		buf.WriteString(logs[i%len(logs)])
		buf.WriteByte('\n')
	}
	in := map[string][]byte{"paste.txt": buf.Bytes()}
	kb.Default()
	b.SetBytes(int64(buf.Len()))
	b.ResetTimer()
	cpu0 := cpuTime()
	var v diagnose.Verdict
	for b.Loop() {
		ev, _, _ := Parse(in)
		v = diagnose.Diagnose(ev)
	}
	reportLines(b, cpu0)
	b.ReportMetric(float64(v.Unplaced)/float64(max(1, v.Lines))*100, "%unplaced")
}
