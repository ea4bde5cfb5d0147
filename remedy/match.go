package remedy

import (
	"path"
	"slices"
	"strings"
	"text/template"

	"github.com/alertgate/alertgate/alert"
)

// Vars are the values a step's arguments may use.
type Vars struct {
	Target, Component, Host, IncidentType, Source, NotificationID string
	Severity                                                      alert.Severity
}

var sampleVars = Vars{"target", "component", "host", "type", "source", "id", alert.High}

const varNames = ".Target .Component .Host .IncidentType .Severity .NotificationID .Source"

func render(t *template.Template, v Vars) (string, error) {
	var b strings.Builder
	err := t.Execute(&b, v)
	return b.String(), err
}

// renderArgv renders each argument into exactly one argv element: a value
// with spaces or quotes stays one argument, since no shell reads it.
func renderArgv(ts []*template.Template, v Vars) ([]string, error) {
	out := make([]string, len(ts))
	for i, t := range ts {
		s, err := render(t, v)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// Event is one stored event as recipes see it.
type Event struct {
	Source, Kind   string
	NotificationID string
	// Change is opened, updated, repeated or closed.
	Change       string
	Severity     alert.Severity
	IncidentType string
	Component    string
	Host         string
	Target       string
}

// TargetName is what the ladder counts against: the autoheal container,
// else the component, else the host.
func (e Event) TargetName() string {
	for _, s := range []string{e.Target, e.Component, e.Host} {
		if s != "" {
			return s
		}
	}
	return ""
}

// Failure tells an event that counts (anything but a close).
func (e Event) Failure() bool { return e.Change != "" && e.Change != "closed" }

func (e Event) vars() Vars {
	return Vars{
		Target: e.TargetName(), Component: e.Component, Host: e.Host, IncidentType: e.IncidentType,
		Source: e.Source, NotificationID: e.NotificationID, Severity: e.Severity,
	}
}

// Matches tells whether the event is one the recipe counts.
func (m Match) Matches(e Event) bool {
	return inList(m.Sources, e.Source) && inList(m.Kinds, e.Kind) && inList(m.IncidentTypes, e.IncidentType) &&
		glob(m.Target, e.TargetName()) && glob(m.Component, e.Component) &&
		(m.MinSeverity == "" || e.Severity.Rank() >= m.MinSeverity.Rank())
}

func inList(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }

func glob(pattern, v string) bool {
	if pattern == "" {
		return true
	}
	ok, _ := path.Match(pattern, v)
	return ok
}
