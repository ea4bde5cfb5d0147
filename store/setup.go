package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/alertgate/alertgate/store/db"
)

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewSetupToken returns a fresh one-time token for creating the first admin,
// or "" when users already exist. Tokens from earlier starts stop working.
func (s *Store) NewSetupToken(ctx context.Context) (string, error) {
	token := rand.Text()
	created := false
	err := s.Tx(ctx, func(q *db.Queries) error {
		n, err := q.CountUsers(ctx)
		if err != nil || n > 0 {
			return err
		}
		if err := q.DeleteUnusedSetupTokens(ctx); err != nil {
			return err
		}
		created = true
		return q.CreateSetupToken(ctx, db.CreateSetupTokenParams{TokenHash: hashToken(token), CreatedAt: time.Now().UTC()})
	})
	if err != nil {
		return "", fmt.Errorf("store: new setup token: %w", err)
	}
	if !created {
		return "", nil
	}
	return token, nil
}

// SetupTokenValid tells whether token can still create the first admin.
func (s *Store) SetupTokenValid(ctx context.Context, token string) (bool, error) {
	n, err := s.read.SetupTokenValid(ctx, hashToken(token))
	if err != nil {
		return false, fmt.Errorf("store: check setup token: %w", err)
	}
	users, err := s.CountUsers(ctx)
	return n == 1 && users == 0, err
}

// CreateFirstAdmin spends the setup token and creates the first admin in one
// transaction: a token works once, and only while there are no users.
func (s *Store) CreateFirstAdmin(ctx context.Context, ip, token, name, password string) (db.User, error) {
	var u db.User
	err := s.Tx(ctx, func(q *db.Queries) error {
		used, err := q.UseSetupToken(ctx, db.UseSetupTokenParams{UsedAt: sql.NullTime{Time: time.Now().UTC(), Valid: true}, TokenHash: hashToken(token)})
		if err != nil {
			return fmt.Errorf("store: use setup token: %w", err)
		}
		if n, err := q.CountUsers(ctx); used != 1 || err != nil || n > 0 {
			return fmt.Errorf("store: setup link is used or out of date: %w", ErrNotFound)
		}
		a := Actor{Name: name, IP: ip}
		if u, err = s.createUser(ctx, q, a, name, password, RoleAdmin); err != nil {
			return err
		}
		return addAudit(ctx, q, a, ActionSetup, name, "first admin created with the setup link")
	})
	return u, err
}
