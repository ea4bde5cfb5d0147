package ledger

import (
	"slices"
	"time"
)

// Target is what a component promises and what its downtime costs.
type Target struct {
	// SLA is the availability promised, in percent (99.9).
	SLA float64
	// CostPerMinute is what one minute of downtime costs, in Currency.
	CostPerMinute float64
}

// Settings are the ledger's section of the provisioning file.
type Settings struct {
	// CountSeverities are the severities whose intervals count as downtime.
	CountSeverities []string
	// Default applies to every component not named in Components.
	Default    Target
	Components map[string]Target
	Currency   string
	// Location is the time zone days and dates are read and shown in.
	Location *time.Location
}

// Defaults for a server without a ledger section.
var (
	DefaultCountSeverities = []string{"critical", "high"}
	DefaultTarget          = Target{SLA: 99.9, CostPerMinute: 2.0}
)

// DefaultCurrency is shown beside costs when the file names none.
const DefaultCurrency = "EUR"

// DefaultSettings are the settings of a server without a ledger section.
func DefaultSettings() Settings {
	return Settings{
		CountSeverities: DefaultCountSeverities, Default: DefaultTarget,
		Currency: DefaultCurrency, Location: time.UTC,
	}
}

// TargetFor is the component's own target, else the default.
func (s Settings) TargetFor(component string) Target {
	if t, ok := s.Components[component]; ok {
		return t
	}
	return s.Default
}

// Counts tells whether intervals of a severity count as downtime.
func (s Settings) Counts(severity string) bool {
	return slices.Contains(s.CountSeverities, severity)
}

// Zone is the settings' time zone, UTC when none is set.
func (s Settings) Zone() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}
