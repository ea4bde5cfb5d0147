package main

import (
	"errors"
	"fmt"
	"time"
	_ "time/tzdata" // ledger time zones must load in a container without zoneinfo

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store/ledger"
)

// ledgerSpec is the ledger: section. Unset fields take the defaults; a
// component's unset fields take the section's.
type ledgerSpec struct {
	CountSeverities []string              `yaml:"count_severities"`
	SLATarget       *float64              `yaml:"sla_target"`
	CostPerMinute   *float64              `yaml:"cost_per_minute"`
	Currency        string                `yaml:"currency"`
	Timezone        string                `yaml:"timezone"`
	Components      map[string]targetSpec `yaml:"components"`
}

// targetSpec is one entry of ledger.components.
type targetSpec struct {
	SLATarget     *float64 `yaml:"sla_target"`
	CostPerMinute *float64 `yaml:"cost_per_minute"`
}

// resolve checks the section and fills in the defaults.
func (l ledgerSpec) resolve() (ledger.Settings, error) {
	s := ledger.DefaultSettings()
	if l.CountSeverities != nil {
		if len(l.CountSeverities) == 0 {
			return s, errors.New("count_severities: name at least one severity, or leave it out for critical and high")
		}
		for _, sev := range l.CountSeverities {
			if alert.Severity(sev).Rank() == 0 {
				return s, fmt.Errorf("count_severities: %q is not one of %v", sev, alert.Severities)
			}
		}
		s.CountSeverities = l.CountSeverities
	}
	var err error
	if s.Default, err = (targetSpec{l.SLATarget, l.CostPerMinute}).over(s.Default); err != nil {
		return s, err
	}
	if l.Currency != "" {
		s.Currency = l.Currency
	}
	if l.Timezone != "" {
		if s.Location, err = time.LoadLocation(l.Timezone); err != nil {
			return s, fmt.Errorf("timezone: %q is not a time zone name such as Europe/Amsterdam or UTC", l.Timezone)
		}
	}
	s.Components = map[string]ledger.Target{}
	for name, spec := range l.Components {
		if s.Components[name], err = spec.over(s.Default); err != nil {
			return s, fmt.Errorf("components.%s: %w", name, err)
		}
	}
	return s, nil
}

// over is the target with the spec's fields set over base.
func (t targetSpec) over(base ledger.Target) (ledger.Target, error) {
	if t.SLATarget != nil {
		if *t.SLATarget <= 0 || *t.SLATarget > 100 {
			return base, fmt.Errorf("sla_target: %v is not a percentage above 0 and at most 100", *t.SLATarget)
		}
		base.SLA = *t.SLATarget
	}
	if t.CostPerMinute != nil {
		if *t.CostPerMinute < 0 {
			return base, fmt.Errorf("cost_per_minute: %v is negative", *t.CostPerMinute)
		}
		base.CostPerMinute = *t.CostPerMinute
	}
	return base, nil
}
