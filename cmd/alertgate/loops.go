package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/alertgate/alertgate/delivery"
	"github.com/alertgate/alertgate/store"
)

// quietEvery is how often autoheal notifications are checked for a quiet
// period; a close comes at most this late after resolve_after.
const quietEvery = 30 * time.Second

// startLoops runs the background work until ctx ends; wait for the
// returned group before closing the store. The delivery worker finishes
// the sends in flight first (each is bounded by its channel's timeout).
func startLoops(ctx context.Context, st *store.Store, log *slog.Logger, cfg Config) *sync.WaitGroup {
	var wg sync.WaitGroup
	wg.Go(func() { every(ctx, quietEvery, func() { closeQuiet(ctx, st, log) }) })
	worker := &delivery.Worker{Store: st, Log: log, BaseURL: cfg.BaseURL.String(), Version: version}
	wg.Go(func() { worker.Run(ctx) })
	return &wg
}

func every(ctx context.Context, d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

func closeQuiet(ctx context.Context, st *store.Store, log *slog.Logger) {
	n, err := st.CloseQuiet(ctx, time.Now())
	if err != nil && ctx.Err() == nil {
		log.Error("close quiet notifications", "err", err)
	}
	if n > 0 {
		log.Info("closed quiet notifications", "count", n)
	}
}
