// Command ingest is Alertgate's load generator: it posts uniquely keyed,
// correctly signed generic deliveries over many connections and reports
// accepted deliveries per second, latency percentiles and failures.
//
//	go run ./bench/ingest                          build Alertgate, measure it and a baseline, compare
//	go run ./bench/ingest -baseline                measure only the baseline (verify the HMAC, answer 200)
//	go run ./bench/ingest -url URL -secret S       measure a running server's generic source
//
// The comparison runs both on the same machine, one after the other, so the
// ratio says what storing durably costs there, whatever the hardware. The
// baseline runs as a process of its own, as Alertgate does, so that both
// pay the same for being across a process boundary from the load
// generator; the same baseline inside the load generator's process is
// measured too and printed for reference (it answers about a quarter more).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alertgate/alertgate/bench/benchserver"
)

// The targets the comparison is judged by.
const (
	targetRatio = 0.40 // Alertgate accepted/s as a share of the baseline's
	targetP99   = 25 * time.Millisecond
)

func main() {
	var (
		conns    = flag.Int("conns", 64, "concurrent connections")
		duration = flag.Duration("duration", 10*time.Second, "how long to post, per measurement")
		baseline = flag.Bool("baseline", false, "measure only the baseline server (as its own process, then in-process)")
		serve    = flag.Bool("serve-baseline", false, "internal: be the baseline process")
		url      = flag.String("url", "", "measure only this hook URL of a running server (needs -secret)")
		secret   = flag.String("secret", "", "the source's secret, with -url")
	)
	flag.Parse()
	if *conns < 1 || *duration <= 0 || (*url != "") != (*secret != "") || (*url != "" && *baseline) {
		fmt.Fprintln(os.Stderr, "ingest: want -conns ≥ 1, -duration > 0, and -url with -secret (not with -baseline)")
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if *serve {
		if err := serveBaseline(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "ingest: baseline:", err)
			os.Exit(1)
		}
		return
	}
	l := load{conns: *conns, duration: *duration, run: benchserver.RandomHex(4)}
	fmt.Printf("posting signed generic deliveries on %d connections for %s per measurement\n", l.conns, l.duration)

	var err error
	switch {
	case *baseline:
		err = measureBaseline(ctx, l)
	case *url != "":
		l.url, l.secret = *url, *secret
		fmt.Println(l.measure(ctx, "target"))
	default:
		err = compare(ctx, l)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ingest:", err)
		os.Exit(1)
	}
}

func measureBaseline(ctx context.Context, l load) error {
	_, _, err := measureBaselines(ctx, l)
	return err
}

// measureBaselines measures the baseline as its own process, the figure
// Alertgate is compared with, and then inside this process, for reference.
func measureBaselines(ctx context.Context, l load) (own, inProcess result, err error) {
	l.secret = benchserver.RandomHex(24)
	for _, m := range []struct {
		name  string
		start func() (string, func() error, error)
		dst   *result
	}{
		{"baseline", func() (string, func() error, error) { return startBaselineProcess(ctx, l.secret) }, &own},
		{"in-proc.", func() (string, func() error, error) { return startBaseline(l.secret) }, &inProcess},
	} {
		url, stop, err := m.start()
		if err != nil {
			return own, inProcess, err
		}
		l.url = url
		*m.dst = l.measure(ctx, m.name)
		stop()
		fmt.Println(*m.dst)
	}
	return own, inProcess, nil
}

// compare measures a freshly built Alertgate, then the baseline, then
// stops Alertgate and checks that it stored exactly what it acknowledged.
// It fails on a correctness problem (a refusal, a lost or extra delivery);
// a missed speed target is reported, since speed depends on the machine.
func compare(ctx context.Context, l load) error {
	srv, err := benchserver.Start(ctx)
	if err != nil {
		return err
	}
	defer srv.Cleanup()
	l.url, l.secret = srv.URL, srv.Secret
	ag := l.measure(ctx, "alertgate")
	fmt.Println(ag)

	base, inProcess, err := measureBaselines(ctx, l)
	if err != nil {
		srv.Stop()
		return err
	}

	// Count after a clean stop: every acknowledged delivery was committed
	// before its answer, and nothing is in flight any more.
	if err := srv.Stop(); err != nil {
		return err
	}
	stored, err := srv.StoredDeliveries(ctx)
	if err != nil {
		return fmt.Errorf("count stored deliveries: %w", err)
	}

	ratio := ag.perSecond() / base.perSecond()
	p99 := ag.percentile(99)
	fmt.Println()
	fmt.Printf("ratio alertgate/baseline accepted/s  %.2f  (%.0f / %.0f; target ≥ %.2f)  %s\n",
		ratio, ag.perSecond(), base.perSecond(), targetRatio, verdict(ratio >= targetRatio))
	fmt.Printf("  (against the in-process baseline    %.2f: %.0f / %.0f; it shares the load generator's runtime)\n",
		ag.perSecond()/inProcess.perSecond(), ag.perSecond(), inProcess.perSecond())
	fmt.Printf("alertgate p99                        %s  (target < %s)  %s\n", ms(p99), ms(targetP99), verdict(p99 < targetP99))
	fmt.Printf("alertgate non-2xx                    %d  (errors without an answer: %d; target 0)  %s\n",
		ag.non2xx, ag.errors, verdict(ag.non2xx == 0 && ag.errors == 0))
	fmt.Printf("stored == acknowledged               %d == %d  %s\n", stored, ag.accepted, verdict(stored == ag.accepted))

	switch {
	case ag.non2xx > 0 || ag.errors > 0:
		return errors.New("alertgate refused or dropped deliveries under load")
	case stored != ag.accepted:
		return fmt.Errorf("alertgate stored %d deliveries but acknowledged %d", stored, ag.accepted)
	}
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISSED"
}
