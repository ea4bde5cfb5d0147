package remedy

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/alertgate/alertgate/store/db"
)

// loadStates reads every target's ladder, so counting goes on where it
// stopped before a restart.
func (e *Engine) loadStates(ctx context.Context) error {
	rows, err := e.store.RemediationTargets(ctx)
	if err != nil {
		return err
	}
	for _, r := range rows {
		st := &State{
			Recipe: r.Recipe, Target: r.Target, Taken: int(r.Taken), NotificationID: r.NotificationID,
			LastFailure: r.LastFailureAt.Time, LastStep: r.LastStepAt.Time, Stopped: r.StoppedAt.Time,
		}
		json.Unmarshal([]byte(r.Failures), &st.Failures)
		e.states[key{r.Recipe, r.Target}] = st
	}
	return nil
}

// save stores a ladder after a change; a failure is logged, since the
// in-memory state is still right and the next change writes it again.
func (e *Engine) save(ctx context.Context, st *State) {
	failures, _ := json.Marshal(st.Failures)
	if st.Failures == nil {
		failures = []byte("[]")
	}
	err := e.store.SaveRemediationTarget(ctx, db.UpsertRemediationTargetParams{
		Recipe: st.Recipe, Target: st.Target, Taken: int64(st.Taken), Failures: string(failures),
		LastFailureAt: nullTime(st.LastFailure), LastStepAt: nullTime(st.LastStep), StoppedAt: nullTime(st.Stopped),
		NotificationID: st.NotificationID, UpdatedAt: e.Now().UTC(),
	})
	e.logErr("save remediation target", err, "recipe", st.Recipe, "target", st.Target)
}

func nullTime(t time.Time) sql.NullTime {
	return sql.NullTime{Time: t.UTC(), Valid: !t.IsZero()}
}

// Reset forgets the in-memory ladder of a target an admin reset.
func (e *Engine) Reset(recipe, target string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.states, key{recipe, target})
}
