package handlers

import (
	"context"
	"log/slog"
	"math"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
)

// Outcomes of a webhook delivery, the result label of
// alertgate_hook_requests_total.
const (
	hookAccepted        = "accepted"
	hookDuplicate       = "duplicate"
	hookRejectedAuth    = "rejected_auth"
	hookRejectedPayload = "rejected_payload"
	hookRejectedSize    = "rejected_size"
	hookRateLimited     = "rate_limited"
	hookNotFound        = "not_found"
	hookUnavailable     = "unavailable"
)

// metrics are what GET /metrics shows. They live on their own registry,
// not Prometheus's global one, so every app (and every test) counts alone.
type metrics struct {
	registry *prometheus.Registry
	hooks    *prometheus.CounterVec
	ingest   *prometheus.HistogramVec
}

func newMetrics(st *store.Store, log *slog.Logger) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		hooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertgate_hook_requests_total",
			Help: "Webhook deliveries answered, by source, kind and result.",
		}, []string{"source", "kind", "result"}),
		// Acknowledging waits for a group commit, so the interesting range
		// is milliseconds, up to the second a slow disk may take.
		ingest: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "alertgate_ingest_duration_seconds",
			Help:    "Time from a webhook request's start to its accepted or duplicate answer.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"source", "kind"}),
	}
	open := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "alertgate_notifications_open",
		Help: "Notifications open now.",
	}, func() float64 { return countOpen(st, log) })
	m.registry.MustRegister(m.hooks, m.ingest, open,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// countOpen reads the open count for a scrape. A scrape has no error
// channel per value, so a failed read is NaN, which Prometheus shows as a
// gap rather than a false zero.
func countOpen(st *store.Store, log *slog.Logger) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := st.CountOpen(ctx)
	if err != nil {
		log.Warn("metrics: count open notifications", "err", err)
		return math.NaN()
	}
	return float64(n)
}

// handler serves the registry in Prometheus's text format (or whatever
// the scraper negotiates).
func (m *metrics) handler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
}

// count records how a webhook request was answered. src is the zero Source
// when none was found: an unknown slug is the caller's text, and a label
// per guessed slug would let anyone grow the metrics without bound.
func (h *Handler) count(c *fiber.Ctx, src db.Source, result string) {
	h.metrics.hooks.WithLabelValues(src.Slug, src.Kind, result).Inc()
	if result == hookAccepted || result == hookDuplicate {
		// fasthttp stamps the request once it is read; time.Since keeps to
		// the monotonic clock, unlike opts.Now, which tests move.
		h.metrics.ingest.WithLabelValues(src.Slug, src.Kind).Observe(time.Since(c.Context().Time()).Seconds())
	}
}
