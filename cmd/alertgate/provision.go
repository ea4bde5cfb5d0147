package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/alertgate/alertgate/store"
)

// provisionFile is the provisioning YAML's top level. Unknown keys are
// refused so a typo does not silently drop a section; sections not read yet
// are kept as raw nodes.
type provisionFile struct {
	Sources  []sourceSpec `yaml:"sources"`
	Channels yaml.Node    `yaml:"channels"`
	Recipes  yaml.Node    `yaml:"recipes"`
	Ledger   yaml.Node    `yaml:"ledger"`
}

// sourceSpec is one entry of sources:.
type sourceSpec struct {
	Slug          string        `yaml:"slug"`
	Name          string        `yaml:"name"`
	Kind          string        `yaml:"kind"`
	Secret        string        `yaml:"secret"`
	SecretFile    string        `yaml:"secret_file"`
	RatePerMinute int64         `yaml:"rate_per_minute"`
	ResolveAfter  time.Duration `yaml:"resolve_after"`
}

// provisioning is the parsed file, ready to apply.
type provisioning struct {
	Sources []store.NewSource
}

// loadProvisioning reads and checks the provisioning file. Every error names
// the entry and the field.
func loadProvisioning(path string) (provisioning, error) {
	var p provisioning
	b, err := os.ReadFile(path)
	if err != nil {
		return p, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var f provisionFile
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return p, fmt.Errorf("not valid provisioning YAML: %w", err)
	}
	seen := map[string]bool{}
	for i, spec := range f.Sources {
		src, err := spec.resolve()
		if err != nil {
			return p, fmt.Errorf("sources[%d] (%s): %w", i, spec.Slug, err)
		}
		if seen[src.Slug] {
			return p, fmt.Errorf("sources[%d]: slug %q appears twice", i, src.Slug)
		}
		seen[src.Slug] = true
		p.Sources = append(p.Sources, src)
	}
	return p, nil
}

// resolve reads the secret (inline or from its file) and checks the entry.
func (s sourceSpec) resolve() (store.NewSource, error) {
	n := store.NewSource{Slug: s.Slug, Name: s.Name, Kind: s.Kind, Secret: s.Secret, RatePerMinute: s.RatePerMinute, ResolveAfter: s.ResolveAfter}
	if s.Secret != "" && s.SecretFile != "" {
		return n, errors.New("set only one of secret and secret_file")
	}
	if s.SecretFile != "" {
		b, err := os.ReadFile(s.SecretFile)
		if err != nil {
			return n, fmt.Errorf("secret_file: %w", err)
		}
		n.Secret = strings.TrimSpace(string(b))
	}
	if err := store.CheckSource(&n); err != nil {
		return n, err
	}
	return n, nil
}
