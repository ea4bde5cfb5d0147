package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/alertgate/alertgate/store/db"
)

// Roles, from most to least powerful.
const (
	RoleAdmin     = "admin"
	RoleResponder = "responder"
	RoleViewer    = "viewer"
)

// Roles lists every role, most powerful first, for forms.
var Roles = []string{RoleAdmin, RoleResponder, RoleViewer}

// RoleRank orders roles so "at least responder" is a comparison; an unknown
// role ranks below viewer and may do nothing.
func RoleRank(role string) int {
	switch role {
	case RoleAdmin:
		return 3
	case RoleResponder:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// ErrBadCredentials is a failed sign-in: unknown name, wrong password or a
// disabled user, deliberately indistinguishable.
var ErrBadCredentials = errors.New("wrong name or password")

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 8

var userNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// dummyHash (of "alertgate-dummy", at the default cost) is compared against
// when the name is unknown, so a failed sign-in takes as long whether or not
// the user exists. A constant, because hashing at start delays readiness.
var dummyHash = []byte("$2a$10$BvubkpU9B.QrgRjcB77b5uyLxbAq5g9G4tSSsqgynKxF6xCzolDrq")

func validateUser(name, role string) error {
	if !userNamePattern.MatchString(name) {
		return invalid("name", "a name is 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit")
	}
	if RoleRank(role) == 0 {
		return invalid("role", fmt.Sprintf("role %q is not one of admin, responder, viewer", role))
	}
	return nil
}

func (s *Store) hashPassword(password string) (string, error) {
	if len([]rune(password)) < MinPasswordLen {
		return "", invalid("password", fmt.Sprintf("a password needs at least %d characters", MinPasswordLen))
	}
	if len(password) > 72 {
		return "", invalid("password", "a password may be at most 72 bytes long")
	}
	cost := s.opts.PasswordCost
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("store: hash password: %w", err)
	}
	return string(h), nil
}

// CreateUser adds a user; a taken name is ErrConflict.
func (s *Store) CreateUser(ctx context.Context, a Actor, name, password, role string) (db.User, error) {
	var u db.User
	err := s.Tx(ctx, func(q *db.Queries) error {
		var err error
		u, err = s.createUser(ctx, q, a, name, password, role)
		return err
	})
	return u, err
}

func (s *Store) createUser(ctx context.Context, q *db.Queries, a Actor, name, password, role string) (db.User, error) {
	if err := validateUser(name, role); err != nil {
		return db.User{}, err
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return db.User{}, err
	}
	now := time.Now().UTC()
	u, err := q.CreateUser(ctx, db.CreateUserParams{Name: name, PasswordHash: hash, Role: role, CreatedAt: now, UpdatedAt: now})
	if isUnique(err) {
		return db.User{}, fmt.Errorf("store: create user %s: a user named %q already exists: %w", name, name, ErrConflict)
	}
	if err != nil {
		return db.User{}, fmt.Errorf("store: create user %s: %w", name, err)
	}
	return u, addAudit(ctx, q, a, ActionUserCreated, name, "role "+role)
}

// Authenticate checks a name and password; any failure is ErrBadCredentials.
func (s *Store) Authenticate(ctx context.Context, name, password string) (db.User, error) {
	u, err := s.read.GetUserByName(ctx, name)
	if err != nil {
		bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		if errors.Is(err, sql.ErrNoRows) {
			return db.User{}, ErrBadCredentials
		}
		return db.User{}, fmt.Errorf("store: authenticate: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil || u.Disabled {
		return db.User{}, ErrBadCredentials
	}
	return u, nil
}

// User reads one user by id.
func (s *Store) User(ctx context.Context, id int64) (db.User, error) {
	u, err := s.read.GetUser(ctx, id)
	if err != nil {
		return db.User{}, notFound(err, "user "+strconv.FormatInt(id, 10))
	}
	return u, nil
}

// Users lists every user by name.
func (s *Store) Users(ctx context.Context) ([]db.User, error) {
	us, err := s.read.ListUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return us, nil
}

// CountUsers counts users, disabled ones included.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	n, err := s.read.CountUsers(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

// SetRole changes a user's role; demoting the last active admin is refused.
func (s *Store) SetRole(ctx context.Context, a Actor, id int64, role string) error {
	if RoleRank(role) == 0 {
		return invalid("role", fmt.Sprintf("role %q is not one of admin, responder, viewer", role))
	}
	return s.Tx(ctx, func(q *db.Queries) error {
		u, err := q.GetUser(ctx, id)
		if err != nil {
			return notFound(err, "set role")
		}
		if u.Role == role {
			return nil
		}
		if err := keepAnAdmin(ctx, q, u); err != nil {
			return err
		}
		if err := q.SetUserRole(ctx, db.SetUserRoleParams{Role: role, UpdatedAt: time.Now().UTC(), ID: id}); err != nil {
			return fmt.Errorf("store: set role of %s: %w", u.Name, err)
		}
		return addAudit(ctx, q, a, ActionRoleChanged, u.Name, u.Role+" → "+role)
	})
}

// SetDisabled disables or enables a user. Disabling signs them out at once;
// disabling the last active admin is refused.
func (s *Store) SetDisabled(ctx context.Context, a Actor, id int64, disabled bool) error {
	return s.Tx(ctx, func(q *db.Queries) error {
		u, err := q.GetUser(ctx, id)
		if err != nil {
			return notFound(err, "disable user")
		}
		if u.Disabled == disabled {
			return nil
		}
		if disabled {
			if err := keepAnAdmin(ctx, q, u); err != nil {
				return err
			}
		}
		if err := q.SetUserDisabled(ctx, db.SetUserDisabledParams{Disabled: disabled, UpdatedAt: time.Now().UTC(), ID: id}); err != nil {
			return fmt.Errorf("store: disable %s: %w", u.Name, err)
		}
		if err := endOtherSessions(ctx, q, id, ""); err != nil {
			return err
		}
		action := ActionUserEnabled
		if disabled {
			action = ActionUserDisabled
		}
		return addAudit(ctx, q, a, action, u.Name, "")
	})
}

// keepAnAdmin refuses a change that would take away u's admin powers when u
// is the last active admin: nobody could manage users afterwards.
func keepAnAdmin(ctx context.Context, q *db.Queries, u db.User) error {
	if u.Role != RoleAdmin || u.Disabled {
		return nil
	}
	n, err := q.CountActiveAdmins(ctx)
	if err != nil {
		return fmt.Errorf("store: count admins: %w", err)
	}
	if n <= 1 {
		return fmt.Errorf("store: %s is the last active admin; make someone else admin first: %w", u.Name, ErrConflict)
	}
	return nil
}

// ChangePassword sets a user's own password after checking the current one.
// It signs out every other session of the user, keeping the session keep.
func (s *Store) ChangePassword(ctx context.Context, a Actor, id int64, current, next, keep string) error {
	hash, err := s.hashPassword(next)
	if err != nil {
		return err
	}
	return s.Tx(ctx, func(q *db.Queries) error {
		u, err := q.GetUser(ctx, id)
		if err != nil {
			return notFound(err, "change password")
		}
		if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(current)) != nil {
			return invalid("current", "the current password is wrong")
		}
		if err := q.SetUserPassword(ctx, db.SetUserPasswordParams{PasswordHash: hash, UpdatedAt: time.Now().UTC(), ID: id}); err != nil {
			return fmt.Errorf("store: change password of %s: %w", u.Name, err)
		}
		if err := endOtherSessions(ctx, q, id, keep); err != nil {
			return err
		}
		return addAudit(ctx, q, a, ActionPasswordSet, u.Name, "")
	})
}
