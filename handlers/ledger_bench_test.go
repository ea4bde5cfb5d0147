package handlers

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
)

// ledgerYearEnd is the end of the year the ledger benchmark fills; its
// clock stands half a day before it, so "this month" is December.
var ledgerYearEnd = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// BenchmarkLedgerPage renders the ledger page for one month out of 100,000
// notifications over a year for 50 components (the target is a
// median under 100 ms), through the whole app with a signed-in session.
// The latest month is what "this month" shows; the first month is the
// worst case, with most of the history closing after it. median-ms is the
// median of the iterations' times.
func BenchmarkLedgerPage(b *testing.B) {
	ta := newTestApp(b)
	ta.addUser(b, "alice", store.RoleViewer)
	br := ta.signedIn(b, "alice")
	fillLedgerYear(b, ta, 100_000, 50)
	ta.clock.now = ledgerYearEnd.Add(-12 * time.Hour)
	for _, c := range []struct{ name, query string }{
		{"this-month", "range=this-month"},
		{"june", "range=custom&from=2025-06-01&to=2025-06-30"},
		{"january", "range=custom&from=2025-01-01&to=2025-01-31"},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/ledger?"+c.query, nil)
			for k, v := range br.cookies {
				req.AddCookie(&http.Cookie{Name: k, Value: v})
			}
			b.ReportAllocs()
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				resp, err := ta.app.Test(req, -1)
				if err != nil || resp.StatusCode != http.StatusOK {
					b.Fatalf("GET %s: %v %v", req.URL, err, resp)
				}
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2])/float64(time.Millisecond), "median-ms")
		})
	}
}

// fillLedgerYear stores n notifications spread over the year before
// ledgerYearEnd across the given number of components, straight into the
// table in one transaction (the ingest path would take minutes): most last
// minutes, one in a hundred up to three days, and the last few are still
// open. One in ten ended after an automatic remediation.
func fillLedgerYear(b *testing.B, ta *testApp, n, components int) {
	b.Helper()
	ctx := context.Background()
	sources := []int64{ta.genericSource(b, "prometheus"), ta.genericSource(b, "stackstate"), ta.genericSource(b, "pingdom")}
	rng := rand.New(rand.NewPCG(6, 100_000))
	year := ledgerYearEnd.AddDate(-1, 0, 0)
	opened := make([]time.Time, n)
	for i := range opened {
		opened[i] = year.Add(time.Duration(rng.Int64N(int64(ledgerYearEnd.Sub(year)))))
	}
	// Rows arrive roughly in order of their start, as deliveries do.
	slices.SortFunc(opened, func(a, b time.Time) int { return a.Compare(b) })
	const stillOpen = 20
	err := ta.store.Tx(ctx, func(q *db.Queries) error {
		for i, at := range opened {
			sev := alert.Severities[i%3]
			component := fmt.Sprintf("service-%02d", i%components)
			id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
			seq, err := q.InsertNotification(ctx, db.InsertNotificationParams{
				ID: id, SourceID: sources[i%len(sources)], LifecycleKey: fmt.Sprint("k", i),
				Severity: string(sev), SeverityRank: int64(sev.Rank()),
				Title: fmt.Sprintf("HTTP 5xx rate above 5%% on %s", component), Component: component,
				ComponentJson: "{}", MonitorJson: "{}", LabelsJson: "{}", Host: component + "-1",
				OpenedAt: at, FirstSeen: at, LastSeen: at,
			})
			if err != nil {
				return err
			}
			if i >= n-stillOpen {
				continue
			}
			d := time.Duration(rng.Int64N(int64(time.Hour)))
			if rng.IntN(100) == 0 {
				d = time.Duration(rng.Int64N(int64(72 * time.Hour)))
			}
			end := at.Add(d)
			if err := q.CloseNotification(ctx, db.CloseNotificationParams{CloseReason: "resolved", ClosedAt: sql.NullTime{Time: end, Valid: true}, LastSeen: end, Seq: seq}); err != nil {
				return err
			}
			if i%10 == 0 {
				if _, err := q.MarkRemediated(ctx, db.MarkRemediatedParams{RemediatedAt: sql.NullTime{Time: end.Add(-time.Second), Valid: true}, ID: id}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
