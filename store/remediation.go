package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/alertgate/alertgate/store/db"
)

// Audit actions of remediation.
const (
	ActionApprovalRequested = "approval_requested"
	ActionApprovalApproved  = "approval_approved"
	ActionApprovalRejected  = "approval_rejected"
	ActionApprovalExpired   = "approval_expired"
	ActionApprovalCancelled = "approval_cancelled"
	ActionTargetReset       = "remediation_target_reset"
)

// Approval states.
const (
	ApprovalPending   = "pending"
	ApprovalApproved  = "approved"
	ApprovalRejected  = "rejected"
	ApprovalExpired   = "expired"
	ApprovalCancelled = "cancelled"
)

// system is the actor for what Alertgate does by itself.
var system = Actor{Name: "alertgate"}

// RemediationTargets reads every target's ladder state.
func (s *Store) RemediationTargets(ctx context.Context) ([]db.RemediationTarget, error) {
	rows, err := s.read.ListRemediationTargets(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: remediation targets: %w", err)
	}
	return rows, nil
}

// SaveRemediationTarget stores one target's ladder state.
func (s *Store) SaveRemediationTarget(ctx context.Context, t db.UpsertRemediationTargetParams) error {
	return s.Batch(ctx, func(ctx context.Context, q *db.Queries) error {
		if err := q.UpsertRemediationTarget(ctx, t); err != nil {
			return fmt.Errorf("store: save target %s/%s: %w", t.Recipe, t.Target, err)
		}
		return nil
	})
}

