package store

import (
	"context"
	"database/sql"
	"time"
)

// checkpointEvery is how often the WAL is copied back into the database
// file. The writer connection never checkpoints itself (wal_autocheckpoint
// is off): done inline, a checkpoint stalls every delivery waiting on that
// commit; done here, on a connection of its own, it runs beside them.
const checkpointEvery = time.Second

// startCheckpointer runs passive checkpoints until quit closes. Passive
// ones never block the writer or readers; what they cannot copy yet (pages
// a reader still needs) the next one does.
func (s *Store) startCheckpointer() error {
	pool, err := openPool(s.path, []string{"busy_timeout(5000)"}, 1)
	if err != nil {
		return err
	}
	s.checkpointDone = make(chan struct{})
	go func() {
		defer close(s.checkpointDone)
		defer pool.Close()
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		for {
			select {
			case <-s.quit:
				return
			case <-t.C:
				checkpoint(pool)
			}
		}
	}()
	return nil
}

func checkpoint(pool *sql.DB) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// A failed checkpoint loses nothing: the WAL keeps every commit and
	// the next tick tries again.
	pool.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
}
