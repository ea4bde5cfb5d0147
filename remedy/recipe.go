// Package remedy heals known failures: recipes from the provisioning
// file match incoming events, count failures per target, and climb a
// ladder of steps (argv commands, never a shell). Destructive steps wait
// for a person to approve them; every run keeps its exit code, duration and
// output.
package remedy

import (
	"fmt"
	"path"
	"strings"
	"text/template"
	"time"

	"github.com/alertgate/alertgate/alert"
)

// Modes a recipe runs in.
const (
	ModeLive   = "live"
	ModeDryRun = "dry-run"
)

// Defaults for what a recipe may leave out.
const (
	DefaultApprovalTTL = 30 * time.Minute
	DefaultStepTimeout = 5 * time.Minute
)

// Match says which events count as failures for a recipe. Empty lists and
// globs match everything.
type Match struct {
	Sources       []string
	Kinds         []string
	IncidentTypes []string
	// Target and Component are path.Match globs.
	Target      string
	Component   string
	MinSeverity alert.Severity
}

// Step is one rung of the ladder.
type Step struct {
	Name string
	// Run is the command as an argv; each element is a template rendered
	// into exactly one argument.
	Run         []string
	Archive     []string
	Timeout     time.Duration
	Destructive bool

	run, archive []*template.Template
}

// Recipe is one validated recipe.
type Recipe struct {
	Name        string
	Match       Match
	Threshold   int
	Window      time.Duration
	Cooldown    time.Duration
	ApprovalTTL time.Duration
	Mode        string
	Steps       []Step
}

// FieldError names the recipe and field that are wrong.
type FieldError struct {
	Recipe, Field, Msg string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("recipe %q: %s: %s", e.Recipe, e.Field, e.Msg)
}

// Validate checks a recipe, fills in defaults and parses its templates.
func (r *Recipe) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &FieldError{Recipe: r.Name, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	if strings.TrimSpace(r.Name) == "" {
		return bad("name", "every recipe needs a name")
	}
	if err := r.Match.validate(); err != nil {
		return bad("match", "%v", err)
	}
	if r.Threshold < 1 {
		return bad("threshold", "want at least 1 failure, got %d", r.Threshold)
	}
	if r.Window <= 0 {
		return bad("window", "want a duration such as 10m")
	}
	if r.Cooldown < 0 {
		return bad("cooldown", "cannot be negative")
	}
	if r.ApprovalTTL == 0 {
		r.ApprovalTTL = DefaultApprovalTTL
	}
	if r.ApprovalTTL < 0 {
		return bad("approval_ttl", "cannot be negative")
	}
	if r.Mode == "" {
		r.Mode = ModeLive
	}
	if r.Mode != ModeLive && r.Mode != ModeDryRun {
		return bad("mode", "want live or dry-run, got %q", r.Mode)
	}
	if len(r.Steps) == 0 {
		return bad("steps", "a recipe needs at least one step")
	}
	names := map[string]bool{}
	for i := range r.Steps {
		s := &r.Steps[i]
		if err := s.validate(); err != nil {
			return bad(fmt.Sprintf("steps[%d] (%s).%s", i, s.Name, err.Field), "%s", err.Msg)
		}
		if names[s.Name] {
			return bad(fmt.Sprintf("steps[%d].name", i), "step name %q appears twice", s.Name)
		}
		names[s.Name] = true
	}
	return nil
}

func (m Match) validate() error {
	for _, g := range []string{m.Target, m.Component} {
		if _, err := path.Match(g, ""); err != nil {
			return fmt.Errorf("glob %q: %v", g, err)
		}
	}
	if m.MinSeverity != "" && m.MinSeverity.Rank() == 0 {
		return fmt.Errorf("min_severity %q is not one of %v", m.MinSeverity, alert.Severities)
	}
	return nil
}

// stepError is a step's bad field, wrapped by Validate with the step.
type stepError struct{ Field, Msg string }

func (s *Step) validate() *stepError {
	if strings.TrimSpace(s.Name) == "" {
		return &stepError{"name", "every step needs a name"}
	}
	if s.Timeout == 0 {
		s.Timeout = DefaultStepTimeout
	}
	if s.Timeout < 0 {
		return &stepError{"timeout", "cannot be negative"}
	}
	var err *stepError
	if s.run, err = parseArgv("run", s.Run, true); err != nil {
		return err
	}
	if s.archive, err = parseArgv("archive", s.Archive, false); err != nil {
		return err
	}
	return nil
}

// parseArgv parses each argument as a template and renders it once with
// sample values, so an unknown field fails at start and not at 3 a.m.
func parseArgv(field string, argv []string, required bool) ([]*template.Template, *stepError) {
	if len(argv) == 0 {
		if required {
			return nil, &stepError{field, "want a command as a list, such as [docker, restart, \"{{.Target}}\"]"}
		}
		return nil, nil
	}
	if strings.TrimSpace(argv[0]) == "" {
		return nil, &stepError{field, "the program (first element) is empty"}
	}
	out := make([]*template.Template, len(argv))
	for i, a := range argv {
		t, err := template.New(field).Option("missingkey=error").Parse(a)
		if err == nil {
			_, err = render(t, sampleVars)
		}
		if err != nil {
			return nil, &stepError{fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("template %q: %v (fields: %s)", a, err, varNames)}
		}
		out[i] = t
	}
	return out, nil
}
