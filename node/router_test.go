package node

import (
	"reflect"
	"strings"
	"testing"
)

// countOutput is `iptables -nvxL VPNLAB-COUNT` on the router after a tunnel
// came up with NAT traversal.
const countOutput = `Chain VPNLAB-COUNT (1 references)
    pkts      bytes target     prot opt in     out     source               destination         
       4     1856 RETURN     udp  --  *      *       0.0.0.0/0            0.0.0.0/0            multiport ports 500 /* ike-udp500 */
       6     2412 RETURN     udp  --  *      *       0.0.0.0/0            0.0.0.0/0            multiport ports 4500 u32 "0x0>>0x16&0x3c@0x8=0x0" /* ike-udp4500 */
     312    41230 RETURN     udp  --  *      *       0.0.0.0/0            0.0.0.0/0            multiport ports 4500 u32 "0x0>>0x16&0x3c@0x8=0x1:0xffffffff" /* esp-udp4500 */
       0        0 RETURN     esp  --  *      *       0.0.0.0/0            0.0.0.0/0            /* esp */
      25     2100            all  --  *      *       0.0.0.0/0            0.0.0.0/0            /* other */
`

func TestParseCounters(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]Counter
		err  string
	}{
		{
			name: "all classes",
			in:   countOutput,
			want: map[string]Counter{
				"ike-udp500":  {Packets: 4, Bytes: 1856},
				"ike-udp4500": {Packets: 6, Bytes: 2412},
				"esp-udp4500": {Packets: 312, Bytes: 41230},
				"esp":         {Packets: 0, Bytes: 0},
				"other":       {Packets: 25, Bytes: 2100},
			},
		},
		{
			name: "missing class",
			in:   strings.Replace(countOutput, "/* other */", "", 1),
			err:  "counters: found 4 of 5 classes",
		},
		{
			name: "empty chain",
			in:   "Chain VPNLAB-COUNT (1 references)\n    pkts      bytes target     prot opt in     out     source               destination\n",
			err:  "counters: found 0 of 5 classes",
		},
		{
			name: "bad packet count",
			in:   strings.Replace(countOutput, "     312    41230", "    31x2    41230", 1),
			err:  `counters: bad line "    31x2    41230 RETURN`,
		},
		{
			name: "bad byte count",
			in:   strings.Replace(countOutput, "      25     2100", "      25     -100", 1),
			err:  `counters: bad line "      25     -100 `,
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
	for _, c := range counters {
		got = append(got, c.name)
	}
	want := []string{"ike-udp500", "ike-udp4500", "esp-udp4500", "esp", "other"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("classes %q, want %q", got, want)
	}
}
