package main

import (
	"bytes"
	"fmt"
	"os"

	"gopkg.in/yaml.v3"
)

// provisionFile is the provisioning YAML's top level. The sections are
// filled in by the areas that use them; unknown keys are refused so a typo
// does not silently drop a section.
type provisionFile struct {
	Sources  yaml.Node `yaml:"sources"`
	Channels yaml.Node `yaml:"channels"`
	Recipes  yaml.Node `yaml:"recipes"`
	Ledger   yaml.Node `yaml:"ledger"`
}

func checkProvisionFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var f provisionFile
	if err := dec.Decode(&f); err != nil && err.Error() != "EOF" {
		return fmt.Errorf("not valid provisioning YAML: %w", err)
	}
	return nil
}
