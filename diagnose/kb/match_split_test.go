package kb

import "testing"

// TestBranchesAgree: an expression split into branches (each with its
// loose prefilter) matches exactly the lines the expression matches, over
// every signature example of the knowledge base (synthetic lines).
func TestBranchesAgree(t *testing.T) {
	k := Default()
	m := k.matcher
	var lines []string
	for _, s := range k.Signatures {
		lines = append(lines, s.Examples...)
	}
	byEntry := make([][]branch, len(m.entries))
	for _, br := range m.branches {
		byEntry[br.entry] = append(byEntry[br.entry], br)
	}
	for ei := range m.entries {
		if len(byEntry[ei]) == 1 && byEntry[ei][0].loose == nil {
			continue // not split: the expression itself is run
		}
		en := &m.entries[ei]
		for _, line := range lines {
			want := en.re.MatchString(line)
			low := string(lowerASCII(nil, line))
			got := false
			for _, br := range byEntry[ei] {
				var ok bool
				if br.fast == nil {
					ok = en.re.MatchString(line)
				} else {
					ok = (br.loose == nil || br.loose.MatchString(low)) && br.fast.MatchString(low)
				}
				got = got || ok
			}
			if got != want {
				t.Errorf("%s / %s: branches say %v, the expression %v on %q", en.family, en.re, got, want, line)
			}
		}
	}
}

// TestCodeNotBareNumber: an error-code signature reads the number as an
// error code only, not as a port or a byte count (synthetic lines).
func TestCodeNotBareNumber(t *testing.T) {
	sc := Default().NewScanner()
	for _, line := range []string{
		"sending packet: from 198.51.100.10[13801] to 203.0.113.10[4500] (236 bytes)",
		"RX packets 13801  bytes 1380100 (1.3 MB)",
	} {
		for _, h := range sc.Signatures(line) {
			if h.ID == "lab-ipsec-13801" || h.ID == "windows-13801-code" {
				t.Errorf("%s matched %q", h.ID, line)
			}
		}
	}
}
