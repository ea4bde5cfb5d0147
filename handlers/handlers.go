// Package handlers is Alertgate's HTTP edge: the route table, middleware and
// one file per area. A handler parses the request, calls the store and
// renders a view; errors go back to Fiber's ErrorHandler, which renders them
// in one place.
package handlers

import (
	"log/slog"
	"net/url"
	"time"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/remedy"
	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/ledger"
)

// Options are the settings the HTTP edge needs, parsed and validated by cmd.
type Options struct {
	BaseURL *url.URL
	Version string
	// SessionKeys sign and encrypt session cookies; the first is used for new
	// cookies, the others still open older ones (key rotation).
	SessionKeys    [][]byte
	SessionIdle    time.Duration
	SessionMaxAge  time.Duration
	TrustedProxies []string
	// HookBodyLimit is the largest webhook body accepted, in bytes.
	HookBodyLimit int
	// HookAuthFailures is how many failed authentications an address may
	// make in a minute before it is refused outright.
	HookAuthFailures int
	// Remediation, when set, is told of every stored delivery and every
	// approval decision; nil runs no recipes.
	Remediation *remedy.Engine
	Log         *slog.Logger
	// Now is the clock; tests move it to expire sessions and throttles.
	Now func() time.Time
	// Ledger are the downtime ledger's settings from the provisioning
	// file; the zero value means the defaults.
	Ledger ledger.Settings
}

// Defaults for the webhook limits.
const (
	DefaultHookBodyLimit    = 1 << 20
	DefaultHookAuthFailures = 60
)

// Handler holds what every handler needs.
type Handler struct {
	store    *store.Store
	log      *slog.Logger
	opts     Options
	sessions *sessionStore
	throttle *loginThrottle
	// authFailures counts failed webhook authentications per address,
	// sourceRate accepted deliveries per source with a cap.
	authFailures *windowCounter
	sourceRate   *windowCounter
	metrics      *metrics
}

// New builds the Fiber app with every route.
func New(st *store.Store, opts Options) (*fiber.App, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	sessions, err := newSessionStore(opts)
	if err != nil {
		return nil, err
	}
	if opts.HookBodyLimit == 0 {
		opts.HookBodyLimit = DefaultHookBodyLimit
	}
	if opts.HookAuthFailures == 0 {
		opts.HookAuthFailures = DefaultHookAuthFailures
	}
	h := &Handler{
		store: st, log: opts.Log, opts: opts, sessions: sessions, throttle: newLoginThrottle(opts.Now),
		authFailures: newWindowCounter(time.Minute, opts.Now), sourceRate: newWindowCounter(time.Minute, opts.Now),
		metrics: newMetrics(st, opts.Log),
	}
	app := fiber.New(fiber.Config{
		AppName:      "Alertgate",
		ErrorHandler: h.handleError,
		// Above the hook limit, so an oversized delivery reaches the handler
		// and is answered (and recorded) with JSON like every other refusal.
		BodyLimit:               2*opts.HookBodyLimit + 64<<10,
		DisableStartupMessage:   true,
		ReadTimeout:             30 * time.Second,
		WriteTimeout:            30 * time.Second,
		IdleTimeout:             120 * time.Second,
		EnableTrustedProxyCheck: len(opts.TrustedProxies) > 0,
		TrustedProxies:          opts.TrustedProxies,
		ProxyHeader:             proxyHeader(opts.TrustedProxies),
		// A forwarded address must parse as one, or it is not believed.
		EnableIPValidation: true,
		// Values from the context (addresses, parameters) stay valid after
		// the request: throttles keep addresses as map keys.
		Immutable: true,
		// /metrics/ and /Metrics must not slip past a proxy rule for /metrics.
		StrictRouting: true,
		CaseSensitive: true,
	})
	h.routes(app)
	return app, nil
}

// proxyHeader reads the client address from X-Forwarded-For only when
// proxies are trusted; otherwise anyone could forge their address.
func proxyHeader(trusted []string) string {
	if len(trusted) == 0 {
		return ""
	}
	return fiber.HeaderXForwardedFor
}

// render writes a templ component as the HTML response.
func render(c *fiber.Ctx, comp templ.Component) error {
	c.Type("html", "utf-8")
	return comp.Render(c.UserContext(), c.Response().BodyWriter())
}

// actor is who makes the current request, for the audit log.
func (h *Handler) actor(c *fiber.Ctx) store.Actor {
	a := store.Actor{IP: c.IP()}
	if u := currentUser(c); u != nil {
		a.Name = u.Name
	}
	return a
}
