package handlers

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	rtmetrics "runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
)

// ledgerBenchNow is the clock of the ledger benchmark: the filled year
// runs from January 1 to here, so "this month" is December.
var ledgerBenchNow = time.Date(2025, 12, 31, 12, 0, 0, 0, time.UTC)

// BenchmarkLedger fills a year with 100,000 notifications for 50 components
// and measures, through the whole app with a signed-in session:
//
//   - page/*: the ledger page for one month (the target is a median
//     under 100 ms). The latest month is what "this month" shows; January
//     is the worst case, with most of the history closing after it.
//     median-ms is the median of the iterations.
//   - csv/*: the CSV export of a month and of the whole year over a
//     loopback connection. B/row is bytes allocated per row (server and
//     client); peak-live-MB is the most the heap held after any GC during
//     the export, which stays flat from a month to twelve if it streams
//     (the year's summary, which holds every interval, is the control).
func BenchmarkLedger(b *testing.B) {
	ta := newTestApp(b)
	ta.addUser(b, "alice", store.RoleViewer)
	br := ta.signedIn(b, "alice")
	fillLedgerYear(b, ta, 100_000, 50)
	ta.clock.Set(ledgerBenchNow)
	for _, c := range []struct{ name, query string }{
		{"this-month", "range=this-month"},
		{"june", "range=custom&from=2025-06-01&to=2025-06-30"},
		{"january", "range=custom&from=2025-01-01&to=2025-01-31"},
	} {
		b.Run("page/"+c.name, func(b *testing.B) {
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

	// app.Test buffers the whole response, so the export goes over a socket.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go ta.app.Listener(ln)
	defer ta.app.Shutdown()
	for _, c := range []struct{ name, path string }{
		{"month", "/ledger.csv?range=custom&from=2025-06-01&to=2025-06-30"},
		{"year", "/ledger.csv?range=custom&from=2025-01-01&to=2025-12-31"},
		// The control: the summary needs every interval of the range at once.
		{"summary-year", "/ledger/summary.csv?range=custom&from=2025-01-01&to=2025-12-31"},
	} {
		b.Run("csv/"+c.name, func(b *testing.B) {
			req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+c.path, nil)
			for k, v := range br.cookies {
				req.AddCookie(&http.Cookie{Name: k, Value: v})
			}
			b.ReportAllocs()
			rows, peak := 0, uint64(0)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				stop := watchLiveHeap()
				n, err := countLines(req)
				peak = max(peak, stop())
				if err != nil {
					b.Fatal(err)
				}
				rows += n - 1
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(rows)/float64(b.N), "rows/op")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(rows), "B/row")
			b.ReportMetric(float64(peak)/(1<<20), "peak-live-MB")
		})
	}
}

// countLines fetches a URL and counts the lines of its body without
// keeping it.
func countLines(req *http.Request) (int, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", req.URL, resp.Status)
	}
	n, buf := 0, make([]byte, 32<<10)
	for {
		k, err := resp.Body.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// watchLiveHeap samples the heap that survived the latest GC until the
// returned function is called, which returns the most it saw.
func watchLiveHeap() func() uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		s := []rtmetrics.Sample{{Name: "/gc/heap/live:bytes"}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			rtmetrics.Read(s)
			peak.Store(max(peak.Load(), s[0].Value.Uint64()))
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak.Load()
	}
}

// span is one notification as the ledger tests and benchmark write it.
type span struct {
	id, title, component, severity string
	sourceID                       int64
	opened                         time.Time
	closed, remediated             *time.Time
}

// insertSpans writes notifications straight into the table in one
// transaction, as ingest would have left them: the ledger reads rows, and
// a year of deliveries through ingest would take minutes.
func insertSpans(tb testing.TB, ta *testApp, spans func(yield func(span) bool)) {
	tb.Helper()
	ctx := context.Background()
	err := ta.store.Tx(ctx, func(q *db.Queries) error {
		for s := range spans {
			sev := alert.Severity(s.severity)
			res, err := q.InsertNotification(ctx, db.InsertNotificationParams{
				ID: s.id, SourceID: s.sourceID, LifecycleKey: s.id, Severity: s.severity, SeverityRank: int64(sev.Rank()),
				Title: s.title, Component: s.component, ComponentJson: "{}", MonitorJson: "{}", LabelsJson: "{}",
				Host: s.component + "-1", OpenedAt: s.opened, FirstSeen: s.opened, LastSeen: s.opened,
			})
			if err != nil {
				return err
			}
			seq, err := res.LastInsertId()
			if err != nil {
				return err
			}
			if s.closed != nil {
				end := sql.NullTime{Time: *s.closed, Valid: true}
				if err := q.CloseNotification(ctx, db.CloseNotificationParams{CloseReason: "resolved", ClosedAt: end, LastSeen: *s.closed, Seq: seq}); err != nil {
					return err
				}
			}
			if s.remediated != nil {
				if _, err := q.MarkRemediated(ctx, db.MarkRemediatedParams{RemediatedAt: sql.NullTime{Time: *s.remediated, Valid: true}, ID: s.id}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// fillLedgerYear stores n notifications spread over 2025 up to
// ledgerBenchNow across the given number of components and three sources:
// most last minutes, one in a hundred up to three days, the last twenty
// are still open and one in ten ended after an automatic remediation.
func fillLedgerYear(tb testing.TB, ta *testApp, n, components int) {
	tb.Helper()
	sources := []int64{ta.genericSource(tb, "prometheus"), ta.genericSource(tb, "stackstate"), ta.genericSource(tb, "pingdom")}
	rng := rand.New(rand.NewPCG(6, uint64(n)))
	year := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	opened := make([]time.Time, n)
	for i := range opened {
		opened[i] = year.Add(time.Duration(rng.Int64N(int64(ledgerBenchNow.Sub(year)))))
	}
	// Rows arrive roughly in order of their start, as deliveries do.
	slices.SortFunc(opened, func(a, b time.Time) int { return a.Compare(b) })
	const stillOpen = 20
	insertSpans(tb, ta, func(yield func(span) bool) {
		for i, at := range opened {
			component := fmt.Sprintf("service-%02d", i%components)
			s := span{
				id: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), sourceID: sources[i%len(sources)],
				title: "HTTP 5xx rate above 5% on " + component, component: component,
				severity: string(alert.Severities[i%3]), opened: at,
			}
			if i < n-stillOpen {
				d := time.Duration(rng.Int64N(int64(time.Hour)))
				if rng.IntN(100) == 0 {
					d = time.Duration(rng.Int64N(int64(72 * time.Hour)))
				}
				end := at.Add(d)
				if end.After(ledgerBenchNow) {
					end = ledgerBenchNow
				}
				s.closed = &end
				if i%10 == 0 {
					fix := end.Add(-time.Second)
					s.remediated = &fix
				}
			}
			if !yield(s) {
				return
			}
		}
	})
}
