package handlers

import (
	"bufio"
	"context"
	"encoding/csv"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/ledger"
)

// intervalHeader is the CSV header of /ledger.csv; scripts read columns by
// these names.
var intervalHeader = []string{"component", "source", "notification_id", "title", "severity", "start", "end", "duration_seconds", "counted", "remediated"}

// summaryHeader is the CSV header of /ledger/summary.csv.
var summaryHeader = []string{"component", "incidents", "downtime_seconds", "mttr_seconds", "longest_seconds", "availability",
	"sla_target", "met", "error_budget_left_seconds", "cost", "currency", "remediated_seconds", "by_hand_seconds"}

// ledgerCSV is GET /ledger.csv: one row per interval, clipped to the range,
// in the store's order (the ongoing ones, then by end). It streams page by
// page from the store, so a year of history never sits in memory; an error
// after the first byte can only cut the file short, so it is logged.
func (h *Handler) ledgerCSV(c *fiber.Ctx) error {
	now := h.opts.Now()
	settings := h.ledgerSettings()
	req, err := parseLedger(c, settings, now)
	if err != nil {
		return err
	}
	f, err := h.ledgerFilter(c.UserContext(), req)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Attachment(exportName("ledger", req.rng, "csv"))
	ctx := context.WithoutCancel(c.UserContext())
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		out := csv.NewWriter(w)
		_ = out.Write(intervalHeader)
		err := h.store.LedgerIntervals(ctx, f, func(rows []store.LedgerRow) error {
			for _, r := range rows {
				if iv, ok := clipForExport(intervalOf(r), req.rng, now, settings); ok {
					_ = out.Write(intervalRecord(iv, now))
				}
			}
			out.Flush()
			return out.Error()
		})
		if err == nil {
			out.Flush()
			err = out.Error()
		}
		if err != nil {
			h.log.Error("ledger export cut short", "err", err)
		}
	})
	return nil
}

// clipForExport is what Build does to each interval, one at a time.
func clipForExport(iv ledger.Interval, r ledger.Range, now time.Time, s ledger.Settings) (ledger.Interval, bool) {
	if iv.Ongoing {
		iv.End = now
	}
	iv.Counted = s.Counts(iv.Severity)
	return r.Clip(iv)
}

// intervalRecord is one CSV row. A still-open interval that runs to now
// has no end yet: the cell is empty and the duration is so far.
func intervalRecord(iv ledger.Interval, now time.Time) []string {
	end := utcISO(iv.End)
	if iv.Ongoing && !iv.End.Before(now) {
		end = ""
	}
	return []string{
		iv.Component, iv.Source, iv.NotificationID, iv.Title, iv.Severity, utcISO(iv.Start), end,
		seconds(iv.Duration()), strconv.FormatBool(iv.Counted), strconv.FormatBool(iv.Remediated),
	}
}

// ledgerSummaryCSV is GET /ledger/summary.csv: one row per component.
func (h *Handler) ledgerSummaryCSV(c *fiber.Ctx) error {
	req, rep, err := h.ledgerReport(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Attachment(exportName("ledger-summary", req.rng, "csv"))
	out := csv.NewWriter(c.Response().BodyWriter())
	_ = out.Write(summaryHeader)
	currency := h.ledgerSettings().Currency
	for _, s := range rep.Components {
		_ = out.Write([]string{
			s.Component, strconv.Itoa(s.Incidents), seconds(s.Downtime), seconds(s.MTTR), seconds(s.Longest),
			decimal(s.Availability, 4), decimal(s.Target.SLA, 4), strconv.FormatBool(s.Met()), seconds(s.BudgetLeft),
			decimal(s.Cost, 2), currency, seconds(s.Remediated), seconds(s.ByHand),
		})
	}
	out.Flush()
	return out.Error()
}

func utcISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// seconds is a duration in whole seconds, as the exports give them.
func seconds(d time.Duration) string {
	return strconv.FormatInt(wholeSeconds(d), 10)
}

func decimal(v float64, places int) string {
	return strconv.FormatFloat(v, 'f', places, 64)
}
