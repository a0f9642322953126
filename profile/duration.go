package profile

import (
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration read from YAML as a Go duration string
// ("45s", "8h") or as a whole number of seconds (45). It is written back as
// a Go duration string.
type Duration struct{ time.Duration }

func seconds(n int64) Duration { return Duration{time.Duration(n) * time.Second} }

// UnmarshalYAML implements yaml.Unmarshaler. Its errors are *yaml.TypeError,
// so that decoding goes on and reports the other fields too.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" {
		var secs int64
		if err := n.Decode(&secs); err == nil && secs <= maxSeconds && secs >= -maxSeconds {
			d.Duration = time.Duration(secs) * time.Second
			return nil
		}
		return durationError(n)
	}
	if n.Kind != yaml.ScalarNode {
		return durationError(n)
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return durationError(n)
	}
	d.Duration = v
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (d Duration) MarshalYAML() (any, error) {
	return d.String(), nil
}

const maxSeconds = int64(1<<63-1) / int64(time.Second)

func durationError(n *yaml.Node) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf(
		"line %d: invalid duration %s: want a duration such as \"45s\" or \"8h\", or whole seconds such as 45",
		n.Line, got(n))}}
}
