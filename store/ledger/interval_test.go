package ledger

import (
	"testing"
	"time"
)

// t0 is an arbitrary instant; at(m) is m minutes after it.
var t0 = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func at(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }

func iv(from, to int) Interval { return Interval{Start: at(from), End: at(to)} }

func TestMerge(t *testing.T) {
	remediated := func(i Interval) Interval { i.Remediated = true; return i }
	type span struct{ from, to int }
	cases := []struct {
		name string
		in   []Interval
		want []span
		// wantRemediated is how each outage ended.
		wantRemediated []bool
	}{
		{"none", nil, nil, nil},
		{"disjoint", []Interval{iv(0, 10), iv(20, 30)}, []span{{0, 10}, {20, 30}}, []bool{false, false}},
		{"overlapping", []Interval{iv(0, 10), iv(5, 15)}, []span{{0, 15}}, []bool{false}},
		{"nested", []Interval{iv(0, 30), iv(10, 20)}, []span{{0, 30}}, []bool{false}},
		{"nested, inner remediated", []Interval{iv(0, 30), remediated(iv(10, 20))}, []span{{0, 30}}, []bool{false}},
		{"adjacent", []Interval{iv(0, 10), iv(10, 20)}, []span{{0, 20}}, []bool{false}},
		{"identical", []Interval{iv(0, 10), iv(0, 10)}, []span{{0, 10}}, []bool{false}},
		{"identical, one remediated", []Interval{remediated(iv(0, 10)), iv(0, 10)}, []span{{0, 10}}, []bool{false}},
		{"identical, both remediated", []Interval{remediated(iv(0, 10)), remediated(iv(0, 10))}, []span{{0, 10}}, []bool{true}},
		{"zero-length", []Interval{iv(5, 5)}, nil, nil},
		{"zero-length inside another", []Interval{iv(0, 10), iv(5, 5)}, []span{{0, 10}}, []bool{false}},
		{"unsorted chain", []Interval{iv(40, 50), iv(0, 10), iv(8, 20), iv(19, 25)}, []span{{0, 25}, {40, 50}}, []bool{false, false}},
		{"last to end decides", []Interval{iv(0, 10), remediated(iv(5, 15))}, []span{{0, 15}}, []bool{true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Merge(c.in)
			if len(got) != len(c.want) {
				t.Fatalf("Merge = %v, want %v", got, c.want)
			}
			for i, w := range c.want {
				if !got[i].Start.Equal(at(w.from)) || !got[i].End.Equal(at(w.to)) {
					t.Errorf("outage %d = %s..%s, want minutes %d..%d", i, got[i].Start, got[i].End, w.from, w.to)
				}
				if got[i].Remediated != c.wantRemediated[i] {
					t.Errorf("outage %d remediated = %v, want %v", i, got[i].Remediated, c.wantRemediated[i])
				}
			}
		})
	}
}

func TestClip(t *testing.T) {
	r := Range{at(0), at(60)}
	cases := []struct {
		name     string
		in       Interval
		ok       bool
		from, to int
	}{
		{"inside", iv(10, 20), true, 10, 20},
		{"crosses the start", iv(-30, 15), true, 0, 15},
		{"crosses the end", iv(50, 90), true, 50, 60},
		{"covers the range", iv(-10, 70), true, 0, 60},
		{"before", iv(-20, -10), false, 0, 0},
		{"ends as the range starts", iv(-20, 0), false, 0, 0},
		{"starts as the range ends", iv(60, 70), false, 0, 0},
		{"zero-length inside", iv(30, 30), true, 30, 30},
		{"zero-length at the start", iv(0, 0), true, 0, 0},
		{"zero-length at the end", iv(60, 60), false, 0, 0},
		{"ends before it starts (clock skew)", iv(30, 25), true, 30, 30},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := r.Clip(c.in)
			if ok != c.ok {
				t.Fatalf("Clip ok = %v, want %v", ok, c.ok)
			}
			if ok && (!got.Start.Equal(at(c.from)) || !got.End.Equal(at(c.to))) {
				t.Errorf("Clip = %s..%s, want minutes %d..%d", got.Start, got.End, c.from, c.to)
			}
		})
	}
}
