package store

import (
	"context"
	"database/sql"
	"errors"
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

// LedgerIntervals hands the notifications that overlap the filter's range
// to each, a page at a time, in order of opened_at. It never holds more
// than one page, so a caller that streams them out keeps memory flat.
func (s *Store) LedgerIntervals(ctx context.Context, f LedgerFilter, each func([]db.ListLedgerIntervalsRow) error) error {
	lower, err := s.earliestOverlapping(ctx, f.From)
	if err != nil {
		return err
	}
	p := db.ListLedgerIntervalsParams{
		Lower: lower, RangeTo: f.To.UTC(), AfterOpened: lower, AfterSeq: 0,
		RangeFrom: sql.NullTime{Time: f.From.UTC(), Valid: true},
		SourceID:  nullable(f.SourceID), Component: nullable(f.Component), Severity: nullable(f.Severity),
		PageSize: ledgerPageSize,
	}
	for {
		rows, err := s.read.ListLedgerIntervals(ctx, p)
		if err != nil {
			return fmt.Errorf("store: ledger intervals: %w", err)
		}
		if len(rows) > 0 {
			if err := each(rows); err != nil {
				return err
			}
		}
		if len(rows) < ledgerPageSize {
			return nil
		}
		last := rows[len(rows)-1]
		p.Lower, p.AfterOpened, p.AfterSeq = last.OpenedAt, last.OpenedAt, last.Seq
	}
}

// earliestOverlapping is the earliest opened_at of a notification that may
// overlap a range starting at from: it is still open, or closed at or after
// from, or it opened after from. Scanning opened_at from here, rather than
// from the beginning of time, keeps a month's ledger as cheap in year five
// as in year one.
func (s *Store) earliestOverlapping(ctx context.Context, from time.Time) (time.Time, error) {
	lower := from.UTC()
	closed, err := s.read.EarliestClosedAfter(ctx, sql.NullTime{Time: lower, Valid: true})
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return lower, fmt.Errorf("store: ledger lower bound: %w", err)
	}
	if err == nil && closed.Before(lower) {
		lower = closed
	}
	open, err := s.read.EarliestOpen(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return lower, fmt.Errorf("store: ledger lower bound: %w", err)
	}
	if err == nil && open.Before(lower) {
		lower = open
	}
	return lower.UTC(), nil
}
