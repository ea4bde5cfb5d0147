package remedy

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
)

// rig is an engine on a real database with an autoheal source, a clock
// tests move, and a file the steps' script appends to.
type rig struct {
	t      *testing.T
	ctx    context.Context
	store  *store.Store
	engine *Engine
	clock  *clock
	src    db.Source
	record string
}

func newRig(t *testing.T, recipes ...Recipe) *rig {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), filepath.Join(dir, "data"), store.Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	src, err := st.CreateSource(ctx, store.Actor{Name: "test"}, store.NewSource{Slug: "heal", Kind: "autoheal", Secret: "heal-secret-0123456789"})
	if err != nil {
		t.Fatal(err)
	}
	record := filepath.Join(dir, "record")
	for i := range recipes {
		for j := range recipes[i].Steps {
			if recipes[i].Steps[j].Run[0] == "false" {
				continue // a step meant to fail
			}
			recipes[i].Steps[j].Run = append([]string{"testdata/record.sh", record}, recipes[i].Steps[j].Run...)
		}
		if err := recipes[i].Validate(); err != nil {
			t.Fatal(err)
		}
	}
	clock := newClock(time.Now().UTC())
	e := New(st, recipes, filepath.Join(dir, "data"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	e.Now = clock.Now
	runCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(func() { cancel(); e.Wait() })
	if err := e.Start(runCtx); err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, ctx: ctx, store: st, engine: e, clock: clock, src: src, record: record}
}

// fail posts what autoheal posts for an unhealthy container, stores it
// like the webhook does, and lets the engine handle it and finish any run.
func (r *rig) fail(container string) {
	r.t.Helper()
	kind, _ := alert.Lookup("autoheal")
	d, err := kind.Decode(alert.Request{Body: []byte(`{"content":"Container ` + container + ` (0123456789ab) found to be unhealthy. Failed to restart the container!"}`)})
	if err != nil {
		r.t.Fatal(err)
	}
	res, err := r.store.Ingest(r.ctx, store.Ingest{SourceID: r.src.ID, SourceSlug: r.src.Slug, Delivery: d, ReceivedAt: r.clock.Now(), Headers: "{}", Body: []byte("x")})
	if err != nil {
		r.t.Fatal(err)
	}
	r.engine.Observe(r.src, d, res)
	r.engine.Handle(r.ctx, <-r.engine.events)
	r.engine.Wait()
}

func (r *rig) tick() {
	r.engine.Tick(r.ctx)
	r.engine.Wait()
}

