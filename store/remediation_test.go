package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/alertgate/alertgate/store/db"
)

func newApproval(t *testing.T, s *Store, notificationID string, expires time.Time) int64 {
	t.Helper()
	id, err := s.CreateApproval(context.Background(), db.InsertApprovalParams{
		Recipe: "heal", Step: "reset", StepIndex: 1, Target: "app-1", Argv: `["true"]`, ArchiveArgv: "[]",
		TimeoutMs: 1000, TriggerText: "test", NotificationID: notificationID, CreatedAt: time.Now().UTC(), ExpiresAt: expires.UTC(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestConcurrentDecisionsMakeOne: many people pressing at once, half
// approving and half rejecting, leave exactly one decision and one audit.
func TestConcurrentDecisionsMakeOne(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	id := newApproval(t, s, "n", time.Now().Add(time.Hour))
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			_, err := s.DecideApproval(ctx, Actor{Name: "u"}, id, i%2 == 0, "", time.Now())
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	won := 0
	for err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, ErrConflict):
			t.Fatal(err)
		}
	}
	var audits int
	s.reader.QueryRow("SELECT count(*) FROM audit_log WHERE action IN (?, ?)", ActionApprovalApproved, ActionApprovalRejected).Scan(&audits)
	if won != 1 || audits != 1 {
		t.Fatalf("%d decisions won, %d audited; want 1 and 1", won, audits)
	}
}

func TestExpiredApprovalCannotBeDecided(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	now := time.Now()
	id := newApproval(t, s, "n", now.Add(time.Minute))
	if _, err := s.DecideApproval(ctx, Actor{Name: "u"}, id, true, "", now.Add(2*time.Minute)); !errors.Is(err, ErrConflict) {
		t.Fatalf("late approval: %v, want ErrConflict", err)
	}
	ended, err := s.ExpireApprovals(ctx, now.Add(2*time.Minute))
	if err != nil || len(ended) != 1 || ended[0].ID != id {
		t.Fatalf("expired %v, %v", ended, err)
	}
	if a, _ := s.Approval(ctx, id); a.State != ApprovalExpired {
		t.Fatalf("state %s", a.State)
	}
	if _, err := s.DecideApproval(ctx, Actor{Name: "u"}, 999, true, "", now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown approval: %v", err)
	}
}

func TestApprovalRunsOnceAndInterruptedRunsAreMarked(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	id := newApproval(t, s, "n", time.Now().Add(time.Hour))
	s.DecideApproval(ctx, Actor{Name: "u"}, id, true, "ok", time.Now())
	run := db.InsertRunParams{Recipe: "heal", Step: "reset", Target: "app-1", Argv: "[]", Mode: "live", State: "running",
		ApprovalID: sql.NullInt64{Int64: id, Valid: true}, StartedAt: time.Now().UTC()}
	if _, err := s.StartRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartRun(ctx, run); !errors.Is(err, ErrConflict) {
		t.Fatalf("second run of one approval: %v, want ErrConflict", err)
	}
	if n, err := s.InterruptRuns(ctx, time.Now()); err != nil || n != 1 {
		t.Fatalf("interrupted %d, %v", n, err)
	}
	page, _ := s.Runs(ctx, 0, 10)
	if len(page.Runs) != 1 || page.Runs[0].State != "interrupted" {
		t.Fatalf("runs %+v", page.Runs)
	}
}
