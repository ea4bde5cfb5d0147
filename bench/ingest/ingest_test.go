package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/handlers"
	"github.com/alertgate/alertgate/store"

	"github.com/alertgate/alertgate/bench/benchserver"
)

// These benchmarks are the load generator's measurement in one process, so
// `go test -cpuprofile` can see where the time goes (the real binary has no
// profiling endpoint):
//
//	go test -run '^$' -bench StoreIngest -cpuprofile cpu.out ./bench/ingest    the store alone
//	go test -run '^$' -bench ServerIngest -cpuprofile cpu.out ./bench/ingest   HTTP, handlers and store
//	go tool pprof -top cpu.out

// posters is how many goroutines post at once per GOMAXPROCS, so that
// 2 cores make the load generator's default of 64 connections.
const posters = 32

const benchSecret = "bench-secret-0123456789abcdef"

// BenchmarkStoreIngest calls store.Ingest from many goroutines, as the hook
// handler does under load: the cost of the group commit alone.
func BenchmarkStoreIngest(b *testing.B) {
	ctx := context.Background()
	st, src := openStore(b)
	kind, _ := alert.Lookup("generic")
	var n atomic.Int64
	b.SetParallelism(posters)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := fmt.Sprintf("store-%d", n.Add(1))
			body := fmt.Appendf(nil, `{"key":%q,"hostname":"bench-host","incident_type":"load_test","severity":"high"}`, key)
			req := alert.Request{Header: http.Header{"Idempotency-Key": {key}}, Body: body, Now: time.Now()}
			d, err := kind.Decode(req)
			if err != nil {
				b.Fatal(err)
			}
			res, err := st.Ingest(ctx, store.Ingest{SourceID: src, Delivery: d, ReceivedAt: req.Now, Headers: "{}", Body: body})
			if err != nil || res.Duplicate {
				b.Fatalf("ingest %s: %v (duplicate %v)", key, err, res.Duplicate)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
}

// BenchmarkServerIngest serves the real route table on a loopback port and
// posts to it with the load generator's client: everything `alertgate
// serve` does for a delivery except the process boundary.
func BenchmarkServerIngest(b *testing.B) {
	st, _ := openStore(b)
	base, _ := url.Parse("http://127.0.0.1")
	app, err := handlers.New(st, handlers.Options{
		BaseURL: base, Version: "bench",
		// The server logs a line per request; keep its cost, lose the text.
		Log:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		SessionKeys: [][]byte{[]byte("0123456789abcdef0123456789abcdef")},
		SessionIdle: time.Hour, SessionMaxAge: 24 * time.Hour,
	})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go app.Listener(ln)
	b.Cleanup(func() { app.Shutdown() })

	conns := posters * runtime.GOMAXPROCS(0)
	l := load{url: "http://" + ln.Addr().String() + "/hooks/bench", secret: benchSecret, conns: conns, run: benchserver.RandomHex(4)}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns}}
	defer client.CloseIdleConnections()
	var n atomic.Int64
	b.SetParallelism(posters)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := fmt.Sprintf("http-%s-%d", l.run, n.Add(1))
			status, answer, err := l.post(client, key)
			if err != nil || status != http.StatusOK || answer != "accepted" {
				b.Fatalf("post %s: %d %q %v", key, status, answer, err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
}

// openStore opens a fresh store with the generic source "bench", as the
// provisioning file would make it.
func openStore(b *testing.B) (*store.Store, int64) {
	b.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if err := st.ProvisionSources(ctx, []store.NewSource{{Slug: "bench", Kind: "generic", Secret: benchSecret}}); err != nil {
		b.Fatal(err)
	}
	src, err := st.SourceBySlug(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	return st, src.ID
}
