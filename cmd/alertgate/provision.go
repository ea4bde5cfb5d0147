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

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/remedy"
	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/ledger"
)

// provisionFile is the provisioning YAML's top level. Unknown keys are
// refused so a typo does not silently drop a section; sections not read yet
// are kept as raw nodes.
type provisionFile struct {
	Sources  []sourceSpec  `yaml:"sources"`
	Channels []channelSpec `yaml:"channels"`
	Recipes  yaml.Node     `yaml:"recipes"`
	Ledger   ledgerSpec    `yaml:"ledger"`
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
	// Settings are kind-specific: component_label, severity_map (Alertmanager,
	// Grafana) and timestamp_header (Grafana's HMAC).
	Settings alert.Settings `yaml:"settings"`
}

// channelSpec is one entry of channels:.
type channelSpec struct {
	Name      string            `yaml:"name"`
	URL       string            `yaml:"url"`
	Token     string            `yaml:"token"`
	TokenFile string            `yaml:"token_file"`
	Metadata  map[string]string `yaml:"metadata"`
	VerifyTLS *bool             `yaml:"verify_tls"` // nil: on
	Timeout   time.Duration     `yaml:"timeout"`
	Enabled   *bool             `yaml:"enabled"` // nil: on
	Filters   struct {
		Sources     []string `yaml:"sources"`
		MinSeverity string   `yaml:"min_severity"`
	} `yaml:"filters"`
}

// provisioning is the parsed file, ready to apply.
type provisioning struct {
	Sources  []store.NewSource
	Channels []store.NewChannel
	Recipes  []remedy.Recipe
	Ledger   ledger.Settings
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
	names := map[string]bool{}
	for i, spec := range f.Channels {
		ch, err := spec.resolve()
		if err != nil {
			return p, fmt.Errorf("channels[%d] (%s): %w", i, spec.Name, err)
		}
		if names[ch.Name] {
			return p, fmt.Errorf("channels[%d]: name %q appears twice", i, ch.Name)
		}
		names[ch.Name] = true
		p.Channels = append(p.Channels, ch)
	}
	if p.Ledger, err = f.Ledger.resolve(); err != nil {
		return p, fmt.Errorf("ledger: %w", err)
	}
	p.Recipes, err = parseRecipes(&f.Recipes)
	return p, err
}

// resolve reads the token (inline or from its file) and checks the entry.
func (c channelSpec) resolve() (store.NewChannel, error) {
	n := store.NewChannel{
		Name: c.Name, URL: c.URL, Token: c.Token, Metadata: c.Metadata, VerifyTLS: c.VerifyTLS == nil || *c.VerifyTLS,
		Timeout: c.Timeout, Sources: c.Filters.Sources, MinSeverity: alert.Severity(c.Filters.MinSeverity),
		Enabled: c.Enabled == nil || *c.Enabled,
	}
	secret, err := readSecret(c.Token, c.TokenFile, "token")
	if err != nil {
		return n, err
	}
	n.Token = secret
	return n, store.CheckChannel(&n)
}

// readSecret is an inline secret or the trimmed content of its file.
func readSecret(inline, file, field string) (string, error) {
	if inline != "" && file != "" {
		return "", fmt.Errorf("set only one of %s and %s_file", field, field)
	}
	if file == "" {
		return inline, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s_file: %w", field, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// resolve reads the secret (inline or from its file) and checks the entry.
func (s sourceSpec) resolve() (store.NewSource, error) {
	n := store.NewSource{Slug: s.Slug, Name: s.Name, Kind: s.Kind, Secret: s.Secret, RatePerMinute: s.RatePerMinute, ResolveAfter: s.ResolveAfter,
		Settings: s.Settings}
	secret, err := readSecret(s.Secret, s.SecretFile, "secret")
	if err != nil {
		return n, err
	}
	n.Secret = secret
	if err := store.CheckSource(&n); err != nil {
		return n, err
	}
	return n, nil
}
