package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"time"

	"github.com/alertgate/alertgate/store/db"
)

// ActionTokenCreated is the audit action for a new API token.
const ActionTokenCreated = "token_created"

// TokenPrefix starts every API token, so a leaked one is recognisable in a
// log or a secret scanner, and can't be confused with a password.
const TokenPrefix = "ag_"

// tokenTouchEvery is how stale last_used_at may get: recording every API
// call would turn each read into a write.
const tokenTouchEvery = time.Minute

// CreateToken makes an API token with the given name and role and returns
// it. Only its hash is stored, so this is the one time it can be shown. A
// taken name is ErrConflict.
func (s *Store) CreateToken(ctx context.Context, a Actor, name, role string) (string, error) {
	if err := validateUser(name, role); err != nil {
		return "", err
	}
	token := TokenPrefix + rand.Text()
	err := s.Tx(ctx, func(q *db.Queries) error {
		_, err := q.CreateAPIToken(ctx, db.CreateAPITokenParams{Name: name, Role: role, TokenHash: hashToken(token), CreatedAt: time.Now().UTC()})
		if isUnique(err) {
			return fmt.Errorf("store: create token %s: a token named %q already exists: %w", name, name, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("store: create token %s: %w", name, err)
		}
		return addAudit(ctx, q, a, ActionTokenCreated, name, "role "+role)
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// TokenUser is the name and role of the API token; an unknown token is
// ErrNotFound. It records when the token was last used, at most once a
// minute.
func (s *Store) TokenUser(ctx context.Context, token string) (name, role string, err error) {
	if token == "" {
		return "", "", fmt.Errorf("store: api token: %w", ErrNotFound)
	}
	t, err := s.read.GetAPITokenByHash(ctx, hashToken(token))
	if err != nil {
		return "", "", notFound(err, "api token")
	}
	now := time.Now().UTC()
	if !t.LastUsedAt.Valid || now.Sub(t.LastUsedAt.Time) >= tokenTouchEvery {
		// last_used_at is a hint for the admin; a write that fails here
		// (say, a full disk) must not lock scripts out of reading, so its
		// error is not the caller's.
		_ = s.Batch(ctx, func(ctx context.Context, q *db.Queries) error {
			return q.TouchAPIToken(ctx, db.TouchAPITokenParams{LastUsedAt: sql.NullTime{Time: now, Valid: true}, ID: t.ID})
		})
	}
	return t.Name, t.Role, nil
}
