package ledger

import (
	"math"
	"testing"
	"time"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestAvailabilityBudgetCost(t *testing.T) {
	month := 30 * 24 * time.Hour
	cases := []struct {
		name               string
		down, elapsed      time.Duration
		sla, perMinute     float64
		wantAvail          float64
		wantBudget         time.Duration
		wantCost           float64
		wantMetUnderTarget bool
	}{
		{"no downtime", 0, month, 99.9, 2, 100, 43*time.Minute + 12*time.Second, 0, true},
		{"exactly the budget", 43*time.Minute + 12*time.Second, month, 99.9, 2, 99.9, 43*time.Minute + 12*time.Second, 86.4, true},
		{"one hour in a 30-day month", time.Hour, month, 99.95, 10, 100 * (1 - 1.0/720), 21*time.Minute + 36*time.Second, 600, false},
		{"nothing elapsed yet", 0, 0, 99.9, 2, 100, 0, 0, true},
		{"cost rounds to cents", 10 * time.Second, time.Hour, 99, 1, 100 * (1 - 10.0/3600), 36 * time.Second, 0.17, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Availability(c.down, c.elapsed); !near(got, c.wantAvail) {
				t.Errorf("Availability = %v, want %v", got, c.wantAvail)
			}
			if got := Budget(c.sla, c.elapsed); got != c.wantBudget {
				t.Errorf("Budget = %v, want %v", got, c.wantBudget)
			}
			if got := Cost(c.down, c.perMinute); !near(got, c.wantCost) {
				t.Errorf("Cost = %v, want %v", got, c.wantCost)
			}
			s := Summary{Availability: Availability(c.down, c.elapsed), Target: Target{SLA: c.sla}}
			if s.Met() != c.wantMetUnderTarget {
				t.Errorf("Met = %v at %v%% against %v%%", s.Met(), s.Availability, c.sla)
			}
		})
	}
}

func TestBuild(t *testing.T) {
	s := Settings{
		CountSeverities: []string{"critical", "high"}, Default: Target{SLA: 99.9, CostPerMinute: 2},
		Components: map[string]Target{"payment": {SLA: 99.95, CostPerMinute: 10}}, Location: time.UTC,
	}
	r := Range{at(0), at(24 * 60)}
	now := at(12 * 60) // half the range has elapsed
	ivs := []Interval{
		// payment: two monitors for one outage (0..30 and 10..40), then a
		// remediated one, and one that ended before the range began.
		{Component: "payment", Severity: "critical", Start: at(0), End: at(30)},
		{Component: "payment", Severity: "high", Start: at(10), End: at(40)},
		{Component: "payment", Severity: "critical", Start: at(100), End: at(110), Remediated: true},
		{Component: "payment", Severity: "critical", Start: at(-60), End: at(-50)},
		// web: an ongoing one runs to now; a low one is listed, not counted.
		{Component: "web", Severity: "high", Start: at(600), Ongoing: true},
		{Component: "web", Severity: "low", Start: at(60), End: at(90)},
		{Component: "quiet", Severity: "info", Start: at(60), End: at(61)},
	}
	rep := Build(ivs, r, now, s)
	if len(rep.Intervals) != 6 {
		t.Fatalf("%d intervals in range, want 6: %+v", len(rep.Intervals), rep.Intervals)
	}
	if rep.Elapsed != 12*time.Hour {
		t.Errorf("Elapsed = %v, want 12h", rep.Elapsed)
	}
	byName := map[string]Summary{}
	for _, c := range rep.Components {
		byName[c.Component] = c
	}
	pay := byName["payment"]
	if pay.Incidents != 2 || pay.Downtime != 50*time.Minute || pay.MTTR != 25*time.Minute || pay.Longest != 40*time.Minute {
		t.Errorf("payment = %d incidents, %v down, MTTR %v, longest %v; want 2, 50m, 25m, 40m", pay.Incidents, pay.Downtime, pay.MTTR, pay.Longest)
	}
	if pay.Remediated != 10*time.Minute || pay.ByHand != 40*time.Minute {
		t.Errorf("payment remediated %v by hand %v, want 10m and 40m", pay.Remediated, pay.ByHand)
	}
	if pay.Cost != 500 || pay.Target.SLA != 99.95 {
		t.Errorf("payment cost %v at target %v, want 500 at 99.95", pay.Cost, pay.Target.SLA)
	}
	if pay.Met() || pay.BudgetLeft != 21*time.Second+600*time.Millisecond-50*time.Minute {
		t.Errorf("payment met=%v budget left %v; 50m down in 12h breaches 99.95%%", pay.Met(), pay.BudgetLeft)
	}
	web := byName["web"]
	if !web.Ongoing || web.Downtime != 2*time.Hour || web.Cost != 240 || web.Remediated+web.ByHand != 0 {
		t.Errorf("web = %+v, want ongoing 2h down costing 240, neither remediated nor by hand", web)
	}
	if q := byName["quiet"]; q.Downtime != 0 || q.Incidents != 0 || q.Availability != 100 {
		t.Errorf("quiet (only uncounted) = %+v, want a component with no downtime", q)
	}
	if rep.Total.Incidents != 3 || rep.Total.Downtime != 170*time.Minute || rep.Total.Cost != 740 {
		t.Errorf("total = %d incidents, %v, cost %v; want 3, 2h50m, 740", rep.Total.Incidents, rep.Total.Downtime, rep.Total.Cost)
	}
	if rep.Components[0].Component != "web" {
		t.Errorf("components are not ordered by downtime: first is %s", rep.Components[0].Component)
	}
}
