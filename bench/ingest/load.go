package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/alertgate/alertgate/alert"
)

// load is one measurement: conns connections posting for duration.
type load struct {
	url, secret string
	conns       int
	duration    time.Duration
	// run keeps the keys of one measurement apart from every other's, so
	// a target that was measured before never answers "duplicate".
	run string
}

// result is what one measurement saw.
type result struct {
	name      string
	elapsed   time.Duration
	requests  int
	accepted  int // 200 with status "accepted": what the sender counts as delivered
	non2xx    int
	errors    int // no HTTP answer at all (refused, reset, timeout)
	latencies []time.Duration
	firstBad  string // the first non-2xx answer or error, to say why
}

// worker is one connection's share, merged after the run so the hot loop
// takes no lock.
type worker struct {
	requests, accepted, non2xx, errors int
	latencies                          []time.Duration
	firstBad                           string
}

// measure posts uniquely keyed, signed generic deliveries from conns
// goroutines until duration has passed, then waits for the answers still in
// flight. Each goroutine keeps one keep-alive connection busy.
func (l load) measure(ctx context.Context, name string) result {
	client := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			// One idle connection per worker: without this net/http keeps
			// two and opens (and closes) the rest on every request.
			MaxIdleConns:        l.conns,
			MaxIdleConnsPerHost: l.conns,
			MaxConnsPerHost:     l.conns,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
	}
	defer client.CloseIdleConnections()

	ctx, cancel := context.WithTimeout(ctx, l.duration)
	defer cancel()
	workers := make([]worker, l.conns)
	start := time.Now()
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			w := &workers[g]
			for i := 0; ctx.Err() == nil; i++ {
				key := fmt.Sprintf("bench-%s-%d-%d", l.run, g, i)
				t0 := time.Now()
				status, answer, err := l.post(client, key)
				w.requests++
				switch {
				case err != nil:
					w.errors++
					w.bad(err.Error())
					continue
				case status < 200 || status > 299:
					w.non2xx++
					w.bad(fmt.Sprintf("status %d %s", status, answer))
				case answer == "accepted":
					w.accepted++
				}
				w.latencies = append(w.latencies, time.Since(t0))
			}
		})
	}
	wg.Wait()
	r := result{name: name, elapsed: time.Since(start)}
	for _, w := range workers {
		r.requests += w.requests
		r.accepted += w.accepted
		r.non2xx += w.non2xx
		r.errors += w.errors
		r.latencies = append(r.latencies, w.latencies...)
		if r.firstBad == "" {
			r.firstBad = w.firstBad
		}
	}
	slices.Sort(r.latencies)
	return r
}

func (w *worker) bad(why string) {
	if w.firstBad == "" {
		w.firstBad = why
	}
}

// post sends one delivery as OpenRemedy does: the body signed with
// X-Signature: sha256=<hex HMAC-SHA256(secret, body)>. The key names both
// the delivery (Idempotency-Key) and its notification (body "key"): a burst
// of distinct alerts, the case that must never be throttled.
func (l load) post(client *http.Client, key string) (status int, answer string, err error) {
	body := fmt.Sprintf(`{"key":%q,"hostname":"bench-host","incident_type":"load_test","severity":"high","evidence":{"used_pct":97}}`, key)
	req, err := http.NewRequest(http.MethodPost, l.url, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	req.Header.Set("X-Signature", alert.SignGeneric(l.secret, []byte(body)))
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, "", err
	}
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
	}
	if json.Unmarshal(b, &r) != nil {
		return resp.StatusCode, strings.TrimSpace(string(b)), nil
	}
	return resp.StatusCode, r.Status + r.Error, nil
}

// perSecond is accepted deliveries per second of wall time, the in-flight
// tail included.
func (r result) perSecond() float64 {
	return float64(r.accepted) / r.elapsed.Seconds()
}

// percentile is the latency below which p percent of the answered requests
// fall (nearest rank).
func (r result) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.latencies))*p/100+0.5) - 1
	return r.latencies[min(max(i, 0), len(r.latencies)-1)]
}

func (r result) String() string {
	s := fmt.Sprintf("%-9s %8.0f accepted/s  p50 %-8s p95 %-8s p99 %-8s  requests %d, accepted %d, non-2xx %d, errors %d, in %s",
		r.name, r.perSecond(), ms(r.percentile(50)), ms(r.percentile(95)), ms(r.percentile(99)),
		r.requests, r.accepted, r.non2xx, r.errors, r.elapsed.Round(time.Millisecond))
	if r.firstBad != "" {
		s += "\n          first failure: " + r.firstBad
	}
	return s
}

// ms prints a latency in milliseconds with two decimals, the scale the
// targets are written in.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000)
}