// ran is every command the steps ran, in order.
func (r *rig) ran() []string {
	b, err := os.ReadFile(r.record)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		r.t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func (r *rig) expectRan(want ...string) {
	r.t.Helper()
	if got := r.ran(); strings.Join(got, "|") != strings.Join(want, "|") {
		r.t.Fatalf("ran %q, want %q", got, want)
	}
}

func healApp(destructive bool) Recipe {
	return Recipe{
		Name: "heal-app", Match: Match{Sources: []string{"heal"}, Target: "app-*"},
		Threshold: 3, Window: 10 * time.Minute, Cooldown: 5 * time.Minute,
		Steps: []Step{
			{Name: "restart", Run: []string{"restart", "{{.Target}}", "{{.IncidentType}} {{.Severity}}"}, Timeout: 10 * time.Second},
			{Name: "full-reset", Run: []string{"reset", "{{.Target}}"}, Timeout: 10 * time.Second, Destructive: destructive},
		},
	}
}

func TestAutohealFailuresClimbTheLadder(t *testing.T) {
	r := newRig(t, healApp(false))
	r.fail("app-1")
	r.fail("app-1")
	r.fail("db-1") // another container, not matched
	r.expectRan()
	r.fail("app-1")
	r.expectRan("restart app-1 container_unhealthy high")
	r.clock.Add(time.Minute)
	r.fail("app-1") // inside the cooldown
	r.expectRan("restart app-1 container_unhealthy high")
	r.clock.Add(5 * time.Minute)
	r.fail("app-1")
	r.expectRan("restart app-1 container_unhealthy high", "reset app-1")

	page, _ := r.store.Runs(r.ctx, 0, 10)
	if len(page.Runs) != 2 || page.Runs[1].State != "succeeded" || !page.Runs[1].ExitCode.Valid || page.Runs[1].TriggerText != "3 failures within 10m0s" {
		t.Fatalf("runs %+v", page.Runs)
	}
	n, _ := r.store.Notification(r.ctx, page.Runs[0].NotificationID)
	if !n.Notification.RemediatedAt.Valid {
		t.Fatal("a successful step did not mark its notification remediated")
	}
}

func TestLadderSurvivesARestart(t *testing.T) {
	r := newRig(t, healApp(false))
	r.fail("app-1")
	r.fail("app-1")
	again := New(r.store, r.engine.recipes, t.TempDir(), r.engine.log)
	again.Now = r.clock.Now
	if err := again.Start(r.ctx); err != nil {
		t.Fatal(err)
	}
	r.engine = again
	r.fail("app-1")
	r.expectRan("restart app-1 container_unhealthy high")
}

// climbToApproval takes app-1 to the destructive step's request.
func climbToApproval(t *testing.T, r *rig) db.Approval {
	t.Helper()
	for range 3 {
		r.fail("app-1")
	}
	r.clock.Add(6 * time.Minute)
	r.fail("app-1")
	r.expectRan("restart app-1 container_unhealthy high")
	pending, _ := r.store.PendingApprovals(r.ctx)
	if len(pending) != 1 || pending[0].Argv != `["testdata/record.sh","`+r.record+`","reset","app-1"]` {
		t.Fatalf("pending %+v", pending)
	}
	if pending[0].AlertID == "" {
		t.Fatal("no alertgate notification pages for the approval")
	}
	return pending[0]
}

func TestDestructiveStepWaitsForApproval(t *testing.T) {
	r := newRig(t, healApp(true))
	a := climbToApproval(t, r)
	r.tick()
	r.clock.Add(6 * time.Minute)
	r.fail("app-1") // a request is pending: nothing climbs meanwhile
	r.expectRan("restart app-1 container_unhealthy high")
	decided, err := r.store.DecideApproval(r.ctx, store.Actor{Name: "alice"}, a.ID, true, "go", r.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	r.engine.Decided(r.ctx, decided)
	r.tick()
	r.tick()
	r.expectRan("restart app-1 container_unhealthy high", "reset app-1")
	alertN, _ := r.store.Notification(r.ctx, a.AlertID)
	if alertN.Notification.State != "closed" {
		t.Fatalf("approval notification is %s after the decision", alertN.Notification.State)
	}
}

func TestRejectedOrExpiredNeverRuns(t *testing.T) {
	for _, end := range []string{"rejected", "expired"} {
		t.Run(end, func(t *testing.T) {
			r := newRig(t, healApp(true))
			a := climbToApproval(t, r)
			if end == "rejected" {
				decided, err := r.store.DecideApproval(r.ctx, store.Actor{Name: "bob"}, a.ID, false, "no", r.clock.Now())
				if err != nil {
					t.Fatal(err)
				}
				r.engine.Decided(r.ctx, decided)
			} else {
				r.clock.Add(31 * time.Minute)
			}
			r.tick()
			r.tick()
			r.expectRan("restart app-1 container_unhealthy high")
			if got, _ := r.store.Approval(r.ctx, a.ID); got.State != end {
				t.Fatalf("state %s, want %s", got.State, end)
			}
			if _, err := r.store.DecideApproval(r.ctx, store.Actor{Name: "carol"}, a.ID, true, "", r.clock.Now()); err == nil {
				t.Fatal("an ended request was approved after all")
			}
			r.tick()
			r.expectRan("restart app-1 container_unhealthy high")
		})
	}
}

func TestClosedNotificationCancelsTheRequest(t *testing.T) {
	r := newRig(t, healApp(true))
	a := climbToApproval(t, r)
	// autoheal never reports recovery: a quiet period closes it.
	if _, err := r.store.CloseQuiet(r.ctx, r.clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	r.tick()
	if got, _ := r.store.Approval(r.ctx, a.ID); got.State != store.ApprovalCancelled {
		t.Fatalf("state %s, want cancelled", got.State)
	}
	targets, _ := r.store.RemediationTargets(r.ctx)
	if len(targets) != 1 || targets[0].Taken != 0 {
		t.Fatalf("the closed notification did not reset the ladder: %+v", targets)
	}
}

func TestDryRunRunsNothing(t *testing.T) {
	rec := healApp(true)
	rec.Mode = ModeDryRun
	rec.Threshold = 1
	r := newRig(t, rec)
	r.fail("app-1")
	r.expectRan()
	page, _ := r.store.Runs(r.ctx, 0, 10)
	if len(page.Runs) != 1 || page.Runs[0].State != "dry_run" || !strings.Contains(page.Runs[0].Output, `"restart" "app-1"`) {
		t.Fatalf("runs %+v", page.Runs)
	}
}

func TestFailedLastStepIsAFinalStop(t *testing.T) {
	rec := Recipe{Name: "heal-app", Threshold: 1, Window: time.Minute,
		Steps: []Step{{Name: "restart", Run: []string{"false"}}}}
	r := newRig(t, rec)
	r.fail("app-1")
	open, _ := r.store.Notifications(r.ctx, store.NotificationFilter{State: "open", Limit: 10})
	found := false
	for _, n := range open.Items {
		found = found || (n.SourceSlug == InternalSource && strings.Contains(n.Title, "manual intervention required"))
	}
	if !found {
		t.Fatalf("no final stop notification among %+v", open.Items)
	}
}
