package handlers

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store/ledger"
	"github.com/alertgate/alertgate/views"
)

// maxLedgerRange bounds what one page, chart or API answer covers; the CSV
// export streams and takes any range.
const maxLedgerRange = 400 * 24 * time.Hour

// defaultPreset is the range of a ledger URL that names none.
const defaultPreset = "this-month"

// ledgerRequest is a parsed ledger URL: the range resolved in its zone.
type ledgerRequest struct {
	query views.LedgerQuery
	rng   ledger.Range
	zone  *time.Location
}

// parseLedger reads the range and filters. Any parameter that makes no
// sense is a 400 naming it; nothing is guessed.
func parseLedger(c *fiber.Ctx, settings ledger.Settings, now time.Time) (ledgerRequest, error) {
	q := views.LedgerQuery{
		Range: c.Query("range"), From: c.Query("from"), To: c.Query("to"), Source: c.Query("source"),
		Component: c.Query("component"), Severity: c.Query("severity"), TZ: c.Query("tz"),
	}
	req := ledgerRequest{query: q, zone: settings.Zone()}
	if q.TZ != "" {
		loc, err := time.LoadLocation(q.TZ)
		if err != nil {
			return req, badRequest("tz %q is not a time zone name such as Europe/Amsterdam or UTC", q.TZ)
		}
		req.zone = loc
	}
	if q.Severity != "" && alert.Severity(q.Severity).Rank() == 0 {
		return req, badRequest("severity %q is not one of %v", q.Severity, alert.Severities)
	}
	rng, err := ledgerRange(q, now, req.zone)
	if err != nil {
		return req, err
	}
	req.rng = rng
	return req, nil
}

// ledgerRange is a preset, or from and to. A preset in the URL wins over
// dates, so switching the range keeps working from a custom one's form.
func ledgerRange(q views.LedgerQuery, now time.Time, zone *time.Location) (ledger.Range, error) {
	name := q.Range
	if name == "" && q.From == "" && q.To == "" {
		name = defaultPreset
	}
	if name != "" && name != "custom" {
		r, err := ledger.Preset(name, now, zone)
		if err != nil {
			return r, badRequest("range %q is not one of %v or custom", name, ledger.Presets)
		}
		return r, nil
	}
	if q.From == "" || q.To == "" {
		return ledger.Range{}, badRequest("a custom range needs both from and to (a date such as 2026-03-01 or an RFC 3339 time)")
	}
	from, err := parseBound("from", q.From, zone, false)
	if err != nil {
		return ledger.Range{}, err
	}
	to, err := parseBound("to", q.To, zone, true)
	if err != nil {
		return ledger.Range{}, err
	}
	if !from.Before(to) {
		return ledger.Range{}, badRequest("from (%s) must be before to (%s)", q.From, q.To)
	}
	return ledger.Range{From: from, To: to}, nil
}

// parseBound reads an RFC 3339 time, or a date in zone. A date as the end
// of a range includes that whole day, as people mean "March 1 to 31".
func parseBound(name, s string, zone *time.Location, end bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, zone)
	if err != nil {
		return time.Time{}, badRequest("%s %q is neither a date such as 2026-03-01 nor an RFC 3339 time such as 2026-03-01T00:00:00Z", name, s)
	}
	if end {
		d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, zone)
	}
	return d, nil
}

// checkSpan refuses ranges longer than a page or an API answer should
// hold in memory.
func (r ledgerRequest) checkSpan() error {
	if r.rng.Duration() > maxLedgerRange {
		return badRequest("the range is longer than %d days; export it as CSV, which has no limit", int(maxLedgerRange.Hours()/24))
	}
	return nil
}

func badRequest(format string, args ...any) error {
	return fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf(format, args...))
}
