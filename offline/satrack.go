package offline

import (
	"strings"

	"github.com/vpnlab/vpnlab/diagnose"
)

// tracker follows IKE and CHILD SAs through a daemon's log, in time order,
// to tell which are up at its end — what `swanctl --list-sas` would have
// shown when no listing is among the inputs.
type tracker struct {
	sas []*trackedSA
	vip string // the virtual IP a client was given
}

type trackedSA struct {
	key      string // "azure[3]" (charon), `"azure" #1` (pluto)
	conn     string
	state    string // CONNECTING, ESTABLISHED
	local    string
	remote   string
	children []string // keys of INSTALLED CHILD SAs
}

// track runs the charon and pluto lines of es through a tracker.
func track(es []entry) *tracker {
	t := &tracker{}
	for i := range es {
		switch es[i].line.Source {
		case srcCharon:
			t.charon(&es[i])
		case srcPluto:
			t.pluto(&es[i])
		}
	}
	return t
}

// result lists the SAs left at the end of the log.
func (t *tracker) result() []diagnose.IKESA {
	var out []diagnose.IKESA
	for _, sa := range t.sas {
		s := diagnose.IKESA{State: sa.state, Local: sa.local, Remote: sa.remote}
		for range sa.children {
			s.Children = append(s.Children, diagnose.ChildSA{State: "INSTALLED"})
		}
		out = append(out, s)
	}
	return out
}

func (t *tracker) find(key string) *trackedSA {
	for i := len(t.sas) - 1; i >= 0; i-- {
		if t.sas[i].key == key {
			return t.sas[i]
		}
	}
	return nil
}

// open returns the SA named key, creating it.
func (t *tracker) open(key, conn string) *trackedSA {
	if sa := t.find(key); sa != nil {
		return sa
	}
	sa := &trackedSA{key: key, conn: conn, state: "CONNECTING"}
	t.sas = append(t.sas, sa)
	return sa
}

func (t *tracker) remove(sa *trackedSA) {
	for i, x := range t.sas {
		if x == sa {
			t.sas = append(t.sas[:i], t.sas[i+1:]...)
			return
		}
	}
}

// latest returns the most recent SA in state (any state if ""), of conn
// when conn is not "" and one exists.
func (t *tracker) latest(state, conn string) *trackedSA {
	var any *trackedSA
	for i := len(t.sas) - 1; i >= 0; i-- {
		sa := t.sas[i]
		if state != "" && sa.state != state {
			continue
		}
		if conn == "" || sa.conn == conn {
			return sa
		}
		if any == nil {
			any = sa
		}
	}
	return any
}

// addChild records an INSTALLED CHILD SA on sa.
func (sa *trackedSA) addChild(key string) {
	for _, c := range sa.children {
		if c == key {
			return
		}
	}
	sa.children = append(sa.children, key)
}

// removeChild drops the CHILD SA key wherever it is.
func (t *tracker) removeChild(key string) bool {
	for _, sa := range t.sas {
		for i, c := range sa.children {
			if c == key {
				sa.children = append(sa.children[:i], sa.children[i+1:]...)
				return true
			}
		}
	}
	return false
}

// endpoints parses "A[idA]...B[idB]" into A and B.
func endpoints(s string) (string, string) {
	l, r, ok := strings.Cut(s, "...")
	if !ok {
		return "", ""
	}
	if i := strings.IndexByte(l, '['); i >= 0 {
		l = l[:i]
	}
	if i := strings.IndexAny(r, "[ "); i >= 0 {
		r = r[:i]
	}
	return strings.TrimSpace(l), strings.TrimSpace(r)
}

// word returns the first blank-separated word of s.
func word(s string) string {
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i]
	}
	return s
}

// connOf returns the connection name of an SA name "azure[3]" or "azure{2}".
func connOf(name string) string {
	if i := strings.IndexAny(name, "[{"); i >= 0 {
		return name[:i]
	}
	return name
}
