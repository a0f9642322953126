package node

import (
	"reflect"
	"strings"
	"testing"

	"github.com/vpnlab/vpnlab/contract"
)

// countOutput is `iptables -nvxL VPNLAB-COUNT` on the router after a tunnel
// came up with NAT traversal, counting towards each side.
const countOutput = `Chain VPNLAB-COUNT (1 references)
    pkts      bytes target     prot opt in     out     source               destination         
       2      928 RETURN     udp  --  *      *       0.0.0.0/0            203.0.113.0/24       multiport ports 500 /* to-azure/ike-udp500 */
       3     1206 RETURN     udp  --  *      *       0.0.0.0/0            203.0.113.0/24       multiport ports 4500 u32 "0x0>>0x16&0x3c@0x8=0x0" /* to-azure/ike-udp4500 */
     160    21120 RETURN     udp  --  *      *       0.0.0.0/0            203.0.113.0/24       multiport ports 4500 u32 "0x0>>0x16&0x3c@0x8=0x1:0xffffffff" /* to-azure/esp-udp4500 */
       0        0 RETURN     esp  --  *      *       0.0.0.0/0            203.0.113.0/24       /* to-azure/esp */
      12     1008 RETURN     all  --  *      *       0.0.0.0/0            203.0.113.0/24       /* to-azure/other */
       2      928 RETURN     udp  --  *      *       0.0.0.0/0            198.51.100.0/24      multiport ports 500 /* to-onprem/ike-udp500 */
       3     1206 RETURN     udp  --  *      *       0.0.0.0/0            198.51.100.0/24      multiport ports 4500 u32 "0x0>>0x16&0x3c@0x8=0x0" /* to-onprem/ike-udp4500 */
     152    20110 RETURN     udp  --  *      *       0.0.0.0/0            198.51.100.0/24      multiport ports 4500 u32 "0x0>>0x16&0x3c@0x8=0x1:0xffffffff" /* to-onprem/esp-udp4500 */
       0        0 RETURN     esp  --  *      *       0.0.0.0/0            198.51.100.0/24      /* to-onprem/esp */
      13     1092 RETURN     all  --  *      *       0.0.0.0/0            198.51.100.0/24      /* to-onprem/other */
`

func TestParseCounters(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]contract.Counter
		err  string
	}{
		{
			name: "two directions",
			in:   countOutput,
			want: map[string]contract.Counter{
				"to-azure/ike-udp500":   {Packets: 2, Bytes: 928},
				"to-azure/ike-udp4500":  {Packets: 3, Bytes: 1206},
				"to-azure/esp-udp4500":  {Packets: 160, Bytes: 21120},
				"to-azure/esp":          {Packets: 0, Bytes: 0},
				"to-azure/other":        {Packets: 12, Bytes: 1008},
				"to-onprem/ike-udp500":  {Packets: 2, Bytes: 928},
				"to-onprem/ike-udp4500": {Packets: 3, Bytes: 1206},
				"to-onprem/esp-udp4500": {Packets: 152, Bytes: 20110},
				"to-onprem/esp":         {Packets: 0, Bytes: 0},
				"to-onprem/other":       {Packets: 13, Bytes: 1092},
			},
		},
		{
			name: "missing class",
			in:   strings.Replace(countOutput, "/* to-onprem/other */", "", 1),
			err:  "counters: found 9 counters, want 5 per direction",
		},
		{
			name: "empty chain",
			in:   "Chain VPNLAB-COUNT (1 references)\n    pkts      bytes target     prot opt in     out     source               destination\n",
			err:  "counters: found 0 counters, want 5 per direction",
		},
		{
			name: "bad packet count",
			in:   strings.Replace(countOutput, "     160    21120", "    16x0    21120", 1),
			err:  `counters: bad line "    16x0    21120 RETURN`,
		},
		{
			name: "bad byte count",
			in:   strings.Replace(countOutput, "      13     1092", "      13     -092", 1),
			err:  `counters: bad line "      13     -092 `,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCounters([]byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("error = %v, want it to start with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}

// The sample names the classes RunRouter creates, in rule order.
func TestCounterClasses(t *testing.T) {
	var got []string
	for _, c := range contract.CounterClasses {
		got = append(got, string(c))
	}
	want := []string{"ike-udp500", "ike-udp4500", "esp-udp4500", "esp", "other"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("classes %q, want %q", got, want)
	}
}

func TestFaultRule(t *testing.T) {
	tests := []struct {
		args []string
		want string
		err  string
	}{
		{[]string{"block", "esp-udp4500", "203.0.113.0/24"},
			"-d 203.0.113.0/24 -p udp -m multiport --ports 4500 -m u32 --u32 0>>22&0x3C@8=1:0xFFFFFFFF -j DROP", ""},
		{[]string{"block", "ike-udp4500", "198.51.100.0/24"},
			"-d 198.51.100.0/24 -p udp -m multiport --ports 4500 -m u32 --u32 0>>22&0x3C@8=0 -j DROP", ""},
		{[]string{"block", "ike-udp500", "203.0.113.0/24"}, "-d 203.0.113.0/24 -p udp -m multiport --ports 500 -j DROP", ""},
		{[]string{"block", "esp", "203.0.113.0/24"}, "-d 203.0.113.0/24 -p esp -j DROP", ""},
		{[]string{"limit", "1300", "silent"}, "-p udp -m length --length 1301:65535 -j DROP", ""},
		{[]string{"limit", "1300", "icmp"}, "-p udp -m length --length 1301:65535 -j REJECT --reject-with icmp-host-unreachable", ""},
		{[]string{"block", "other", "203.0.113.0/24"}, "", `block: unknown traffic class "other" (classes: ike-udp500, ike-udp4500, esp-udp4500, esp)`},
		{[]string{"block", "gre", "203.0.113.0/24"}, "", `block: unknown traffic class "gre"`},
		{[]string{"limit", "big", "icmp"}, "", `limit: want a packet size 68..65534, got "big"`},
		{[]string{"limit", "1300", "loud"}, "", `limit: want icmp or silent, got "loud"`},
		{[]string{"limit", "1300"}, "", "usage: vpnlab-node fault"},
	}
	for _, tt := range tests {
		got, err := faultRule(tt.args)
		if tt.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
				t.Errorf("%v: error = %v, want it to start with %q", tt.args, err, tt.err)
			}
			continue
		}
		if err != nil || strings.Join(got, " ") != tt.want {
			t.Errorf("%v = %q, %v; want %q", tt.args, strings.Join(got, " "), err, tt.want)
		}
	}
}

func TestParseMSSClamp(t *testing.T) {
	rules := "-P FORWARD ACCEPT\n-A FORWARD -o ipsec0 -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1350\n"
	if got := parseMSSClamp(rules); got != 1350 {
		t.Errorf("clamp %d, want 1350", got)
	}
	if got := parseMSSClamp("-P FORWARD ACCEPT\n"); got != 0 {
		t.Errorf("clamp %d without a rule, want 0", got)
	}
}
