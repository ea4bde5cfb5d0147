package remedy

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
)

// InternalSource is the slug of the source Alertgate reports through.
const InternalSource = "alertgate"

// tickEvery is how often expiries, closed notifications and approved
// steps are looked at; a decision also wakes the engine at once.
const tickEvery = time.Second

// queueSize bounds the events waiting for the engine; the webhook never
// waits for it.
const queueSize = 4096

// Engine matches stored events against the recipes and runs their steps.
// One mutex guards the ladder states; commands run outside it.
type Engine struct {
	store   *store.Store
	recipes []Recipe
	dataDir string
	log     *slog.Logger
	// Now is the clock; tests move it instead of sleeping.
	Now func() time.Time

	events chan []Event
	wake   chan struct{}
	runs   sync.WaitGroup
	runCtx context.Context

	mu       sync.Mutex
	states   map[key]*State
	busy     map[key]bool
	internal db.Source
}

type key struct{ recipe, target string }

// New makes an engine; call Start before anything else.
func New(st *store.Store, recipes []Recipe, dataDir string, log *slog.Logger) *Engine {
	return &Engine{
		store: st, recipes: recipes, dataDir: dataDir, log: log, Now: time.Now,
		events: make(chan []Event, queueSize), wake: make(chan struct{}, 1),
		states: map[key]*State{}, busy: map[key]bool{},
	}
}

// Recipes are the recipes in force, for the read-only page.
func (e *Engine) Recipes() []Recipe { return e.recipes }

// Start marks runs a stop cut short, makes sure the internal source exists
// and loads every target's ladder. Commands it starts later live as long
// as ctx.
func (e *Engine) Start(ctx context.Context) error {
	e.runCtx = ctx
	n, err := e.store.InterruptRuns(ctx, e.Now())
	if err != nil {
		return err
	}
	if n > 0 {
		e.log.Warn("remediation runs were interrupted by a stop; they are marked so and not run again", "count", n)
	}
	if e.internal, err = ensureInternalSource(ctx, e.store); err != nil {
		return err
	}
	if err := e.loadStates(ctx); err != nil {
		return err
	}
	pending, err := e.store.PendingApprovals(ctx)
	for _, a := range pending {
		e.busy[key{a.Recipe, a.Target}] = true
	}
	return err
}

func ensureInternalSource(ctx context.Context, st *store.Store) (db.Source, error) {
	src, err := st.SourceBySlug(ctx, InternalSource)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return src, err
	}
	src, err = st.CreateSource(ctx, store.Actor{Name: "alertgate"}, store.NewSource{
		Slug: InternalSource, Name: "Alertgate", Kind: alert.InternalKind, Secret: rand.Text(),
	})
	if errors.Is(err, store.ErrConflict) {
		return st.SourceBySlug(ctx, InternalSource)
	}
	return src, err
}

// Observe hands the events of a stored delivery to the engine without
// waiting: the webhook's answer must not depend on remediation.
func (e *Engine) Observe(src db.Source, d alert.Delivery, res store.IngestResult) {
	if src.Slug == InternalSource || len(res.Changes) != len(d.Events) {
		return
	}
	evs := make([]Event, len(d.Events))
	for i, ev := range d.Events {
		ch := res.Changes[i]
		evs[i] = Event{
			Source: src.Slug, Kind: src.Kind, NotificationID: ch.NotificationID, Change: ch.Change, Severity: ch.Severity,
			IncidentType: ev.IncidentType, Component: componentName(ev), Host: ev.Host, Target: ev.Target,
		}
	}
	select {
	case e.events <- evs:
	default:
		e.log.Error("remediation queue full: events dropped, failures not counted", "source", src.Slug, "events", len(evs))
	}
}

// componentName is the name the store gives the component.
func componentName(ev alert.Event) string {
	for _, s := range []string{ev.Component.Name, ev.Component.Identifier} {
		if s != "" {
			return s
		}
	}
	return ""
}

// Wake makes the engine look at approvals now rather than at the next tick.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Run handles events and ticks until ctx ends, then waits for commands
// under way (ctx's end kills them, and they are recorded as interrupted).
func (e *Engine) Run(ctx context.Context) {
	t := time.NewTicker(tickEvery)
	defer t.Stop()
	defer e.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case evs := <-e.events:
			e.Handle(ctx, evs)
		case <-t.C:
			e.Tick(ctx)
		case <-e.wake:
			e.Tick(ctx)
		}
	}
}

// Wait blocks until every started command has finished and been recorded.
func (e *Engine) Wait() { e.runs.Wait() }

// Handle counts the failures among evs and acts on what the ladders say.
func (e *Engine) Handle(ctx context.Context, evs []Event) {
	for _, ev := range evs {
		if ev.Source == InternalSource || ev.TargetName() == "" {
			continue
		}
		if ev.Change == "closed" {
			e.resetForNotification(ctx, ev.NotificationID)
			continue
		}
		if !ev.Failure() {
			continue
		}
		for i := range e.recipes {
			if r := &e.recipes[i]; r.Match.Matches(ev) {
				e.fail(ctx, r, ev)
			}
		}
	}
}

func (e *Engine) fail(ctx context.Context, r *Recipe, ev Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	k := key{r.Name, ev.TargetName()}
	st := e.state(k)
	a := r.Fail(st, e.Now(), ev.NotificationID, e.busy[k])
	e.save(ctx, st)
	switch a.Kind {
	case RunStep:
		e.takeStep(ctx, r, a, ev.vars())
	case FinalStop:
		e.finalStop(ctx, r, st, a.Trigger)
	}
}

func (e *Engine) state(k key) *State {
	st, ok := e.states[k]
	if !ok {
		st = &State{Recipe: k.recipe, Target: k.target}
		e.states[k] = st
	}
	return st
}

// resetForNotification puts back to the first step every target whose
// latest failure belongs to the closed notification.
func (e *Engine) resetForNotification(ctx context.Context, notificationID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, st := range e.states {
		if st.NotificationID == notificationID && notificationID != "" {
			st.Reset()
			e.save(ctx, st)
		}
	}
}

func (e *Engine) recipe(name string) *Recipe {
	for i := range e.recipes {
		if e.recipes[i].Name == name {
			return &e.recipes[i]
		}
	}
	return nil
}

// newID is a short random suffix for archive names.
func newID() string { return rand.Text()[:8] }

func (e *Engine) logErr(msg string, err error, args ...any) {
	if err != nil {
		e.log.Error(msg, append(args, "err", err)...)
	}
}
