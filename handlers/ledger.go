package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/ledger"
	"github.com/alertgate/alertgate/views"
)

// ledgerShown is how many intervals the page lists; the CSV has them all.
const ledgerShown = 500

// ledger is GET /ledger: range and filters, per-component figures, the
// chart and the intervals.
func (h *Handler) ledger(c *fiber.Ctx) error {
	req, rep, err := h.ledgerReport(c)
	if err != nil {
		return err
	}
	var chart bytes.Buffer
	if err := ledger.Chart(&chart, rep); err != nil {
		return err
	}
	sources, err := h.store.SourceNames(c.UserContext())
	if err != nil {
		return err
	}
	l := views.Ledger{
		Query: req.query, Report: rep, Currency: h.ledgerSettings().Currency, Zone: req.zone,
		Sources: sources, Chart: chart.String(), Shown: ledgerShown,
	}
	return render(c, views.LedgerPage(h.page(c, "Ledger", "/ledger"), l))
}

// ledgerChart is GET /ledger/chart.svg, the chart on its own for a report.
func (h *Handler) ledgerChart(c *fiber.Ctx) error {
	_, rep, err := h.ledgerReport(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/svg+xml; charset=utf-8")
	return ledger.Chart(c.Response().BodyWriter(), rep)
}

// sessionOrToken lets a request through on a signed-in session or, for
// scripts that fetch the CSV and the chart for a report, on an API token
// of at least viewer. A bearer header, when sent, must be valid: a script
// with a bad token gets a 401, not the login page.
func (h *Handler) sessionOrToken(session fiber.Handler) fiber.Handler {
	token := h.requireToken(store.RoleViewer)
	return func(c *fiber.Ctx) error {
		if c.Get(fiber.HeaderAuthorization) != "" {
			return token(c)
		}
		return session(c)
	}
}

// ledgerSettings are the provisioned settings, or the defaults.
func (h *Handler) ledgerSettings() ledger.Settings {
	s := h.opts.Ledger
	if s.CountSeverities == nil {
		return ledger.DefaultSettings()
	}
	return s
}

// ledgerReport parses the URL and computes the report over its range.
func (h *Handler) ledgerReport(c *fiber.Ctx) (ledgerRequest, ledger.Report, error) {
	now := h.opts.Now()
	settings := h.ledgerSettings()
	req, err := parseLedger(c, settings, now)
	if err == nil {
		err = req.checkSpan()
	}
	if err != nil {
		return req, ledger.Report{}, err
	}
	f, err := h.ledgerFilter(c.UserContext(), req)
	if err != nil {
		return req, ledger.Report{}, err
	}
	var ivs []ledger.Interval
	err = h.store.LedgerIntervals(c.UserContext(), f, func(rows []store.LedgerRow) error {
		for _, r := range rows {
			ivs = append(ivs, intervalOf(r))
		}
		return nil
	})
	settings.Location = req.zone
	return req, ledger.Build(ivs, req.rng, now, settings), err
}

// ledgerFilter is the store's filter for a request. A source that does not
// exist is a 400, not an empty ledger: a report with a typo must not read
// as "no downtime".
func (h *Handler) ledgerFilter(ctx context.Context, req ledgerRequest) (store.LedgerFilter, error) {
	q := req.query
	f := store.LedgerFilter{From: req.rng.From, To: req.rng.To, Component: q.Component, Severity: q.Severity}
	if q.Source == "" {
		return f, nil
	}
	src, err := h.store.SourceBySlug(ctx, q.Source)
	if errors.Is(err, store.ErrNotFound) {
		return f, badRequest("source %q does not exist", q.Source)
	}
	f.SourceID = src.ID
	return f, err
}

// unnamedComponent is the ledger's name for notifications whose sender
// named no component, host or target.
const unnamedComponent = "(unnamed)"

// intervalOf is a notification as a downtime interval. It counts as
// remediated when an automatic step succeeded before it closed.
func intervalOf(r store.LedgerRow) ledger.Interval {
	iv := ledger.Interval{
		Component: r.Component, Source: r.SourceSlug, NotificationID: r.ID, Title: r.Title,
		Severity: r.Severity, Start: r.OpenedAt.UTC(), Ongoing: r.State == "open",
	}
	if iv.Component == "" {
		iv.Component = unnamedComponent
	}
	if r.ClosedAt.Valid {
		iv.End = r.ClosedAt.Time.UTC()
	}
	iv.Remediated = !iv.Ongoing && r.RemediatedAt.Valid && !r.RemediatedAt.Time.After(iv.End)
	return iv
}

// exportName is the file name a download is saved under.
func exportName(kind string, r ledger.Range, ext string) string {
	return fmt.Sprintf("alertgate-%s-%s-%s.%s", kind, r.From.UTC().Format("20060102T1504Z"), r.To.UTC().Format("20060102T1504Z"), ext)
}
