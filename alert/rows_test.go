package alert

import (
	"path/filepath"
	"testing"
	"time"
)

// row is what a fixture table asserts on for each event of a delivery.
type row struct {
	key      string
	typ      Type
	severity Severity
	title    string
	comp     string
}

// fixtureCase is one fixture's expected events, or the words of the
// DecodeError it must give when err is set.
type fixtureCase struct {
	rows []row
	err  []string
	note string
	at   []time.Time // OccurredAt per event, when asserted
}

// checkFixtures decodes every file of dir with kind and holds it to table,
// requiring that every fixture has a line in it.
func checkFixtures(t *testing.T, kind, dir string, table map[string]fixtureCase, req func(body []byte) Request) {
	t.Helper()
	requireCovered(t, filepath.Join(fixturesDir, dir), "*.json", table)
	for name, want := range table {
		t.Run(name, func(t *testing.T) {
			d, err := mustKind(t, kind).Decode(req(readFixture(t, filepath.Join(dir, name))))
			if want.err != nil {
				wantDecodeError(t, err, want.err...)
				return
			}
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			checkRows(t, d, want)
		})
	}
}

func checkRows(t *testing.T, d Delivery, want fixtureCase) {
	t.Helper()
	if len(d.Events) != len(want.rows) {
		t.Fatalf("got %d events, want %d", len(d.Events), len(want.rows))
	}
	for i, ev := range d.Events {
		got := row{ev.Key, ev.Type, ev.Severity, ev.Title, ev.Component.Name}
		if got != want.rows[i] {
			t.Errorf("event %d\n got %+v\nwant %+v", i, got, want.rows[i])
		}
		if i < len(want.at) && !ev.OccurredAt.Equal(want.at[i]) {
			t.Errorf("event %d occurred at %v, want %v", i, ev.OccurredAt, want.at[i])
		}
	}
	if d.Note != want.note {
		t.Errorf("note = %q, want %q", d.Note, want.note)
	}
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}
