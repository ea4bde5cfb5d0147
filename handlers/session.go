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

	"github.com/alertgate/alertgate/store"
)

const (
	sessionCookie = "alertgate_session"
	// Keys inside the session cookie. The signed-in state lives in the
	// database (store.Session); the cookie only points at it.
	keySessionID = "sid"
	keyCSRF      = "csrf"
	keyFlash     = "flash"
	keyError     = "flash_error"
	// touchEvery limits how often the idle clock is written back, so an
	// ordinary page view does not cost a database write.
	touchEvery = time.Minute
)

// sessionStore bridges gorilla/sessions (written for net/http) to Fiber: it
// hands gorilla a request carrying only the Cookie header and copies the
// Set-Cookie header it writes back into Fiber's response.
type sessionStore struct {
	cookies *sessions.CookieStore
	limits  store.SessionLimits
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
	return &sessionStore{cookies: cs, limits: store.SessionLimits{Idle: opts.SessionIdle, MaxAge: opts.SessionMaxAge}}, nil
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

func (s *session) id() string {
	v, _ := s.Values[keySessionID].(string)
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

// signIn points the cookie at a new database session, with a fresh CSRF
// token, so a token seen before signing in is worth nothing after.
func (s *session) signIn(id string) {
	s.set(keySessionID, id)
	s.set(keyCSRF, rand.Text())
}

func (s *session) signOut() {
	delete(s.Values, keySessionID)
	s.set(keyCSRF, rand.Text())
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
