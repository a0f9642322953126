package kb

// ParseYAML exposes the subset reader to the external tests.
func ParseYAML(src string) (any, error) {
	n, err := parseYAML(src)
	if err != nil {
		return nil, err
	}
	return n.plain(), nil
}
