package handlers

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/store"
)

// The export of a whole year is read from the store a page (2,000 rows)
// at a time; every row of every page arrives once, in order: the ongoing
// ones, then by end.
func TestLedgerCSVExportsEveryRowOfAYear(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "vera", store.RoleViewer)
	const n = 4500
	fillLedgerYear(t, ta, n, 7)
	ta.clock.Set(ledgerBenchNow)
	r := ta.signedIn(t, "vera").get("/ledger.csv?range=custom&from=2025-01-01&to=2025-12-31")
	expectStatus(t, r, http.StatusOK)
	records, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	if len(records) != n+1 {
		t.Fatalf("%d rows, want %d", len(records)-1, n)
	}
	seen := map[string]bool{}
	var last time.Time
	for i, rec := range records[1:] {
		id, end := rec[2], rec[6]
		if seen[id] {
			t.Fatalf("row %d: %s twice", i, id)
		}
		seen[id] = true
		if i < 20 {
			if end != "" {
				t.Errorf("row %d ends at %q; the 20 ongoing come first", i, end)
			}
			continue
		}
		at, err := time.Parse(time.RFC3339, end)
		if err != nil || at.Before(last) {
			t.Fatalf("row %d ends at %q, after %s: not in order of end", i, end, last)
		}
		last = at
	}
}

// A title with a comma, double quotes and a line break is one quoted field
// (RFC 4180: quotes doubled), and encoding/csv reads it back as it was.
func TestLedgerCSVQuotesTitles(t *testing.T) {
	ta := newLedgerApp(t)
	src := ta.genericSource(t, "mon")
	title := "Disk \"full\", on db-1\nsince the backup"
	opened := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	closed := opened.Add(time.Hour)
	insertSpans(t, ta, func(yield func(span) bool) {
		yield(span{id: "7f0c8a52-0000-4000-8000-000000000001", title: title, component: "db, primary",
			severity: "critical", sourceID: src, opened: opened, closed: &closed})
	})
	ta.addUser(t, "vera", store.RoleViewer)
	r := ta.signedIn(t, "vera").get("/ledger.csv?range=custom&from=2026-03-01&to=2026-03-31")
	expectStatus(t, r, http.StatusOK)
	if want := `"Disk ""full"", on db-1` + "\nsince the backup\""; !strings.Contains(r.body, want) {
		t.Errorf("the title is not quoted as RFC 4180 has it (%q):\n%s", want, r.body)
	}
	records, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v\n%s", err, r.body)
	}
	if len(records) != 2 {
		t.Fatalf("%d records, want the header and one row: %q", len(records), records)
	}
	got := records[1]
	if got[0] != "db, primary" || got[3] != title || got[7] != "3600" {
		t.Errorf("row = %q, want component %q, title %q, 3600 seconds", got, "db, primary", title)
	}
}
