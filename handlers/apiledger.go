package handlers

import (
	"math"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/store/ledger"
)

// apiLedgerReport is GET /api/v1/ledger: the page's figures as JSON. Times
// are UTC RFC 3339; durations are whole seconds.
type apiLedgerReport struct {
	From       time.Time            `json:"from"`
	To         time.Time            `json:"to"`
	TimeZone   string               `json:"timezone"`
	Currency   string               `json:"currency"`
	Components []apiLedgerComponent `json:"components"`
	Total      apiLedgerComponent   `json:"total"`
	Intervals  []apiLedgerInterval  `json:"intervals"`
}

// apiLedgerComponent is one component's figures. Availability and
// sla_target are percentages.
type apiLedgerComponent struct {
	Component         string  `json:"component"`
	Incidents         int     `json:"incidents"`
	DowntimeSeconds   int64   `json:"downtime_seconds"`
	MTTRSeconds       int64   `json:"mttr_seconds"`
	LongestSeconds    int64   `json:"longest_seconds"`
	Availability      float64 `json:"availability"`
	SLATarget         float64 `json:"sla_target"`
	Met               bool    `json:"met"`
	BudgetLeftSeconds int64   `json:"error_budget_left_seconds"`
	Cost              float64 `json:"cost"`
	RemediatedSeconds int64   `json:"remediated_seconds"`
	ByHandSeconds     int64   `json:"by_hand_seconds"`
	Ongoing           bool    `json:"ongoing"`
}

// apiLedgerInterval is one notification's downtime, clipped to the range;
// an ongoing one ends now.
type apiLedgerInterval struct {
	Component       string    `json:"component"`
	Source          string    `json:"source"`
	NotificationID  string    `json:"notification_id"`
	Title           string    `json:"title"`
	Severity        string    `json:"severity"`
	Start           time.Time `json:"start"`
	End             time.Time `json:"end"`
	DurationSeconds int64     `json:"duration_seconds"`
	Ongoing         bool      `json:"ongoing"`
	Counted         bool      `json:"counted"`
	Remediated      bool      `json:"remediated"`
}

func (h *Handler) apiLedger(c *fiber.Ctx) error {
	req, rep, err := h.ledgerReport(c)
	if err != nil {
		return err
	}
	out := apiLedgerReport{
		From: rep.Range.From.UTC(), To: rep.Range.To.UTC(), TimeZone: req.zone.String(),
		Currency: h.ledgerSettings().Currency, Total: componentJSON(rep.Total),
		Components: make([]apiLedgerComponent, len(rep.Components)), Intervals: make([]apiLedgerInterval, len(rep.Intervals)),
	}
	for i, s := range rep.Components {
		out.Components[i] = componentJSON(s)
	}
	for i, iv := range rep.Intervals {
		out.Intervals[i] = apiLedgerInterval{
			Component: iv.Component, Source: iv.Source, NotificationID: iv.NotificationID, Title: iv.Title,
			Severity: iv.Severity, Start: iv.Start.UTC(), End: iv.End.UTC(), DurationSeconds: wholeSeconds(iv.Duration()),
			Ongoing: iv.Ongoing, Counted: iv.Counted, Remediated: iv.Remediated,
		}
	}
	return c.JSON(out)
}

func componentJSON(s ledger.Summary) apiLedgerComponent {
	return apiLedgerComponent{
		Component: s.Component, Incidents: s.Incidents, DowntimeSeconds: wholeSeconds(s.Downtime),
		MTTRSeconds: wholeSeconds(s.MTTR), LongestSeconds: wholeSeconds(s.Longest),
		Availability: round(s.Availability, 4), SLATarget: s.Target.SLA, Met: s.Met(),
		BudgetLeftSeconds: wholeSeconds(s.BudgetLeft), Cost: s.Cost,
		RemediatedSeconds: wholeSeconds(s.Remediated), ByHandSeconds: wholeSeconds(s.ByHand), Ongoing: s.Ongoing,
	}
}

func wholeSeconds(d time.Duration) int64 { return int64(d.Round(time.Second) / time.Second) }

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}
