package profile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads the profile in the file at path; see Parse.
func Load(path string) (Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Profile{}, fmt.Errorf("load profile: %w", err)
	}
	return Parse(path, data)
}

// Parse reads a profile from data; name, usually the file's path, starts
// every error. It rejects unknown fields, fills the fields data leaves out
// from Default and validates the result. A field given explicitly keeps its
// value, so "asn: 0" is an error rather than the default.
//
// On error the profile is zero and the error joins one *FieldError per
// problem, in line order.
func Parse(name string, data []byte) (Profile, error) {
	p, src, errs := decode(name, data)
	if src != nil {
		p = p.withDefaults(func(field string) bool { return !src.set[field] })
		errs = append(errs, p.validate(src)...)
	}
	if len(errs) > 0 {
		return Profile{}, joinErrors(errs)
	}
	return p, nil
}

// decode reads data as it stands, without defaults or validation. A nil
// source means data is not YAML at all.
func decode(name string, data []byte) (Profile, *source, []*FieldError) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return Profile{}, nil, yamlErrors(name, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return Profile{}, nil, []*FieldError{{File: name, Line: extra.Line,
			Msg: "a profile is one YAML document; remove the second one"}}
	case !errors.Is(err, io.EOF):
		return Profile{}, nil, yamlErrors(name, err)
	}

	src, errs := index(name, &doc)
	var p Profile
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	err := strict.Decode(&p)
	// index has already reported, by field, whatever the decoder finds.
	if err != nil && !errors.Is(err, io.EOF) && len(errs) == 0 {
		errs = yamlErrors(name, err)
	}
	return p, src, errs
}

var linePrefix = regexp.MustCompile(`^line (\d+): `)

// yamlErrors turns yaml.v3's "line N: msg" errors into FieldErrors.
func yamlErrors(name string, err error) []*FieldError {
	msgs := []string{strings.TrimPrefix(err.Error(), "yaml: ")}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	out := make([]*FieldError, len(msgs))
	for i, m := range msgs {
		line, msg := splitLine(m)
		out[i] = &FieldError{File: name, Line: line, Msg: msg}
	}
	return out
}

// splitLine splits "line N: msg" into N and msg.
func splitLine(s string) (int, string) {
	m := linePrefix.FindStringSubmatch(s)
	if m == nil {
		return 0, s
	}
	n, _ := strconv.Atoi(m[1])
	return n, s[len(m[0]):]
}

func joinErrors(errs []*FieldError) error {
	slices.SortStableFunc(errs, func(a, b *FieldError) int { return a.Line - b.Line })
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return errors.Join(out...)
}
