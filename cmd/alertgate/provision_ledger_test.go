package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/alertgate/alertgate/store/ledger"
)

func TestProvisionLedger(t *testing.T) {
	p, err := loadProvisioning(writeProvisioning(t, `
ledger:
  count_severities: [critical, high, medium]
  sla_target: 99.5
  currency: USD
  timezone: Europe/Amsterdam
  components:
    payment: {sla_target: 99.95, cost_per_minute: 10}
    search: {cost_per_minute: 0.5}
`))
	if err != nil {
		t.Fatal(err)
	}
	s := p.Ledger
	if !slices.Equal(s.CountSeverities, []string{"critical", "high", "medium"}) || s.Currency != "USD" || s.Zone().String() != "Europe/Amsterdam" {
		t.Errorf("settings = %+v", s)
	}
	if s.Default != (ledger.Target{SLA: 99.5, CostPerMinute: 2}) {
		t.Errorf("default target %+v, want 99.5 at the default 2 per minute", s.Default)
	}
	if s.TargetFor("payment") != (ledger.Target{SLA: 99.95, CostPerMinute: 10}) || s.TargetFor("search") != (ledger.Target{SLA: 99.5, CostPerMinute: 0.5}) {
		t.Errorf("component targets %+v", s.Components)
	}

	p, err = loadProvisioning(writeProvisioning(t, "sources: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	if d := ledger.DefaultSettings(); !slices.Equal(p.Ledger.CountSeverities, d.CountSeverities) || p.Ledger.Default != d.Default || p.Ledger.Currency != "EUR" {
		t.Errorf("without a ledger section: %+v, want the defaults", p.Ledger)
	}
}

func TestProvisionLedgerRefusesMistakes(t *testing.T) {
	cases := []struct{ yaml, says string }{
		{"ledger:\n  count_severities: [critical, urgent]\n", "urgent"},
		{"ledger:\n  count_severities: []\n", "at least one"},
		{"ledger:\n  sla_target: 120\n", "sla_target"},
		{"ledger:\n  components:\n    db: {sla_target: 0}\n", "components.db: sla_target"},
		{"ledger:\n  cost_per_minute: -1\n", "negative"},
		{"ledger:\n  timezone: Mars/Olympus\n", "timezone"},
		{"ledger:\n  sla: 99\n", "sla"},
	}
	for _, c := range cases {
		_, err := loadProvisioning(writeProvisioning(t, c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%q: err = %v, want one saying %q", c.yaml, err, c.says)
		}
	}
}
