package remedy

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/alertgate/alertgate/store/db"
)

// runSpec is one step about to run, with its argv already rendered.
type runSpec struct {
	recipe, step   string
	index          int
	target         string
	notificationID string
	trigger        string
	argv, archive  []string
	timeout        time.Duration
	mode           string
	approvalID     int64
}

// takeStep runs the step, or asks for approval when it is destructive.
// Called with e.mu held.
func (e *Engine) takeStep(ctx context.Context, r *Recipe, a Action, v Vars) {
	step := r.Steps[a.Step]
	argv, err := renderArgv(step.run, v)
	var archive []string
	if err == nil {
		archive, err = renderArgv(step.archive, v)
	}
	if err != nil {
		e.log.Error("render step arguments", "recipe", r.Name, "step", step.Name, "err", err)
		return
	}
	spec := runSpec{
		recipe: r.Name, step: step.Name, index: a.Step, target: v.Target, notificationID: v.NotificationID,
		trigger: a.Trigger, argv: argv, archive: archive, timeout: step.Timeout, mode: r.Mode,
	}
	if step.Destructive && r.Mode == ModeLive {
		e.requestApproval(ctx, r, spec)
		return
	}
	e.startRun(ctx, spec)
}

// startRun records the run and starts it in the background; a dry run
// only records what would have run. Called with e.mu held.
func (e *Engine) startRun(ctx context.Context, s runSpec) {
	argv, _ := json.Marshal(s.argv)
	state := "running"
	if s.mode == ModeDryRun {
		state = "dry_run"
	}
	id, err := e.store.StartRun(ctx, db.InsertRunParams{
		Recipe: s.recipe, Step: s.step, StepIndex: int64(s.index), Target: s.target, NotificationID: s.notificationID,
		TriggerText: s.trigger, Argv: string(argv), Mode: s.mode, State: state,
		ApprovalID: sql.NullInt64{Int64: s.approvalID, Valid: s.approvalID != 0}, StartedAt: e.Now().UTC(),
	})
	if err != nil {
		e.log.Error("record remediation run", "recipe", s.recipe, "step", s.step, "target", s.target, "err", err)
		return
	}
	if s.mode == ModeDryRun {
		e.finishDryRun(ctx, id, s)
		return
	}
	e.busy[key{s.recipe, s.target}] = true
	e.runs.Add(1)
	go e.execute(id, s)
}

func (e *Engine) finishDryRun(ctx context.Context, id int64, s runSpec) {
	out := "dry-run: nothing ran. Would run: " + quoteArgv(s.argv)
	if len(s.archive) > 0 {
		out += "\nafter archiving the output of: " + quoteArgv(s.archive)
	}
	e.logErr("record dry run", e.store.FinishRun(ctx, db.FinishRunParams{
		State: "dry_run", FinishedAt: nullTime(e.Now()), Output: out, ID: id,
	}))
}

// quoteArgv shows an argv unambiguously, one quoted element per argument.
func quoteArgv(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = fmt.Sprintf("%q", a)
	}
	return strings.Join(q, " ")
}

// execute runs the archive command, then the step, and records both.
func (e *Engine) execute(id int64, s runSpec) {
	defer e.runs.Done()
	archive := ""
	var archiveNote string
	if len(s.archive) > 0 {
		archive = fmt.Sprintf("run-%d-%s.log.gz", id, newID())
		res, err := Archive(e.runCtx, e.dataDir, archive, s.archive, s.timeout)
		archiveNote = fmt.Sprintf("[alertgate] archive %s: exit %d", quoteArgv(s.archive), res.ExitCode)
		if err != nil {
			archiveNote, archive = "[alertgate] archive failed: "+err.Error(), ""
		}
	}
	res := Execute(e.runCtx, s.argv, s.timeout)
	state := runState(res, e.runCtx)
	ctx := context.WithoutCancel(e.runCtx)
	out := res.OutputText()
	if archiveNote != "" {
		out = archiveNote + "\n" + out
	}
	e.logErr("record run result", e.store.FinishRun(ctx, db.FinishRunParams{
		State: state, ExitCode: sql.NullInt64{Int64: int64(res.ExitCode), Valid: res.Err == nil},
		FinishedAt: nullTime(e.Now()), DurationMs: res.Duration.Milliseconds(), Output: out, Archive: archive, ID: id,
	}), "run", id)
	e.log.Info("remediation step ran", "recipe", s.recipe, "step", s.step, "target", s.target, "state", state, "exit", res.ExitCode)
	if state == "succeeded" && s.notificationID != "" {
		e.logErr("mark notification remediated", e.store.MarkRemediated(ctx, s.notificationID, e.Now()), "notification", s.notificationID)
	}
	e.finished(ctx, s, state)
}

func runState(res Result, ctx context.Context) string {
	switch {
	case res.OK():
		return "succeeded"
	case res.TimedOut:
		return "timed_out"
	case ctx.Err() != nil:
		return "interrupted"
	}
	return "failed"
}

// finished frees the target; a failed last step is the final stop.
func (e *Engine) finished(ctx context.Context, s runSpec, state string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	k := key{s.recipe, s.target}
	delete(e.busy, k)
	r := e.recipe(s.recipe)
	if r == nil || state == "succeeded" || state == "interrupted" {
		return
	}
	st := e.state(k)
	if r.StepFailed(st, s.index, e.Now()) {
		e.save(ctx, st)
		e.finalStop(ctx, r, st, fmt.Sprintf("last step %s %s", s.step, strings.ReplaceAll(state, "_", " ")))
	}
}
