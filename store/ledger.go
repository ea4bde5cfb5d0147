package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/alertgate/alertgate/store/db"
)

// ledgerPageSize is how many notifications one keyset page of the ledger
// reads: enough to keep the round trips few, small enough that exporting a
// year never holds more than this many rows.
const ledgerPageSize = 2000

// LedgerFilter selects the notifications whose life cycle overlaps
// [From, To), optionally of one source, component or severity.
type LedgerFilter struct {
	From, To  time.Time
	SourceID  int64
	Component string
	Severity  string
}

// LedgerRow is one notification as the ledger reads it.
type LedgerRow = db.ListLedgerClosedRow

// LedgerIntervals hands the notifications that overlap the filter's range
// to each, a page at a time: the closed ones in order of closed_at, then
// the open ones in the order they arrived. It never holds more than one
// page, so a caller that streams them out keeps memory flat.
//
// Each state is read through its own partial index (notifications_closed
// from the range's start, notifications_open), so the ledger adds no index
// for ingest to keep up. A month's cost is the notifications that closed
// since it began: small for recent months, a scan of the closed index to
// now for one long past.
func (s *Store) LedgerIntervals(ctx context.Context, f LedgerFilter, each func([]LedgerRow) error) error {
	to := f.To.UTC()
	source, component, severity := nullable(f.SourceID), nullable(f.Component), nullable(f.Severity)
	closed := db.ListLedgerClosedParams{
		Lower: sql.NullTime{Time: f.From.UTC(), Valid: true}, RangeTo: to,
		SourceID: source, Component: component, Severity: severity, PageSize: ledgerPageSize,
	}
	for {
		rows, err := s.read.ListLedgerClosed(ctx, closed)
		if err != nil {
			return fmt.Errorf("store: ledger intervals: %w", err)
		}
		if err := hand(rows, each); err != nil {
			return err
		}
		if len(rows) < ledgerPageSize {
			break
		}
		last := rows[len(rows)-1]
		closed.Lower, closed.AfterSeq = last.ClosedAt, last.Seq
	}
	open := db.ListLedgerOpenParams{
		RangeTo: to, SourceID: source, Component: component, Severity: severity, PageSize: ledgerPageSize,
	}
	for {
		rows, err := s.read.ListLedgerOpen(ctx, open)
		if err != nil {
			return fmt.Errorf("store: ledger intervals: %w", err)
		}
		page := make([]LedgerRow, len(rows))
		for i, r := range rows {
			page[i] = LedgerRow(r)
		}
		if err := hand(page, each); err != nil {
			return err
		}
		if len(rows) < ledgerPageSize {
			return nil
		}
		open.AfterSeq = rows[len(rows)-1].Seq
	}
}

// hand passes a page on unless it is empty.
func hand(rows []LedgerRow, each func([]LedgerRow) error) error {
	if len(rows) == 0 {
		return nil
	}
	return each(rows)
}
