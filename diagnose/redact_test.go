package diagnose

import (
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// vendorSecretsRef are vendorSecrets as plain unanchored expressions (how
// they were written before the anchored matching): the reference the
// anchored matching must agree with.
var vendorSecretsRef = []*regexp.Regexp{
	regexp.MustCompile(`\b(?:pre-shared-key|psksecret|key-string|ascii-text|hexadecimal-text|authentication-key|shared-secret|server-?secret|radius-?secret|auth-key|preshared-?key)((?:[ \t]+(?:local|remote|unencrypted|encrypted|ascii-text|hex|enc|0|5|6|7|8|9))*)[ \t]+("[^"]*"|'[^']*'|[^\s;,}<>]+)`),
	regexp.MustCompile(`(?:^|[ \t])-(?:sharedkey|secret|psk|radiusserversecret|password)[ \t]+("[^"]*"|'[^']*'|[^\s;,}]+)`),
	regexp.MustCompile(`\bisakmp key[ \t]+(?:[0-9][ \t]+)?("[^"]*"|\S+)`),
	regexp.MustCompile(`\baddress[ \t]+\S+[ \t]+key[ \t]+(?:[0-9][ \t]+)?("[^"]*"|\S+)`),
	regexp.MustCompile(`\b(?:password|secret|key)[ \t]+[0-9][ \t]+(\S+)`),
	regexp.MustCompile(`\bneighbor[ \t]+\S+[ \t]+password[ \t]+(\S+)`),
	regexp.MustCompile(`<(?:key|pre-shared-key|psk|secret|password)>([^<]+)</`),
}

// checkVendorMatches compares the anchored matching of every syntax with
// its reference on one lower-cased line (the last group's bounds, which
// is what redaction uses, and the match's start).
func checkVendorMatches(t *testing.T, lower string) {
	t.Helper()
	for i := range vendorSecrets {
		got := vendorSecrets[i].matches(lower)
		want := vendorSecretsRef[i].FindAllStringSubmatchIndex(lower, -1)
		if len(got) != len(want) {
			t.Fatalf("syntax %d on %q: %d matches, reference %d (%v vs %v)", i, lower, len(got), len(want), got, want)
		}
		for j := range got {
			g, w := got[j], want[j]
			if g[0] != w[0] || g[len(g)-2] != w[len(w)-2] || g[len(g)-1] != w[len(w)-1] {
				t.Fatalf("syntax %d on %q: match %d is %v, reference %v", i, lower, j, g, w)
			}
		}
	}
}

func TestVendorSecretsAgreeWithReference(t *testing.T) {
	lines := []string{
		"crypto isakmp key s3cr3tkey address 203.0.113.10",
		" pre-shared-key address 203.0.113.10 key 0 s3cr3tkey",
		" pre-shared-key local 0 s3cr3tkey pre-shared-key remote 6 other",
		"-sharedkey 's3cr3t' -secret x -psk \"a b\"",
		"a-psk x -psk y\t-password z",
		"username admin password 7 0822455d0a16 secret 5 $1$abc key 0 k",
		"neighbor 169.254.21.1 password s3cr3tkey neighbor x password y",
		"<pre-shared-key><key>-aq==s3cr3tkey</key></pre-shared-key><psk>a</psk>",
		"monkey 5 x xpassword 7 y _key 1 z key1 2 w",
		"address 203.0.113.1 key 7 abc address x key y",
		"set psksecret enc abc== set server-secret x radiussecret y preshared-key z presharedkey w",
	}
	paths, _ := filepath.Glob("../offline/testdata/real/*/*.yaml")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, strings.Split(string(b), "\n")...)
	}
	// Random lines from the syntaxes' words and separators.
	words := []string{"pre-shared-key", "psksecret", "key-string", "ascii-text", "server-secret", "radius-secret", "preshared-key",
		"local", "remote", "0", "7", "enc", "-sharedkey", "-psk", "-password", "isakmp", "key", "address", "password", "secret",
		"neighbor", "<key>", "</key>", "<psk>", "\"a b\"", "'q'", "x", "203.0.113.1", "a-psk", "_key", "monkey", ";", ",", "}", "<", ">"}
	seps := []string{" ", "\t", "  ", "", ",", "="}
	r := rand.New(rand.NewSource(8))
	for range 20000 {
		var b strings.Builder
		for range 1 + r.Intn(10) {
			b.WriteString(words[r.Intn(len(words))])
			b.WriteString(seps[r.Intn(len(seps))])
		}
		lines = append(lines, b.String())
	}
	for _, l := range lines {
		checkVendorMatches(t, strings.ToLower(l))
	}
}

func FuzzVendorSecrets(f *testing.F) {
	f.Add("crypto isakmp key s3cr3tkey address 203.0.113.10")
	f.Add(" -psk x -sharedkey 'y'")
	f.Add("pre-shared-key local 0 k")
	f.Fuzz(func(t *testing.T, s string) {
		checkVendorMatches(t, strings.ToLower(s))
	})
}

// TestScanLinesWorkersAgree: a large input is matched by several workers;
// the verdict (cited lines, candidates, families, unplaced count) is the
// same as with one.
func TestScanLinesWorkersAgree(t *testing.T) {
	paths, _ := filepath.Glob("../offline/testdata/real/*/*.yaml")
	var text []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if i := strings.Index(string(b), "\nlog: |"); i >= 0 {
			text = append(text, strings.Split(string(b[i+8:]), "\n")...)
		}
	}
	if len(text) == 0 {
		t.Skip("no corpus")
	}
	var ev Evidence
	for i := 0; len(ev.Text) < 5*parallelLines; i++ {
		ev.Text = append(ev.Text, TextLine{Ref: "paste:" + strconv.Itoa(i+1), Text: text[i%len(text)]})
	}
	prev := runtime.GOMAXPROCS(1)
	one := Diagnose(ev)
	runtime.GOMAXPROCS(4)
	many := Diagnose(ev)
	runtime.GOMAXPROCS(prev)
	if !reflect.DeepEqual(one, many) {
		t.Errorf("verdict with 4 workers differs from 1:\n%+v\n%+v", many, one)
	}
	if one.Lines != len(ev.Text) {
		t.Errorf("%d lines read, want %d", one.Lines, len(ev.Text))
	}
}
