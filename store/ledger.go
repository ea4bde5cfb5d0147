package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
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
// to each, a page at a time: the open ones in the order they arrived, then
// the closed ones in order of closed_at. It holds one page and the seqs of
// the open notifications (what is firing now, not the history), so a caller
// that streams them out keeps memory flat however long the range.
//
// Each state is read through its own partial index (notifications_open,
// then notifications_closed from the range's start), so the ledger adds no
// index for ingest to keep up. A month's cost is the notifications that
// closed since it began, tested on the index alone (it holds opened_at
// since migration 0013) for those that opened after the month.
//
// The pages are not one snapshot. One that closes after the open pass read
// it turns up again in the closed pass and is skipped by its seq: it is
// handed over once, as it was when first read. Reading closed first would
// instead lose one that closed, with an end the scan had passed, before the
// open pass reached it.
func (s *Store) LedgerIntervals(ctx context.Context, f LedgerFilter, each func([]LedgerRow) error) error {
	to := f.To.UTC()
	source, component, severity := nullable(f.SourceID), nullable(f.Component), nullable(f.Severity)
	wasOpen := map[int64]bool{}
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
			wasOpen[r.Seq] = true
		}
		if err := hand(page, each); err != nil {
			return err
		}
		if len(rows) < ledgerPageSize {
			break
		}
		open.AfterSeq = rows[len(rows)-1].Seq
	}
	closed := db.ListLedgerClosedParams{
		Lower: sql.NullTime{Time: f.From.UTC(), Valid: true}, RangeTo: to,
		SourceID: source, Component: component, Severity: severity, PageSize: ledgerPageSize,
	}
	for {
		rows, err := s.read.ListLedgerClosed(ctx, closed)
		if err != nil {
			return fmt.Errorf("store: ledger intervals: %w", err)
		}
		full := len(rows) == ledgerPageSize
		var last LedgerRow
		if full {
			last = rows[len(rows)-1]
		}
		if len(wasOpen) > 0 {
			rows = slices.DeleteFunc(rows, func(r LedgerRow) bool { return wasOpen[r.Seq] })
		}
		if err := hand(rows, each); err != nil {
			return err
		}
		if !full {
			return nil
		}
		closed.Lower, closed.AfterSeq = last.ClosedAt, last.Seq
	}
}

// hand passes a page on unless it is empty.
func hand(rows []LedgerRow, each func([]LedgerRow) error) error {
	if len(rows) == 0 {
		return nil
	}
	return each(rows)
}
