package remedy

import (
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
)

func TestValidateNamesRecipeAndField(t *testing.T) {
	good := func() Recipe {
		return Recipe{Name: "heal", Threshold: 1, Window: time.Minute, Steps: []Step{{Name: "restart", Run: []string{"true"}}}}
	}
	cases := []struct {
		change func(*Recipe)
		want   string
	}{
		{func(r *Recipe) { r.Threshold = 0 }, `recipe "heal": threshold`},
		{func(r *Recipe) { r.Window = 0 }, `recipe "heal": window`},
		{func(r *Recipe) { r.Mode = "maybe" }, `recipe "heal": mode`},
		{func(r *Recipe) { r.Steps = nil }, `recipe "heal": steps`},
		{func(r *Recipe) { r.Match.Target = "[" }, `recipe "heal": match`},
		{func(r *Recipe) { r.Match.MinSeverity = "urgent" }, `recipe "heal": match`},
		{func(r *Recipe) { r.Steps[0].Run = nil }, `steps[0] (restart).run`},
		{func(r *Recipe) { r.Steps[0].Run = []string{"docker", "{{.Container}}"} }, `steps[0] (restart).run[1]`},
		{func(r *Recipe) { r.Steps[0].Archive = []string{"cat", "{{.Target"} }, `steps[0] (restart).archive[1]`},
		{func(r *Recipe) { r.Steps = append(r.Steps, r.Steps[0]) }, `steps[1].name`},
	}
	for _, c := range cases {
		r := good()
		c.change(&r)
		err := r.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one containing %q", err, c.want)
		}
	}
	r := good()
	if err := r.Validate(); err != nil || r.Mode != ModeLive || r.ApprovalTTL != DefaultApprovalTTL || r.Steps[0].Timeout != DefaultStepTimeout {
		t.Fatalf("defaults not filled: %v %+v", err, r)
	}
}

func TestMatch(t *testing.T) {
	m := Match{Sources: []string{"heal"}, Target: "app-*", MinSeverity: alert.High}
	ev := Event{Source: "heal", Target: "app-1", Severity: alert.High, Change: "opened"}
	if !m.Matches(ev) {
		t.Fatal("matching event refused")
	}
	for _, bad := range []Event{
		{Source: "other", Target: "app-1", Severity: alert.High},
		{Source: "heal", Target: "db-1", Severity: alert.High},
		{Source: "heal", Target: "app-1", Severity: alert.Medium},
	} {
		if m.Matches(bad) {
			t.Errorf("%+v matched", bad)
		}
	}
	if (Event{Component: "web", Host: "h"}).TargetName() != "web" || (Event{Host: "h"}).TargetName() != "h" {
		t.Fatal("target falls back to component, then host")
	}
}

func TestArgumentsStaySingleArguments(t *testing.T) {
	r := Recipe{Name: "x", Threshold: 1, Window: time.Minute, Steps: []Step{{Name: "s", Run: []string{"echo", "{{.Target}}"}}}}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	argv, err := renderArgv(r.Steps[0].run, Vars{Target: "a b; rm -rf /"})
	if err != nil || len(argv) != 2 || argv[1] != "a b; rm -rf /" {
		t.Fatalf("argv = %q, %v", argv, err)
	}
}
