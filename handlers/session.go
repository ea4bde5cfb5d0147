package handlers

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gorilla/sessions"

	"github.com/alertgate/alertgate/store/db"
)

const (
	sessionCookie = "alertgate_session"
	// Keys inside the session cookie.
	keyUserID  = "uid"
	keyEpoch   = "epoch"
	keyCreated = "created"
	keySeen    = "seen"
	keyCSRF    = "csrf"
	keyFlash   = "flash"
	keyError   = "flash_error"
	// touchEvery limits how often the idle clock is written back, so an
	// ordinary page view does not reissue the cookie every time.
	touchEvery = time.Minute
)

// sessionStore bridges gorilla/sessions (written for net/http) to Fiber: it
// hands gorilla a request carrying only the Cookie header and copies the
// Set-Cookie header it writes back into Fiber's response.
type sessionStore struct {
	cookies *sessions.CookieStore
	idle    time.Duration
	maxAge  time.Duration
	now     func() time.Time
}

func newSessionStore(opts Options) (*sessionStore, error) {
	if len(opts.SessionKeys) == 0 {
		return nil, errors.New("handlers: no session key")
	}
	var pairs [][]byte
	for _, key := range opts.SessionKeys {
		hash, err := hkdf.Key(sha256.New, key, nil, "alertgate session signing", 32)
		if err != nil {
			return nil, err
		}
		block, err := hkdf.Key(sha256.New, key, nil, "alertgate session encryption", 32)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, hash, block)
	}
	cs := sessions.NewCookieStore(pairs...)
	cs.MaxAge(int(opts.SessionMaxAge.Seconds()))
	cs.Options.Path = "/"
	cs.Options.HttpOnly = true
	cs.Options.SameSite = http.SameSiteLaxMode
	cs.Options.Secure = opts.BaseURL != nil && opts.BaseURL.Scheme == "https"
	return &sessionStore{cookies: cs, idle: opts.SessionIdle, maxAge: opts.SessionMaxAge, now: opts.Now}, nil
}

// session is the request's cookie session; changed says it must be saved.
type session struct {
	*sessions.Session
	changed bool
}

func (s *session) set(key string, v any) {
	s.Values[key] = v
	s.changed = true
}

// take returns a one-time value (a flash message) and removes it.
func (s *session) take(key string) string {
	v, _ := s.Values[key].(string)
	if v != "" {
		delete(s.Values, key)
		s.changed = true
	}
	return v
}

func (s *session) int64(key string) int64 {
	v, _ := s.Values[key].(int64)
	return v
}

func (ss *sessionStore) load(c *fiber.Ctx) *session {
	r := &http.Request{Header: http.Header{"Cookie": {c.Get(fiber.HeaderCookie)}}}
	// A cookie that no key opens (tampered, expired, old keys) just starts
	// a new session; Get still returns one.
	s, _ := ss.cookies.Get(r, sessionCookie)
	sess := &session{Session: s}
	if _, ok := s.Values[keyCSRF].(string); !ok {
		sess.set(keyCSRF, rand.Text())
	}
	return sess
}

func (ss *sessionStore) save(c *fiber.Ctx, s *session) error {
	w := headerWriter{}
	if err := s.Save(&http.Request{}, w); err != nil {
		return err
	}
	for _, v := range w["Set-Cookie"] {
		c.Response().Header.Add(fiber.HeaderSetCookie, v)
	}
	return nil
}

// signIn binds the session to u with a fresh CSRF token, so a token seen
// before signing in is worth nothing after.
func (ss *sessionStore) signIn(s *session, u db.User) {
	now := ss.now().Unix()
	s.set(keyUserID, u.ID)
	s.set(keyEpoch, u.SessionEpoch)
	s.set(keyCreated, now)
	s.set(keySeen, now)
	s.set(keyCSRF, rand.Text())
}

func (ss *sessionStore) signOut(s *session) {
	for _, k := range []string{keyUserID, keyEpoch, keyCreated, keySeen} {
		delete(s.Values, k)
	}
	s.set(keyCSRF, rand.Text())
}

// expired applies the absolute and the idle lifetime.
func (ss *sessionStore) expired(s *session) bool {
	now := ss.now()
	created := time.Unix(s.int64(keyCreated), 0)
	seen := time.Unix(s.int64(keySeen), 0)
	return now.Sub(created) > ss.maxAge || now.Sub(seen) > ss.idle
}

// touch moves the idle clock forward, at most once a touchEvery.
func (ss *sessionStore) touch(s *session) {
	now := ss.now()
	if now.Sub(time.Unix(s.int64(keySeen), 0)) >= touchEvery {
		s.set(keySeen, now.Unix())
	}
}

func (s *session) csrfMatches(token string) bool {
	want, _ := s.Values[keyCSRF].(string)
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(token)) == 1
}

// headerWriter is the http.ResponseWriter gorilla writes its cookie to.
type headerWriter http.Header

func (w headerWriter) Header() http.Header         { return http.Header(w) }
func (w headerWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w headerWriter) WriteHeader(int)             {}
