// Command forward measures Alertgate's forwarding: it builds and starts
// Alertgate with a provisioned generic source and -channels provisioned
// channels that all point at an in-process receiver, posts signed generic
// deliveries at a fixed rate (each opening a new notification), and reports
// how many forwarded messages per second the receiver got across all
// channels and how long after a delivery's 200 its notification reached
// the receiver.
//
//	go run ./bench/forward -rate 1000 -duration 10s
//
// Latency is measured twice per notification, both from the moment the
// sender read the webhook's 200: "first" until the first of the channels
// got the forwarded message, "all" until the last of them did. A message
// that arrives before the sender has read the 200 (the worker is woken at
// commit, before the answer is written) counts as 0.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/alertgate/alertgate/alert"

	"github.com/alertgate/alertgate/bench/benchserver"
)

// targetP99 is the forwarding latency the run is judged by, first arrival.
const targetP99 = 100 * time.Millisecond

// warmUp is how long after the first post the steady-state figure starts:
// the first second or so after a start runs on cold connections and a
// small heap. The verdict is judged on the whole run all the same.
const warmUp = 2 * time.Second

func main() {
	var (
		rate     = flag.Int("rate", 1000, "deliveries posted per second")
		duration = flag.Duration("duration", 10*time.Second, "how long to post")
		channels = flag.Int("channels", 8, "provisioned channels, all pointing at the receiver")
		conns    = flag.Int("conns", 128, "most deliveries in flight at once")
		drain    = flag.Duration("drain", 60*time.Second, "longest wait after posting for the forwarded messages")
	)
	flag.Parse()
	if *rate < 1 || *duration <= 0 || *channels < 1 || *conns < 1 || *drain <= 0 {
		fmt.Fprintln(os.Stderr, "forward: want -rate ≥ 1, -duration > 0, -channels ≥ 1, -conns ≥ 1, -drain > 0")
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *rate, *duration, *channels, *conns, *drain); err != nil {
		fmt.Fprintln(os.Stderr, "forward:", err)
		os.Exit(1)
	}
}

// ack is one posted delivery as the sender saw it.
type ack struct {
	at            time.Time // when the 200 was read
	status        int
	err           string // no HTTP answer at all
	answer        string // the body of a non-200 answer
	notifications []string
}

