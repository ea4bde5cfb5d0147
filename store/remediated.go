package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/alertgate/alertgate/store/db"
)

// MarkRemediated records that an automatic remediation step succeeded for
// the notification at the given time, so the ledger can tell downtime ended
// by remediation from downtime ended by hand.
func (s *Store) MarkRemediated(ctx context.Context, notificationID string, at time.Time) error {
	return s.Batch(ctx, func(ctx context.Context, q *db.Queries) error {
		n, err := q.MarkRemediated(ctx, db.MarkRemediatedParams{
			RemediatedAt: sql.NullTime{Time: at.UTC(), Valid: true}, ID: notificationID,
		})
		if err != nil {
			return fmt.Errorf("store: mark remediated %s: %w", notificationID, err)
		}
		if n == 0 {
			return ErrNotFound
		}
		return nil
	})
}
