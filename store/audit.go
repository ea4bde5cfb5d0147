package store

import (
	"context"
	"fmt"
	"time"

	"github.com/alertgate/alertgate/store/db"
)

// Actor is who makes a change: a signed-in user's name (or "cli", or the
// name tried at a failed login) and the address the request came from.
type Actor struct {
	Name string
	IP   string
}

// Audit actions, kept as constants so the audit page and tests agree.
const (
	ActionLogin        = "login"
	ActionLoginFailed  = "login_failed"
	ActionLogout       = "logout"
	ActionSetup        = "setup"
	ActionUserCreated  = "user_created"
	ActionRoleChanged  = "user_role_changed"
	ActionUserDisabled = "user_disabled"
	ActionUserEnabled  = "user_enabled"
	ActionPasswordSet  = "password_changed"
)

// addAudit appends one audit row inside the caller's transaction, so a
// change and its record commit together or not at all.
func addAudit(ctx context.Context, q *db.Queries, a Actor, action, target, detail string) error {
	err := q.AddAudit(ctx, db.AddAuditParams{
		At: time.Now().UTC(), Actor: a.Name, Action: action, Target: target, Detail: detail, Ip: a.IP,
	})
	if err != nil {
		return fmt.Errorf("store: audit %s: %w", action, err)
	}
	return nil
}

// Audit records an event that changes nothing else, such as a sign-in.
func (s *Store) Audit(ctx context.Context, a Actor, action, target, detail string) error {
	return s.Tx(ctx, func(q *db.Queries) error { return addAudit(ctx, q, a, action, target, detail) })
}

// AuditPage is one page of the audit log, newest first. Next is the id to
// pass as before for the following page, or 0 on the last page.
type AuditPage struct {
	Entries []db.AuditLog
	Next    int64
}

// ListAudit reads the entries older than before (0 means from the newest).
func (s *Store) ListAudit(ctx context.Context, before int64, limit int) (AuditPage, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := s.read.ListAudit(ctx, db.ListAuditParams{ID: before, Limit: int64(limit + 1)})
	if err != nil {
		return AuditPage{}, fmt.Errorf("store: list audit: %w", err)
	}
	page := AuditPage{Entries: rows}
	if len(rows) > limit {
		page.Entries = rows[:limit]
		page.Next = rows[limit-1].ID
	}
	return page, nil
}
