package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/remedy"
)

// recipeSpec is one entry of recipes:.
type recipeSpec struct {
	Name  string `yaml:"name"`
	Match struct {
		Sources       []string `yaml:"sources"`
		Kinds         []string `yaml:"kinds"`
		IncidentTypes []string `yaml:"incident_types"`
		Target        string   `yaml:"target"`
		Component     string   `yaml:"component"`
		MinSeverity   string   `yaml:"min_severity"`
	} `yaml:"match"`
	Threshold   int           `yaml:"threshold"`
	Window      time.Duration `yaml:"window"`
	Cooldown    time.Duration `yaml:"cooldown"`
	ApprovalTTL time.Duration `yaml:"approval_ttl"`
	Mode        string        `yaml:"mode"`
	Steps       []stepSpec    `yaml:"steps"`
}

type stepSpec struct {
	Name        string        `yaml:"name"`
	Run         []string      `yaml:"run"`
	Archive     []string      `yaml:"archive"`
	Timeout     time.Duration `yaml:"timeout"`
	Destructive bool          `yaml:"destructive"`
}

// parseRecipes reads the recipes: section. yaml.Node.Decode has no strict
// mode, so the node is encoded again and decoded strictly: a misspelt key
// must stop the server rather than silently do nothing.
func parseRecipes(node *yaml.Node) ([]remedy.Recipe, error) {
	if node.Kind == 0 {
		return nil, nil
	}
	raw, err := yaml.Marshal(node)
	if err != nil {
		return nil, fmt.Errorf("recipes: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var specs []recipeSpec
	if err := dec.Decode(&specs); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("recipes: %w", err)
	}
	names := map[string]bool{}
	out := make([]remedy.Recipe, 0, len(specs))
	for i, spec := range specs {
		r := spec.recipe()
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("recipes[%d]: %w", i, err)
		}
		if names[r.Name] {
			return nil, fmt.Errorf("recipes[%d]: name %q appears twice", i, r.Name)
		}
		names[r.Name] = true
		out = append(out, r)
	}
	return out, nil
}

func (s recipeSpec) recipe() remedy.Recipe {
	r := remedy.Recipe{
		Name: s.Name, Threshold: s.Threshold, Window: s.Window, Cooldown: s.Cooldown, ApprovalTTL: s.ApprovalTTL, Mode: s.Mode,
		Match: remedy.Match{
			Sources: s.Match.Sources, Kinds: s.Match.Kinds, IncidentTypes: s.Match.IncidentTypes,
			Target: s.Match.Target, Component: s.Match.Component, MinSeverity: alert.Severity(s.Match.MinSeverity),
		},
	}
	for _, st := range s.Steps {
		r.Steps = append(r.Steps, remedy.Step{Name: st.Name, Run: st.Run, Archive: st.Archive, Timeout: st.Timeout, Destructive: st.Destructive})
	}
	return r
}
