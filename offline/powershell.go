package offline

import "strings"

// PowerShell's Format-List output ("Key : value" records, long values
// continued on indented lines; a record ends where one of its keys comes
// again, since blank lines also occur inside one) carries Windows events
// (Get-EventLog, Get-WinEvent), certificate store listings (Get-ChildItem
// Cert:\...) and Azure objects (Get-AzVirtualNetworkGatewayConnection,
// Get-AzVirtualNetworkGatewayBgpPeerStatus, ...). Each block is read by
// what its keys say it is.

// plBlock is one Format-List record.
type plBlock struct {
	vals map[string]string // by lower-case key
	n    int               // non-blank lines
}

func (b *plBlock) get(keys ...string) string {
	for _, k := range keys {
		if v, ok := b.vals[strings.ToLower(k)]; ok {
			return v
		}
	}
	return ""
}

func (b *plBlock) has(keys ...string) bool {
	for _, k := range keys {
		if _, ok := b.vals[strings.ToLower(k)]; ok {
			return true
		}
	}
	return false
}

// plKey parses "Key   : value" at the start of a line: a word, blanks, a
// colon. ok is false for anything else.
func plKey(line string) (key, val string, ok bool) {
	i := 0
	for i < len(line) && (isWordByte(line[i]) || line[i] == '_' || line[i] == '-' || line[i] == '.') {
		i++
	}
	if i == 0 || i > 40 {
		return "", "", false
	}
	j := i
	for j < len(line) && line[j] == ' ' {
		j++
	}
	if j >= len(line) || line[j] != ':' || (j+1 < len(line) && line[j+1] != ' ') {
		return "", "", false
	}
	return line[:i], strings.TrimSpace(line[j+1:]), true
}

// plKnown are the keys that identify a Format-List block vpnlab reads.
var plKnown = map[string]bool{
	"eventid": true, "instanceid": true, "timegenerated": true, "timewritten": true, "timecreated": true,
	"entrytype": true, "replacementstrings": true, "providername": true, "leveldisplayname": true,
	"machinename": true, "message": true, "source": true, "id": true, "username": true,
	"thumbprint": true, "notafter": true, "notbefore": true, "subject": true, "issuer": true,
	"enhancedkeyusagelist": true, "friendlyname": true,
	"connectionstatus": true, "ingressbytestransferred": true, "egressbytestransferred": true,
	"connectiontype": true, "virtualnetworkgateway1": true, "localnetworkgateway2": true,
	"neighbor": true, "asn": true, "routesreceived": true, "connectedduration": true, "localaddress": true,
	"bgpsettingstext": true, "gatewaytype": true, "localnetworkaddressspacetext": true, "gatewayipaddress": true,
}

// sniffPowerShell scores head as Format-List output of a kind vpnlab reads.
func sniffPowerShell(head []string) int {
	n, distinct := 0, false
	for _, line := range head {
		k, _, ok := plKey(line)
		if !ok {
			continue
		}
		lk := strings.ToLower(k)
		if plKnown[lk] {
			n++
		}
		switch lk {
		case "eventid", "thumbprint", "connectionstatus", "routesreceived", "bgpsettingstext", "timecreated":
			distinct = true
		}
	}
	if !distinct {
		return 0
	}
	return n
}

// parsePowerShell reads Format-List blocks.
func parsePowerShell(b *builder, s *source) {
	var cur *plBlock
	last := ""
	kinds := map[string]int{}
	flush := func() {
		if cur == nil {
			return
		}
		kind := plBlockRead(b, cur)
		if kind != "" {
			s.rep.Used += cur.n
			kinds[kind]++
		} else {
			s.rep.Ignored += cur.n
		}
		cur, last = nil, ""
	}
	s.allLines(func(line string) {
		if line == "" {
			return // blank lines also occur inside a block (a message's last line)
		}
		k, v, ok := plKey(line)
		if !ok {
			if cur != nil && last != "" && (line[0] == ' ' || line[0] == '\t') {
				cur.vals[last] += " " + redact(strings.TrimSpace(line))
				cur.n++
			} else {
				s.rep.Ignored++ // a prompt, a command, a stray line
				s.unused(line)
			}
			return
		}
		lk := strings.ToLower(k)
		if cur != nil {
			if _, dup := cur.vals[lk]; dup {
				flush() // the key again: the next record
			}
		}
		if cur == nil {
			cur = &plBlock{vals: map[string]string{}}
		}
		cur.n++
		cur.vals[lk] = redact(v)
		last = lk
	})
	flush()
	best := ""
	for k, n := range kinds {
		if best == "" || n > kinds[best] || (n == kinds[best] && k < best) {
			best = k
		}
	}
	if best != "" {
		s.rep.Format = best
	}
}

// plBlockRead reads one block into b and returns the format it belongs to,
// "" if it is none vpnlab reads.
func plBlockRead(b *builder, blk *plBlock) string {
	switch {
	case blk.has("thumbprint") && blk.has("notafter"):
		b.certs = append(b.certs, certEntry{info: plCert(blk), listing: true})
		return fmtWindowsCerts
	case blk.has("connectionstatus"):
		azurePSConnection(b, blk)
		return fmtAzureConnection
	case blk.has("neighbor") && blk.has("asn") && blk.has("state"):
		azurePSBGPPeer(b, blk)
		return fmtAzureConnection
	case blk.has("bgpsettingstext"):
		azurePSGateway(b, blk)
		return fmtAzureConnection
	case blk.has("eventid", "id", "instanceid") && blk.has("message"):
		if windowsEvent(b, blk) {
			return fmtWindows
		}
	}
	return ""
}
