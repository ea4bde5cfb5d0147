package delivery

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Outcome is what one attempt means for its delivery.
type Outcome string

// The outcomes of an attempt.
const (
	// Delivered: the receiver answered 2xx.
	Delivered Outcome = "delivered"
	// Retry: a network error, 5xx or 429; try again later.
	Retry Outcome = "retry"
	// Failed: the receiver refused the message (a 4xx other than 410 and
	// 429, or an unfollowed redirect); sending it again would not help.
	Failed Outcome = "failed"
	// Gone: 410, the receiver says the endpoint no longer exists; the
	// channel is to be disabled.
	Gone Outcome = "gone"
	// Dead: retried for MaxRetryWindow without success; given up.
	Dead Outcome = "dead"
)

// MaxRetryWindow is how long a delivery is retried, counted from its first
// attempt: a day covers a receiver down overnight or for a weekend
// deployment without keeping stale alerts for ever.
const MaxRetryWindow = 24 * time.Hour

// MaxRetryAfter caps a receiver's Retry-After, so a misconfigured receiver
// cannot park a delivery for days; it is the schedule's own longest delay.
const MaxRetryAfter = time.Hour

// schedule is the delay after the n-th failed attempt (schedule[0] after the
// first): quick at first for a blip, then backing off so a receiver that is
// down is not hammered; hourly after the last entry.
var schedule = []time.Duration{
	5 * time.Second,
	30 * time.Second,
	2 * time.Minute,
	10 * time.Minute,
	30 * time.Minute,
}

// Classify turns an attempt's result into an outcome. A status, when there
// is one, decides even if err is set (a body that failed to read after a
// 2xx was still accepted); err alone is a network error and is retried.
func Classify(status int, err error) Outcome {
	switch {
	case status == 0 && err != nil:
		return Retry
	case status >= 200 && status <= 299:
		return Delivered
	case status == http.StatusGone:
		return Gone
	case status == http.StatusTooManyRequests, status >= 500 && status <= 599:
		return Retry
	}
	// Other 4xx, and 1xx/3xx that net/http did not resolve: the request
	// itself or the URL is wrong, and a retry would get the same answer.
	return Failed
}

// Delay is the policy's wait after failed attempt number attempt (from 1).
func Delay(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	if attempt <= len(schedule) {
		return schedule[attempt-1]
	}
	return time.Hour
}

// NextAttempt schedules the attempt after failed attempt number attempt
// (counting from 1), which was made at now; firstTried is when the
// delivery's first attempt was made. The wait is the larger of the policy's
// delay and the receiver's Retry-After (capped at MaxRetryAfter): a receiver
// may ask for more patience but not for hammering. When the next attempt
// would fall after MaxRetryWindow from firstTried, the delivery is Dead and
// the time is zero; otherwise the outcome is Retry.
func NextAttempt(attempt int, firstTried time.Time, now time.Time, retryAfter string) (time.Time, Outcome) {
	wait := Delay(attempt)
	if d, ok := ParseRetryAfter(retryAfter, now); ok {
		wait = max(wait, min(d, MaxRetryAfter))
	}
	next := now.Add(wait)
	if next.After(firstTried.Add(MaxRetryWindow)) {
		return time.Time{}, Dead
	}
	return next, Retry
}

// ParseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date
// (RFC 9110 section 10.2.3). A date in the past is a wait of zero. ok is
// false for an empty or malformed value, which the caller then ignores.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if strings.Trim(v, "0123456789") == "" {
		secs, err := strconv.ParseUint(v, 10, 64)
		if err != nil || secs > math.MaxInt64/uint64(time.Second) {
			// Only overflow gets here: "wait for ages", which the cap
			// turns into an hour.
			return time.Duration(math.MaxInt64), true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}
