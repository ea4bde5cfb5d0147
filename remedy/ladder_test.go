package remedy

import (
	"strings"
	"testing"
	"time"
)

func testRecipe(t *testing.T) *Recipe {
	t.Helper()
	r := &Recipe{
		Name: "heal-app", Threshold: 3, Window: 10 * time.Minute, Cooldown: 5 * time.Minute,
		Steps: []Step{
			{Name: "restart", Run: []string{"docker", "restart", "{{.Target}}"}},
			{Name: "full-reset", Run: []string{"docker", "compose", "up"}, Destructive: true},
		},
	}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestLadder feeds failures at given minutes and checks what each leads to.
func TestLadder(t *testing.T) {
	const (
		w = "wait"
		s = "stop"
	)
	cases := []struct {
		name    string
		minutes []int
		busyAt  int // index of the failure seen while busy; -1 for none
		want    []string
	}{
		{"below the threshold nothing runs", []int{0, 1}, -1, []string{w, w}},
		{"at the threshold step 1 runs", []int{0, 1, 2}, -1, []string{w, w, "restart"}},
		{"failures outside the window do not add up", []int{0, 11, 22, 23}, -1, []string{w, w, w, w}},
		{"inside the cooldown nothing climbs", []int{0, 1, 2, 3, 6}, -1, []string{w, w, "restart", w, w}},
		{"after the cooldown the next step", []int{0, 1, 2, 3, 8}, -1, []string{w, w, "restart", w, "full-reset"}},
		{"after the last step: final stop", []int{0, 1, 2, 8, 14}, -1, []string{w, w, "restart", "full-reset", s}},
		{"stopped stays stopped", []int{0, 1, 2, 8, 14, 20}, -1, []string{w, w, "restart", "full-reset", s, w}},
		{"a quiet window resets to step 1", []int{0, 1, 2, 13, 14, 15}, -1, []string{w, w, "restart", w, w, "restart"}},
		{"busy: one step at a time", []int{0, 1, 2, 8}, 3, []string{w, w, "restart", w}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := testRecipe(t)
			st := &State{}
			start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			var got []string
			for i, m := range c.minutes {
				a := r.Fail(st, start.Add(time.Duration(m)*time.Minute), "n1", i == c.busyAt)
				switch a.Kind {
				case Wait:
					got = append(got, w)
				case FinalStop:
					got = append(got, s)
				case RunStep:
					got = append(got, r.Steps[a.Step].Name)
				}
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestLastStepFailingStops(t *testing.T) {
	r := testRecipe(t)
	st := &State{Taken: 2}
	if r.StepFailed(st, 0, time.Now()) {
		t.Fatal("a failed first step stopped the ladder")
	}
	if !r.StepFailed(st, 1, time.Now()) || st.Stopped.IsZero() {
		t.Fatal("a failed last step did not stop the ladder")
	}
}