func run(ctx context.Context, rate int, duration time.Duration, channels, conns int, drain time.Duration) error {
	rec, err := startReceiver(channels)
	if err != nil {
		return err
	}
	defer rec.stop()
	srv, err := benchserver.Start(ctx, rec.urls()...)
	if err != nil {
		return err
	}
	defer srv.Cleanup()
	fmt.Printf("posting %d signed generic deliveries/s for %s, each a new notification, forwarded to %d channels\n", rate, duration, channels)

	client := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
			IdleConnTimeout: time.Minute, DisableCompression: true,
		},
	}
	defer client.CloseIdleConnections()

	// The generator hands out sequence numbers on time; conns senders post
	// them. A generator that falls behind (all senders busy) shows as a
	// posted rate below -rate.
	total := int(float64(rate) * duration.Seconds())
	jobs := make(chan int, total)
	acks := make([]ack, total)
	run := benchserver.RandomHex(4)
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for i := range jobs {
				acks[i] = post(client, srv.URL, srv.Secret, fmt.Sprintf("fwd-%s-%d", run, i))
			}
		})
	}
	start := time.Now()
	interval := time.Second / time.Duration(rate)
	sent := 0
	for i := 0; i < total && ctx.Err() == nil; i++ {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		jobs <- i
		sent++
	}
	close(jobs)
	wg.Wait()
	posted := time.Since(start)
	inWindow := rec.count()
	acks = acks[:sent]

	accepted, non2xx, errs := 0, 0, 0
	var firstBad string
	var ids []string
	var ackAt = map[string]time.Time{}
	for _, a := range acks {
		switch {
		case a.err != "":
			errs++
			if firstBad == "" {
				firstBad = a.err
			}
		case a.status < 200 || a.status > 299:
			non2xx++
			if firstBad == "" {
				firstBad = fmt.Sprintf("status %d %s", a.status, a.answer)
			}
		default:
			accepted++
			for _, id := range a.notifications {
				ids = append(ids, id)
				ackAt[id] = a.at
			}
		}
	}

	// Wait for every forwarded message, or until nothing more comes.
	want := len(ids) * channels
	deadline := time.Now().Add(drain)
	lastCount, lastProgress := rec.count(), time.Now()
	for rec.count() < want && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
		if c := rec.count(); c != lastCount {
			lastCount, lastProgress = c, time.Now()
		} else if time.Since(lastProgress) > 10*time.Second {
			break
		}
	}
	got := rec.count()
	rec.mu.Lock()
	forwardedFor := rec.last.Sub(start)
	duplicates, unknown := rec.duplicates, rec.unknown
	rec.mu.Unlock()
	stopErr := srv.Stop()

	var first, all, steady []time.Duration
	early, incomplete := 0, 0
	for _, id := range ids {
		f, a := rec.firstAndAll(id)
		if f.IsZero() {
			incomplete++
			continue
		}
		if f.Before(ackAt[id]) {
			early++
		}
		first = append(first, max(f.Sub(ackAt[id]), 0))
		if ackAt[id].Sub(start) >= warmUp {
			steady = append(steady, max(f.Sub(ackAt[id]), 0))
		}
		if a.IsZero() {
			incomplete++
			continue
		}
		all = append(all, max(a.Sub(ackAt[id]), 0))
	}
	slices.Sort(first)
	slices.Sort(steady)
	slices.Sort(all)

	fmt.Printf("posted      %d in %s (%.0f/s), accepted %d, non-2xx %d, errors without an answer %d\n",
		sent, posted.Round(time.Millisecond), float64(sent)/posted.Seconds(), accepted, non2xx, errs)
	if firstBad != "" {
		fmt.Printf("            first failure: %s\n", firstBad)
	}
	fmt.Printf("forwarded   %d of %d messages (%d notifications × %d channels); duplicates %d, unreadable %d\n",
		got, want, len(ids), channels, duplicates, unknown)
	fmt.Printf("forwarded/s %.0f messages/s over %s (first post to last arrival); %.0f/s while posting (%d in %s)\n",
		float64(got)/forwardedFor.Seconds(), forwardedFor.Round(time.Millisecond),
		float64(inWindow)/posted.Seconds(), inWindow, posted.Round(time.Millisecond))
	fmt.Printf("200→first   p50 %s  p99 %s  max %s  (first of the %d channels; %d arrived before the sender read the 200)\n",
		ms(pct(first, 50)), ms(pct(first, 99)), ms(pct(first, 100)), channels, early)
	fmt.Printf("200→all     p50 %s  p99 %s  max %s  (last of the %d channels)\n",
		ms(pct(all, 50)), ms(pct(all, 99)), ms(pct(all, 100)), channels)
	fmt.Printf("after %s    p50 %s  p99 %s  max %s  (200→first, posts from %s on: the server warmed up)\n",
		warmUp, ms(pct(steady, 50)), ms(pct(steady, 99)), ms(pct(steady, 100)), warmUp)
	p99 := pct(first, 99)
	fmt.Printf("p99 200→first < %s: %s; every message forwarded: %s; non-2xx 0: %s\n",
		ms(targetP99), verdict(p99 < targetP99 && len(first) > 0), verdict(got == want && incomplete == 0), verdict(non2xx == 0 && errs == 0))

	switch {
	case stopErr != nil:
		return stopErr
	case non2xx > 0 || errs > 0:
		return errors.New("alertgate refused or dropped deliveries")
	case got < want:
		return fmt.Errorf("the receiver got %d of %d forwarded messages", got, want)
	}
	return nil
}

// post sends one generic delivery whose key opens a new notification, and
// returns the notification ids the 200 names.
func post(client *http.Client, url, secret, key string) ack {
	body := fmt.Sprintf(`{"key":%q,"hostname":"bench-host","incident_type":"forward_test","severity":"high","title":"forward bench %s"}`, key, key)
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return ack{err: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	req.Header.Set("X-Signature", alert.SignGeneric(secret, []byte(body)))
	resp, err := client.Do(req)
	if err != nil {
		return ack{err: err.Error()}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	at := time.Now()
	if err != nil {
		return ack{status: resp.StatusCode, err: err.Error()}
	}
	var r struct {
		Notifications []string `json:"notifications"`
	}
	json.Unmarshal(b, &r)
	a := ack{at: at, status: resp.StatusCode, notifications: r.Notifications}
	if resp.StatusCode != http.StatusOK {
		a.answer = strings.TrimSpace(string(b))
	}
	return a
}

// pct is the nearest-rank percentile of sorted durations.
func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISSED"
}
