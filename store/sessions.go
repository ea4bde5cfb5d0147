package store

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/alertgate/alertgate/store/db"
)

// Session is a signed-in browser: its user and its two clocks.
type Session struct {
	User      db.User
	CreatedAt time.Time
	SeenAt    time.Time
}

// SessionLimits are how long a session may live in all and without use.
type SessionLimits struct {
	Idle, MaxAge time.Duration
}

// Expired applies both limits at now.
func (l SessionLimits) Expired(s Session, now time.Time) bool {
	return now.Sub(s.CreatedAt) > l.MaxAge || now.Sub(s.SeenAt) > l.Idle
}

// CreateSession signs userID in and returns the id for the cookie. Expired
// sessions are cleared here, so the table never grows past the sessions
// that are still alive.
func (s *Store) CreateSession(ctx context.Context, userID int64, now time.Time, limits SessionLimits) (string, error) {
	id := rand.Text()
	err := s.Tx(ctx, func(q *db.Queries) error {
		now := now.UTC()
		err := q.DeleteExpiredSessions(ctx, db.DeleteExpiredSessionsParams{SeenAt: now.Add(-limits.Idle), CreatedAt: now.Add(-limits.MaxAge)})
		if err != nil {
			return err
		}
		return q.CreateSession(ctx, db.CreateSessionParams{IDHash: hashToken(id), UserID: userID, CreatedAt: now, SeenAt: now})
	})
	if err != nil {
		return "", fmt.Errorf("store: create session: %w", err)
	}
	return id, nil
}

// Session finds a live session by its cookie id; an unknown id is ErrNotFound.
func (s *Store) Session(ctx context.Context, id string) (Session, error) {
	row, err := s.read.GetSession(ctx, hashToken(id))
	if err != nil {
		return Session{}, notFound(err, "session")
	}
	return Session{User: row.User, CreatedAt: row.SessionCreatedAt, SeenAt: row.SessionSeenAt}, nil
}

// TouchSession moves a session's idle clock to now.
func (s *Store) TouchSession(ctx context.Context, id string, now time.Time) error {
	return s.Tx(ctx, func(q *db.Queries) error {
		return q.TouchSession(ctx, db.TouchSessionParams{SeenAt: now.UTC(), IDHash: hashToken(id)})
	})
}

// EndSession signs one browser out; the cookie's id stops working at once.
func (s *Store) EndSession(ctx context.Context, id string) error {
	return s.Tx(ctx, func(q *db.Queries) error { return q.DeleteSession(ctx, hashToken(id)) })
}

// endOtherSessions signs a user out everywhere but the session keep
// ("" ends them all).
func endOtherSessions(ctx context.Context, q *db.Queries, userID int64, keep string) error {
	keepHash := ""
	if keep != "" {
		keepHash = hashToken(keep)
	}
	if err := q.DeleteOtherSessions(ctx, db.DeleteOtherSessionsParams{UserID: userID, IDHash: keepHash}); err != nil {
		return fmt.Errorf("store: end sessions of user %d: %w", userID, err)
	}
	return nil
}
