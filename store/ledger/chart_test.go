package ledger

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// svgFacts are what the tests read back out of a chart.
type svgFacts struct {
	dayGroups []string // data-date of each day group, in order
	legend    []string
	forbidden []string // elements a CSP would block or that run code
}

// parseSVG reads the chart with encoding/xml, failing on anything that is
// not well-formed XML.
func parseSVG(t *testing.T, b []byte) svgFacts {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	var f svgFacts
	var path []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the chart is not well-formed XML: %v\n%s", err, b)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			path = append(path, el.Name.Local+"."+attr(el, "class"))
			if el.Name.Local == "g" && attr(el, "class") == "day" {
				f.dayGroups = append(f.dayGroups, attr(el, "data-date"))
			}
			if el.Name.Local == "script" || el.Name.Local == "style" || attr(el, "style") != "" || attr(el, "onload") != "" {
				f.forbidden = append(f.forbidden, el.Name.Local)
			}
		case xml.EndElement:
			path = path[:len(path)-1]
		case xml.CharData:
			if len(path) > 1 && path[len(path)-2] == "g.legend" && path[len(path)-1] == "text." {
				f.legend = append(f.legend, string(el))
			}
		}
	}
	return f
}

func attr(el xml.StartElement, name string) string {
	for _, a := range el.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func TestChartIsWellFormedWithOneGroupPerDay(t *testing.T) {
	ams := mustZone(t, "Europe/Amsterdam")
	cases := []struct {
		name       string
		r          Range
		loc        *time.Location
		components int
		wantLegend int
	}{
		{"february", Range{time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}, time.UTC, 3, 3},
		{"a week across DST", Range{time.Date(2026, 3, 25, 0, 0, 0, 0, ams), time.Date(2026, 4, 1, 0, 0, 0, 0, ams)}, ams, 1, 1},
		{"many components fold into other", Range{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}, time.UTC, 14, chartSeries + 1},
		{"nothing down", Range{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)}, time.UTC, 0, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ivs []Interval
			for i := range c.components {
				start := c.r.From.Add(time.Duration(i+1) * 7 * time.Hour)
				ivs = append(ivs, Interval{Component: fmt.Sprintf("svc-%02d <&\"x\">", i), Severity: "critical", Start: start, End: start.Add(time.Duration(i+1) * time.Hour)})
			}
			rep := Build(ivs, c.r, c.r.To, Settings{CountSeverities: []string{"critical"}, Location: c.loc})
			var buf bytes.Buffer
			if err := Chart(&buf, rep); err != nil {
				t.Fatal(err)
			}
			f := parseSVG(t, buf.Bytes())
			days := Days(c.r, c.loc)
			if len(f.dayGroups) != len(days) {
				t.Fatalf("%d day groups, want one per day: %d", len(f.dayGroups), len(days))
			}
			for i, d := range days {
				if f.dayGroups[i] != d.Start.Format(time.DateOnly) {
					t.Errorf("group %d is for %s, want %s", i, f.dayGroups[i], d.Start.Format(time.DateOnly))
				}
			}
			if len(f.legend) != c.wantLegend {
				t.Errorf("legend %q has %d entries, want %d", f.legend, len(f.legend), c.wantLegend)
			}
			if c.components > 0 && !strings.HasPrefix(f.legend[0], "svc-") {
				t.Errorf("legend does not name the components: %q", f.legend)
			}
			if len(f.forbidden) > 0 {
				t.Errorf("the chart has %v, which a strict CSP blocks", f.forbidden)
			}
		})
	}
}

func TestNiceCeil(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{{0, 1}, {0.3, 1}, {1, 1}, {1.2, 2}, {3, 5}, {7, 10}, {10, 10}, {11, 20}, {45, 50}, {51, 100}, {240, 500}} {
		if got := niceCeil(c.in); got != c.want {
			t.Errorf("niceCeil(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
