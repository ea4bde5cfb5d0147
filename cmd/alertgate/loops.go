package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/alertgate/alertgate/store"
)

// quietEvery is how often autoheal notifications are checked for a quiet
// period; a close comes at most this late after resolve_after.
const quietEvery = 30 * time.Second

// startLoops runs the background work until ctx ends; wait for the
// returned group before closing the store.
func startLoops(ctx context.Context, st *store.Store, log *slog.Logger) *sync.WaitGroup {
	var wg sync.WaitGroup
	wg.Go(func() { every(ctx, quietEvery, func() { closeQuiet(ctx, st, log) }) })
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
