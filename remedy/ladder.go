package remedy

import (
	"fmt"
	"time"
)

// State is one target's place on a recipe's ladder. It is stored after
// every change, so counting survives a restart.
type State struct {
	Recipe, Target string
	// Taken is how many steps have been taken; the next one is Steps[Taken].
	Taken int
	// Failures are the counted failures inside the window before the first
	// step, oldest first.
	Failures    []time.Time
	LastFailure time.Time
	LastStep    time.Time
	// Stopped is when the ladder ran out: manual intervention required.
	Stopped time.Time
	// NotificationID is the notification of the latest failure.
	NotificationID string
}

// ActionKind is what a failure leads to.
type ActionKind int

const (
	// Wait: nothing to do yet.
	Wait ActionKind = iota
	// RunStep: take step Action.Step.
	RunStep
	// FinalStop: the ladder is exhausted.
	FinalStop
)

// Action is the ladder's answer to one failure.
type Action struct {
	Kind    ActionKind
	Step    int
	Trigger string
}

// Fail counts one failure at now and says what to do. busy is true while a
// run or an approval for the target is under way: one step at a time.
func (r *Recipe) Fail(st *State, now time.Time, notificationID string, busy bool) Action {
	if !st.LastFailure.IsZero() && now.Sub(st.LastFailure) > r.Window {
		st.Reset() // a quiet window: the target healed
	}
	st.LastFailure, st.NotificationID = now, notificationID
	if !st.Stopped.IsZero() || busy {
		return Action{}
	}
	if st.Taken == 0 {
		return r.count(st, now)
	}
	since := now.Sub(st.LastStep)
	if since < r.Cooldown {
		return Action{}
	}
	prev := r.Steps[st.Taken-1].Name
	trigger := fmt.Sprintf("failure %s after step %s (cooldown %s)", since.Round(time.Second), prev, r.Cooldown)
	if st.Taken >= len(r.Steps) {
		st.Stopped = now
		return Action{Kind: FinalStop, Step: st.Taken - 1, Trigger: trigger}
	}
	return r.take(st, now, trigger)
}

// count adds a failure before the first step and takes it at the threshold.
func (r *Recipe) count(st *State, now time.Time) Action {
	kept := st.Failures[:0]
	for _, f := range st.Failures {
		if now.Sub(f) <= r.Window {
			kept = append(kept, f)
		}
	}
	st.Failures = append(kept, now)
	if len(st.Failures) < r.Threshold {
		return Action{}
	}
	return r.take(st, now, fmt.Sprintf("%d failures within %s", len(st.Failures), r.Window))
}

func (r *Recipe) take(st *State, now time.Time, trigger string) Action {
	step := st.Taken
	st.Taken++
	st.LastStep, st.Failures = now, nil
	return Action{Kind: RunStep, Step: step, Trigger: trigger}
}

// StepFailed is called when the last step's run failed: nothing is left to
// try, so the ladder stops.
func (r *Recipe) StepFailed(st *State, step int, now time.Time) bool {
	if step != len(r.Steps)-1 || !st.Stopped.IsZero() {
		return false
	}
	st.Stopped = now
	return true
}

// Reset puts the target back before the first step.
func (st *State) Reset() {
	st.Taken, st.Failures, st.LastStep, st.Stopped = 0, nil, time.Time{}, time.Time{}
}
