package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/handlers"
	"github.com/alertgate/alertgate/remedy"
	"github.com/alertgate/alertgate/store"
)

// shutdownGrace is how long in-flight requests get to finish on a stop.
const shutdownGrace = 30 * time.Second

// serve runs the server until ctx ends, then stops taking requests, lets
// in-flight ones finish and closes the database. listening, when not nil,
// receives the bound address (tests listen on port 0).
func serve(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string, listening chan<- string) error {
	cfg, err := loadConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	st, err := store.Open(ctx, cfg.DataDir, store.Options{SyncFull: cfg.SyncFull})
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("close database", "err", err)
		}
		log.Info("stopped")
	}()
	if err := st.WriterPriorityErr(); err != nil {
		log.Info("the commit thread runs at normal priority; allow nice -10 for faster ingest in a flood (README, Deploy on a VPS)", "err", err)
	}
	if err := st.ProvisionSources(ctx, cfg.Provisioning.Sources); err != nil {
		return fmt.Errorf("provisioning file (ALERTGATE_CONFIG): %w", err)
	}
	if err := st.ProvisionChannels(ctx, cfg.Provisioning.Channels); err != nil {
		return fmt.Errorf("provisioning file (ALERTGATE_CONFIG): %w", err)
	}
	engine, err := startRemediation(ctx, st, log, cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (ALERTGATE_ADDR): %w", cfg.Addr, err)
	}
	if cfg.BaseURLFromAddr {
		cfg.BaseURL, _ = url.Parse(baseURLFromAddr(ln.Addr().String()))
	}
	app, err := newApp(cfg, st, log, engine)
	if err != nil {
		ln.Close()
		return err
	}
	if err := announceSetup(ctx, st, cfg, log); err != nil {
		ln.Close()
		return err
	}
	log.Info("listening", "addr", ln.Addr().String(), "base_url", cfg.BaseURL.String(), "version", version)
	if listening != nil {
		listening <- ln.Addr().String()
	}
	loopCtx, stopLoops := context.WithCancel(ctx)
	loops := startLoops(loopCtx, st, log, cfg)
	loops.Go(func() { engine.Run(loopCtx) })
	defer func() { stopLoops(); loops.Wait() }()
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", shutdownGrace.String())
	return app.ShutdownWithTimeout(shutdownGrace)
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func newApp(cfg Config, st *store.Store, log *slog.Logger, engine *remedy.Engine) (*fiber.App, error) {
	keys := cfg.SessionKeys
	if keys == nil {
		key, err := generatedSessionKey(cfg.DataDir)
		if err != nil {
			return nil, err
		}
		keys = [][]byte{key}
	}
	return handlers.New(st, handlers.Options{
		BaseURL: cfg.BaseURL, Version: version, Log: log,
		SessionKeys: keys, SessionIdle: cfg.SessionIdle, SessionMaxAge: cfg.SessionMaxAge,
		TrustedProxies: cfg.TrustedProxies, HookBodyLimit: cfg.HookBodyLimit, HookAuthFailures: cfg.HookAuthFailures,
		Remediation: engine,
		Ledger:      cfg.Provisioning.Ledger,
	})
}

// sessionKeyFile holds the key generated on first start when none is set,
// so sessions survive restarts without any configuration.
const sessionKeyFile = "session.key"

func generatedSessionKey(dataDir string) ([]byte, error) {
	path := filepath.Join(dataDir, sessionKeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		key := strings.TrimSpace(string(b))
		if len(key) < minKeyLen {
			return nil, fmt.Errorf("session key in %s is shorter than %d characters: delete it to make a new one", path, minKeyLen)
		}
		return []byte(key), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read session key: %w", err)
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	key := hex.EncodeToString(raw)
	// O_EXCL: two processes starting at once must not both write a key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("write session key: %w", err)
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("write session key: %w", err)
	}
	return []byte(key), f.Close()
}

// announceSetup prints the one-time link that creates the first admin while
// there are no users.
func announceSetup(ctx context.Context, st *store.Store, cfg Config, log *slog.Logger) error {
	token, err := st.NewSetupToken(ctx)
	if err != nil || token == "" {
		return err
	}
	link := cfg.BaseURL.String() + "/setup?token=" + token
	log.Warn("no users yet: open the setup link to create the first admin (it works once)", "url", link)
	return nil
}
