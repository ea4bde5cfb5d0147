package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/alertgate/alertgate/remedy"
	"github.com/alertgate/alertgate/store"
)

// startRemediation readies the recipe engine before the server listens:
// runs cut short by the last stop are marked interrupted (never re-run),
// the internal alertgate source exists, and every ladder is loaded. Its
// commands live as long as ctx; Run is started with the other loops.
func startRemediation(ctx context.Context, st *store.Store, log *slog.Logger, cfg Config) (*remedy.Engine, error) {
	e := remedy.New(st, cfg.Provisioning.Recipes, cfg.DataDir, log)
	if err := e.Start(ctx); err != nil {
		return nil, fmt.Errorf("start remediation: %w", err)
	}
	if n := len(cfg.Provisioning.Recipes); n > 0 {
		log.Info("remediation recipes loaded", "count", n)
	}
	return e, nil
}