// ResetRemediationTarget puts a target back before the first step, on an
// admin's request.
func (s *Store) ResetRemediationTarget(ctx context.Context, a Actor, recipe, target string) error {
	return s.Batch(ctx, func(ctx context.Context, q *db.Queries) error {
		n, err := q.DeleteRemediationTarget(ctx, db.DeleteRemediationTargetParams{Recipe: recipe, Target: target})
		if err != nil {
			return fmt.Errorf("store: reset target: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("store: target %s of recipe %s: %w", target, recipe, ErrNotFound)
		}
		return addAudit(ctx, q, a, ActionTargetReset, recipe+"/"+target, "")
	})
}

// ClosedTargetNotifications lists the targets whose latest notification
// has closed since: their ladder goes back to the first step.
func (s *Store) ClosedTargetNotifications(ctx context.Context) ([]db.ClosedTargetNotificationsRow, error) {
	rows, err := s.read.ClosedTargetNotifications(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: closed targets: %w", err)
	}
	return rows, nil
}

// StartRun records a run about to start. A run for an approval claims it:
// an approval runs at most once, whoever asks.
func (s *Store) StartRun(ctx context.Context, r db.InsertRunParams) (int64, error) {
	var id int64
	err := s.Batch(ctx, func(ctx context.Context, q *db.Queries) error {
		var err error
		if id, err = q.InsertRun(ctx, r); err != nil {
			return fmt.Errorf("store: start run: %w", err)
		}
		if !r.ApprovalID.Valid {
			return nil
		}
		n, err := q.SetApprovalRun(ctx, db.SetApprovalRunParams{RunID: sql.NullInt64{Int64: id, Valid: true}, ID: r.ApprovalID.Int64})
		if err == nil && n == 0 {
			err = fmt.Errorf("store: approval %d already ran or is not approved: %w", r.ApprovalID.Int64, ErrConflict)
		}
		return err
	})
	return id, err
}

// FinishRun records how a run ended.
func (s *Store) FinishRun(ctx context.Context, r db.FinishRunParams) error {
	return s.Batch(ctx, func(ctx context.Context, q *db.Queries) error {
		return q.FinishRun(ctx, r)
	})
}

// InterruptRuns marks the runs a stop cut short. It is called at start,
// before anything runs, and they are never run again by themselves.
func (s *Store) InterruptRuns(ctx context.Context, at time.Time) (int64, error) {
	var n int64
	err := s.Batch(ctx, func(ctx context.Context, q *db.Queries) error {
		var err error
		n, err = q.InterruptRuns(ctx, sql.NullTime{Time: at.UTC(), Valid: true})
		return err
	})
	return n, err
}

// Run reads one run.
func (s *Store) Run(ctx context.Context, id int64) (db.RemediationRun, error) {
	r, err := s.read.GetRun(ctx, id)
	if err != nil {
		return r, notFound(err, fmt.Sprintf("run %d", id))
	}
	return r, nil
}

// RunPage is one page of runs, newest first; Next is the id to pass as
// before for the following page, 0 on the last.
type RunPage struct {
	Runs []db.RemediationRun
	Next int64
}

// Runs reads the runs older than before (0: from the newest).
func (s *Store) Runs(ctx context.Context, before int64, limit int) (RunPage, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := s.read.ListRuns(ctx, db.ListRunsParams{ID: before, Limit: int64(limit + 1)})
	if err != nil {
		return RunPage{}, fmt.Errorf("store: runs: %w", err)
	}
	page := RunPage{Runs: rows}
	if len(rows) > limit {
		page.Runs, page.Next = rows[:limit], rows[limit-1].ID
	}
	return page, nil
}

// TargetRuns is a target's newest runs of a recipe.
func (s *Store) TargetRuns(ctx context.Context, recipe, target string, limit int) ([]db.RemediationRun, error) {
	rows, err := s.read.ListTargetRuns(ctx, db.ListTargetRunsParams{Recipe: recipe, Target: target, Limit: int64(limit)})
	if err != nil {
		return nil, fmt.Errorf("store: target runs: %w", err)
	}
	return rows, nil
}

// CreateApproval records a destructive step waiting for a person.
func (s *Store) CreateApproval(ctx context.Context, a db.InsertApprovalParams) (int64, error) {
	var id int64
	err := s.Batch(ctx, func(ctx context.Context, q *db.Queries) error {
		var err error
		if id, err = q.InsertApproval(ctx, a); err != nil {
			return fmt.Errorf("store: create approval: %w", err)
		}
		return addAudit(ctx, q, system, ActionApprovalRequested, approvalTarget(id), a.Recipe+" "+a.Step+" on "+a.Target+": "+a.Argv)
	})
	return id, err
}

func approvalTarget(id int64) string { return fmt.Sprintf("approval %d", id) }

// SetApprovalAlert links the notification that pages for an approval.
func (s *Store) SetApprovalAlert(ctx context.Context, id int64, alertID string) error {
	return s.Batch(ctx, func(ctx context.Context, q *db.Queries) error {
		return q.SetApprovalAlert(ctx, db.SetApprovalAlertParams{AlertID: alertID, ID: id})
	})
}

// DecideApproval approves or rejects a pending request. Of two people
// deciding at once exactly one wins; the other gets ErrConflict saying
// what was decided.
func (s *Store) DecideApproval(ctx context.Context, a Actor, id int64, approve bool, comment string, now time.Time) (db.Approval, error) {
	state, action := ApprovalRejected, ActionApprovalRejected
	if approve {
		state, action = ApprovalApproved, ActionApprovalApproved
	}
	var out db.Approval
	err := s.Batch(ctx, func(ctx context.Context, q *db.Queries) error {
		n, err := q.DecideApproval(ctx, db.DecideApprovalParams{
			State: state, DecidedBy: a.Name, DecidedAt: sql.NullTime{Time: now.UTC(), Valid: true}, Comment: comment, ID: id, Now: now.UTC(),
		})
		if err != nil {
			return fmt.Errorf("store: decide approval %d: %w", id, err)
		}
		if out, err = q.GetApproval(ctx, id); err != nil {
			return notFound(err, approvalTarget(id))
		}
		if n == 0 {
			return undecidable(out, now)
		}
		return addAudit(ctx, q, a, action, approvalTarget(id), out.Recipe+" "+out.Step+" on "+out.Target+"; comment: "+comment)
	})
	return out, err
}

func undecidable(a db.Approval, now time.Time) error {
	if a.State == ApprovalPending && !now.Before(a.ExpiresAt) {
		return fmt.Errorf("store: approval %d has expired: %w", a.ID, ErrConflict)
	}
	by := ""
	if a.DecidedBy != "" {
		by = " by " + a.DecidedBy
	}
	return fmt.Errorf("store: approval %d was already %s%s: %w", a.ID, a.State, by, ErrConflict)
}

// ExpireApprovals ends the pending requests past their time, audited.
func (s *Store) ExpireApprovals(ctx context.Context, now time.Time) ([]db.Approval, error) {
	return s.endApprovals(ctx, now, ApprovalExpired, ActionApprovalExpired, "expired without a decision",
		func(ctx context.Context, q *db.Queries) ([]db.Approval, error) {
			return q.ListExpiredApprovals(ctx, now.UTC())
		})
}

// CancelApprovalsForClosed ends the pending requests whose notification
// has closed: the failure they were for is over.
func (s *Store) CancelApprovalsForClosed(ctx context.Context, now time.Time) ([]db.Approval, error) {
	return s.endApprovals(ctx, now, ApprovalCancelled, ActionApprovalCancelled, "cancelled: the notification closed",
		func(ctx context.Context, q *db.Queries) ([]db.Approval, error) { return q.ListApprovalsForClosed(ctx) })
}

func (s *Store) endApprovals(ctx context.Context, now time.Time, state, action, why string, list func(context.Context, *db.Queries) ([]db.Approval, error)) ([]db.Approval, error) {
	var ended []db.Approval
	err := s.Batch(ctx, func(ctx context.Context, q *db.Queries) error {
		ended = nil
		rows, err := list(ctx, q)
		if err != nil {
			return fmt.Errorf("store: list approvals to end: %w", err)
		}
		for _, a := range rows {
			n, err := q.EndApproval(ctx, db.EndApprovalParams{State: state, DecidedAt: sql.NullTime{Time: now.UTC(), Valid: true}, Comment: why, ID: a.ID})
			if err != nil {
				return fmt.Errorf("store: end approval %d: %w", a.ID, err)
			}
			if n == 0 {
				continue
			}
			if err := addAudit(ctx, q, system, action, approvalTarget(a.ID), a.Recipe+" "+a.Step+" on "+a.Target); err != nil {
				return err
			}
			a.State = state
			ended = append(ended, a)
		}
		return nil
	})
	return ended, err
}

// Approval reads one request.
func (s *Store) Approval(ctx context.Context, id int64) (db.Approval, error) {
	a, err := s.read.GetApproval(ctx, id)
	if err != nil {
		return a, notFound(err, approvalTarget(id))
	}
	return a, nil
}

// PendingApprovals lists what waits for a decision, oldest first.
func (s *Store) PendingApprovals(ctx context.Context) ([]db.Approval, error) {
	return listOrWrap(s.read.ListPendingApprovals(ctx))
}

// DecidedApprovals lists the newest ended requests.
func (s *Store) DecidedApprovals(ctx context.Context, limit int) ([]db.Approval, error) {
	return listOrWrap(s.read.ListDecidedApprovals(ctx, int64(limit)))
}

// ApprovedToRun lists approved requests whose step has not started.
func (s *Store) ApprovedToRun(ctx context.Context) ([]db.Approval, error) {
	return listOrWrap(s.read.ListApprovedToRun(ctx))
}

func listOrWrap(rows []db.Approval, err error) ([]db.Approval, error) {
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: approvals: %w", err)
	}
	return rows, nil
}
