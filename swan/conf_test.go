package swan

import (
	"slices"
	"strings"
	"testing"
)

func TestConf(t *testing.T) {
	tests := []struct {
		name    string
		o       ConfOptions
		want    []string // lines that must appear, trimmed
		notWant []string // substrings that must not appear
	}{
		{
			name: "defaults",
			o:    ConfOptions{},
			want: []string{
				"charon {", "load_modular = no", "install_routes = no", "routing_table = 220",
				"routing_table_prio = 40000", "socket = tcp://0.0.0.0:4502", "allow_peer_ts = yes",
			},
			notWant: []string{"filelog", "retransmit_tries", "retransmit_timeout", "retransmit_base", "eap-radius", "eap-mschapv2"},
		},
		{
			name: "eap-radius server and EAP client",
			o:    ConfOptions{Radius: &RadiusServer{Address: "198.19.2.10", Secret: "s3cret", Tries: 2, Timeout: 1}, EAPClient: true},
			want: []string{
				"eap-radius {", "retransmit_tries = 2", "retransmit_timeout = 1", "address = 198.19.2.10",
				"secret = s3cret", "auth_port = 1812",
			},
		},
		{
			name: "log file and retransmits",
			o:    ConfOptions{LogFile: "/var/log/vpnlab/charon.log", RetransmitTries: 3, RetransmitTimeout: 2.5},
			want: []string{
				"filelog {", "path = /var/log/vpnlab/charon.log", "time_format = %Y-%m-%dT%H:%M:%S",
				"retransmit_tries = 3", "retransmit_timeout = 2.5", "retransmit_base = 1.4",
				"routing_table_prio = 40000", "socket = tcp://0.0.0.0:4502",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf := Conf(tt.o)
			lines := strings.Split(strings.TrimSuffix(conf, "\n"), "\n")
			trimmed := make([]string, len(lines))
			for i, l := range lines {
				trimmed[i] = strings.TrimSpace(l)
			}
			for _, w := range tt.want {
				if !slices.Contains(trimmed, w) {
					t.Errorf("no line %q in:\n%s", w, conf)
				}
			}
			for _, nw := range tt.notWant {
				if strings.Contains(conf, nw) {
					t.Errorf("%q in:\n%s", nw, conf)
				}
			}
			var load string
			for _, l := range trimmed {
				if v, ok := strings.CutPrefix(l, "load = "); ok {
					load = v
				}
			}
			plugins := strings.Fields(load)
			for _, p := range []string{"kernel-libipsec", "vici", "openssl", "socket-default"} {
				if !slices.Contains(plugins, p) {
					t.Errorf("load list %q lacks %s", load, p)
				}
			}
			// One setting a line: a one-line section breaks the ones after it.
			depth := 0
			for i, l := range lines {
				if strings.Contains(l, "{") && strings.Contains(l, "=") {
					t.Errorf("line %d %q opens a section and sets a value", i+1, l)
				}
				depth += strings.Count(l, "{") - strings.Count(l, "}")
				if depth < 0 {
					t.Fatalf("line %d %q closes a section that is not open", i+1, l)
				}
			}
			if depth != 0 {
				t.Errorf("%d sections left open", depth)
			}
			if lines[0] != "charon {" || lines[len(lines)-1] != "}" {
				t.Errorf("first line %q last line %q, want the charon section around everything", lines[0], lines[len(lines)-1])
			}
		})
	}
}

// filelog sits in the charon section, between syslog and stderr.
func TestConfFilelogPlacement(t *testing.T) {
	conf := Conf(ConfOptions{LogFile: "/tmp/charon.log"})
	want := "  syslog {\n    identifier = charon\n  }\n  filelog {\n    charon {\n      path = /tmp/charon.log\n"
	if !strings.Contains(conf, want) {
		t.Errorf("conf lacks %q:\n%s", want, conf)
	}
}
