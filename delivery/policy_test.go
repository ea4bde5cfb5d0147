package delivery

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	netErr := errors.New("dial tcp: connection refused")
	tests := []struct {
		status int
		err    error
		want   Outcome
	}{
		{200, nil, Delivered},
		{202, nil, Delivered},
		{204, nil, Delivered},
		{200, errors.New("reading body: unexpected EOF"), Delivered},
		{0, netErr, Retry},
		{429, nil, Retry},
		{500, nil, Retry},
		{502, nil, Retry},
		{503, nil, Retry},
		{504, nil, Retry},
		{410, nil, Gone},
		{400, nil, Failed},
		{401, nil, Failed},
		{403, nil, Failed},
		{404, nil, Failed},
		{408, nil, Failed},
		{413, nil, Failed},
		{422, nil, Failed},
		{301, nil, Failed},
		{304, nil, Failed},
		{0, nil, Failed},
	}
	for _, tt := range tests {
		if got := Classify(tt.status, tt.err); got != tt.want {
			t.Errorf("Classify(%d, %v) = %s, want %s", tt.status, tt.err, got, tt.want)
		}
	}
}

// TestSchedule is the whole policy: the wait after each failed attempt,
// with the delivery young enough that the 24 h limit does not apply.
func TestSchedule(t *testing.T) {
	want := []time.Duration{
		5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute,
		time.Hour, time.Hour, time.Hour,
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, w := range want {
		attempt := i + 1
		if got := Delay(attempt); got != w {
			t.Errorf("Delay(%d) = %v, want %v", attempt, got, w)
		}
		now := t0.Add(time.Minute)
		next, out := NextAttempt(attempt, t0, now, "")
		if out != Retry || next.Sub(now) != w {
			t.Errorf("NextAttempt(%d) = %v after now, %s; want %v, retry", attempt, next.Sub(now), out, w)
		}
	}
	if Delay(0) != 5*time.Second || Delay(-3) != 5*time.Second {
		t.Error("attempts below 1 count as the first")
	}
}

// TestScheduleSpansADay follows the schedule from the first attempt: it
// retries for 24 h and then gives up.
func TestScheduleSpansADay(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now, attempt := t0, 1
	for {
		next, out := NextAttempt(attempt, t0, now, "")
		if out == Dead {
			if !next.IsZero() {
				t.Errorf("dead with a next time %v", next)
			}
			break
		}
		if out != Retry || next.Sub(t0) > MaxRetryWindow {
			t.Fatalf("attempt %d: %v at %v", attempt, out, next.Sub(t0))
		}
		now, attempt = next, attempt+1
	}
	// 5s+30s+2m+10m+30m = 42m35s, then hourly: attempts at +1h42m35s …
	// +23h42m35s; the next would be past the day.
	if elapsed := now.Sub(t0); elapsed != 23*time.Hour+42*time.Minute+35*time.Second {
		t.Errorf("last attempt at +%v", elapsed)
	}
	if attempt != 29 {
		t.Errorf("gave up after attempt %d, want 29", attempt)
	}
}

func TestNextAttemptDeadline(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		attempt    int
		now        time.Time
		retryAfter string
		want       Outcome
	}{
		{"next lands exactly on 24 h", 20, t0.Add(23 * time.Hour), "", Retry},
		{"next lands past 24 h", 20, t0.Add(23*time.Hour + time.Second), "", Dead},
		{"already past 24 h", 2, t0.Add(25 * time.Hour), "", Dead},
		{"retry-after pushes past 24 h", 2, t0.Add(23*time.Hour + 30*time.Minute), "3600", Dead},
		{"short retry-after within the day", 2, t0.Add(23*time.Hour + 30*time.Minute), "60", Retry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, got := NextAttempt(tt.attempt, t0, tt.now, tt.retryAfter); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestNextAttemptRetryAfter(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0.Add(time.Minute)
	tests := []struct {
		name       string
		attempt    int
		retryAfter string
		want       time.Duration
	}{
		{"seconds longer than the policy", 1, "120", 2 * time.Minute},
		{"seconds shorter than the policy", 3, "3", 2 * time.Minute},
		{"zero", 1, "0", 5 * time.Second},
		{"capped at an hour", 1, "86400", time.Hour},
		{"overflowing seconds capped", 1, "99999999999999999999999", time.Hour},
		{"http date", 1, now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"http date in the past", 2, now.Add(-time.Hour).Format(http.TimeFormat), 30 * time.Second},
		{"http date far ahead capped", 1, now.Add(48 * time.Hour).Format(http.TimeFormat), time.Hour},
		{"malformed ignored", 1, "soon", 5 * time.Second},
		{"negative ignored", 1, "-30", 5 * time.Second},
		{"empty", 4, "", 10 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, out := NextAttempt(tt.attempt, t0, now, tt.retryAfter)
			if out != Retry || next.Sub(now) != tt.want {
				t.Errorf("waits %v (%s), want %v", next.Sub(now), out, tt.want)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		v      string
		want   time.Duration
		wantOK bool
	}{
		{"120", 120 * time.Second, true},
		{" 30 ", 30 * time.Second, true},
		{"0", 0, true},
		{"Mon, 04 May 2026 10:02:00 GMT", 2 * time.Minute, true},   // IMF-fixdate
		{"Monday, 04-May-26 10:00:30 GMT", 30 * time.Second, true}, // RFC 850
		{"Mon May  4 10:01:00 2026", time.Minute, true},            // asctime
		{"Mon, 04 May 2026 09:00:00 GMT", 0, true},
		{"", 0, false},
		{"1.5", 0, false},
		{"-1", 0, false},
		{"+10", 0, false},
		{"in a minute", 0, false},
		{"2026-05-04T10:02:00Z", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseRetryAfter(tt.v, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.v, got, ok, tt.want, tt.wantOK)
		}
	}
}
