package handlers

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
)

// hookReply is the JSON every answer of /hooks/{slug} carries.
type hookReply struct {
	Status        string   `json:"status,omitempty"`
	ID            int64    `json:"id,omitempty"`
	Notifications []string `json:"notifications,omitempty"`
	Error         string   `json:"error,omitempty"`
}

func reply(c *fiber.Ctx, status int, r hookReply) error {
	return c.Status(status).JSON(r)
}

// receive is POST /hooks/{slug}: limit, find the source, verify, decode,
// store in the next group commit, and only then answer 200.
func (h *Handler) receive(c *fiber.Ctx) error {
	ip := c.IP()
	if over, wait := h.authFailures.over(ip, h.opts.HookAuthFailures); over {
		h.count(c, db.Source{}, hookRateLimited)
		return tooMany(c, wait, "too many failed authentications from your address; slow down")
	}
	slug := c.Params("slug")
	src, err := h.store.SourceBySlug(c.UserContext(), slug)
	if errors.Is(err, store.ErrNotFound) || (err == nil && src.Disabled) {
		h.count(c, db.Source{}, hookNotFound)
		return reply(c, fiber.StatusNotFound, hookReply{Error: fmt.Sprintf("no enabled source %q", slug)})
	}
	if err != nil {
		h.count(c, db.Source{}, hookUnavailable)
		return h.unavailable(c, err)
	}
	kind, ok := alert.Lookup(src.Kind)
	if !ok {
		h.count(c, src, hookUnavailable)
		return h.unavailable(c, fmt.Errorf("source %s has unknown kind %q", src.Slug, src.Kind))
	}
	// The raw body: c.Body() would inflate a compressed one, unbounded,
	// before anything is checked.
	req := alert.Request{Header: requestHeaders(c), Query: requestQuery(c), Body: c.Request().Body(), Now: h.opts.Now(), Settings: sourceSettings(src)}
	if enc := c.Get(fiber.HeaderContentEncoding); enc != "" && !strings.EqualFold(enc, "identity") {
		msg := fmt.Sprintf("Content-Encoding %q is not accepted; send the body uncompressed", enc)
		return h.refuse(c, src, req, fiber.StatusUnsupportedMediaType, msg)
	}
	if len(req.Body) > h.opts.HookBodyLimit {
		msg := fmt.Sprintf("body is %d bytes, over the limit of %d", len(req.Body), h.opts.HookBodyLimit)
		h.count(c, src, hookRejectedSize)
		return h.refuse(c, src, req, fiber.StatusRequestEntityTooLarge, msg)
	}
	if err := verify(kind, src, req); err != nil {
		h.authFailures.add(ip)
		h.count(c, src, hookRejectedAuth)
		return h.refuse(c, src, req, fiber.StatusUnauthorized, err.Error())
	}
	if src.RatePerMinute > 0 {
		if ok, wait := h.sourceRate.take(src.Slug, int(src.RatePerMinute)); !ok {
			h.count(c, src, hookRateLimited)
			return tooMany(c, wait, fmt.Sprintf("source %s accepts at most %d deliveries a minute", src.Slug, src.RatePerMinute))
		}
	}
	delivery, err := kind.Decode(req)
	if err != nil {
		h.count(c, src, hookRejectedPayload)
		return h.refuse(c, src, req, fiber.StatusBadRequest, err.Error())
	}
	return h.accept(c, src, req, delivery)
}

// verify checks the current secret, then a rotated-out one still in its
// grace period. The reason reported is the current secret's.
func verify(kind alert.Kind, src db.Source, req alert.Request) error {
	err := kind.Verify(req, src.Secret)
	if err == nil || src.OldSecret == "" || !src.OldSecretUntil.Valid || req.Now.After(src.OldSecretUntil.Time) {
		return err
	}
	if kind.Verify(req, src.OldSecret) == nil {
		return nil
	}
	return err
}

// accept stores the delivery and answers once it is durable.
func (h *Handler) accept(c *fiber.Ctx, src db.Source, req alert.Request, d alert.Delivery) error {
	res, err := h.store.Ingest(c.UserContext(), store.Ingest{
		SourceID: src.ID, SourceSlug: src.Slug, Delivery: d, ReceivedAt: req.Now, Headers: redactedHeaders(req.Header), Body: req.Body,
	})
	if err != nil {
		h.count(c, src, hookUnavailable)
		return h.unavailable(c, err)
	}
	r := hookReply{Status: hookAccepted, ID: res.InboxID}
	if res.Duplicate {
		r.Status = hookDuplicate
	} else if h.opts.Remediation != nil {
		h.opts.Remediation.Observe(src, d, res) // queued, never waited for
	}
	h.count(c, src, r.Status)
	for _, ch := range res.Changes {
		if ch.NotificationID != "" {
			r.Notifications = append(r.Notifications, ch.NotificationID)
		}
	}
	return reply(c, fiber.StatusOK, r)
}

// refuse answers a bad request and keeps a redacted copy for the source's
// page, so an admin can see why the sender fails.
func (h *Handler) refuse(c *fiber.Ctx, src db.Source, req alert.Request, status int, reason string) error {
	err := h.store.Reject(c.UserContext(), src.ID, store.Rejection{
		IP: c.IP(), Status: status, Reason: reason, Headers: redactedHeaders(req.Header), BodyExcerpt: excerpt(req.Body, 2048),
	})
	if err != nil {
		h.log.Warn("record rejected request", "source", src.Slug, "err", err)
	}
	if status == fiber.StatusUnauthorized {
		// The detail (digest prefixes, the header seen) is for the admin;
		// the caller may be anyone, so it only learns where to look.
		reason = "unauthorized: the token or signature did not verify for this source; its page in Alertgate says why"
	}
	return reply(c, status, hookReply{Error: reason})
}

func (h *Handler) unavailable(c *fiber.Ctx, err error) error {
	h.log.Error("hook storage failed", "path", c.Path(), "err", err)
	c.Set(fiber.HeaderRetryAfter, "5")
	return reply(c, fiber.StatusServiceUnavailable, hookReply{Error: "storage unavailable; nothing was stored, retry later"})
}

func tooMany(c *fiber.Ctx, wait time.Duration, msg string) error {
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	return reply(c, fiber.StatusTooManyRequests, hookReply{Error: msg})
}

// requestHeaders copies the request headers (Fiber reuses its buffers).
func requestHeaders(c *fiber.Ctx) http.Header {
	h := http.Header{}
	c.Request().Header.VisitAll(func(k, v []byte) {
		h.Add(string(k), string(v))
	})
	return h
}

// requestQuery copies the query string (for senders that can only put a
// token in the URL).
func requestQuery(c *fiber.Ctx) url.Values {
	q, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
	return q
}

// secretHeaders carry a secret as is; they are never stored.
var secretHeaders = []string{"Authorization", "Cookie", "X-Stackstate-Webhook-Token", "X-Webhook-Token", "X-Api-Key"}

// signatureHeaders carry a digest, or by mistake the secret itself: only
// their start is kept, enough to compare with the reason's digest prefix.
var signatureHeaders = []string{"X-Signature", "X-Openremedy-Signature", "Webhook-Signature", "X-Pagerduty-Signature", "X-Grafana-Alerting-Signature"}

// redactedHeaders is the headers as a JSON object, as json.Marshal writes
// an http.Header (names sorted, each with its values), with secret values
// replaced and signatures cut short. Written out by hand: json.Marshal of
// a redacted copy took about three times as long and five times the
// allocations (BenchmarkRedactedHeaders).
func redactedHeaders(h http.Header) string {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	b := make([]byte, 0, 512)
	b = append(b, '{')
	for i, name := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, name)
		b = append(b, ':', '[')
		for j, v := range redactedValues(name, h[name]) {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, v)
		}
		b = append(b, ']')
	}
	return string(append(b, '}'))
}

// redactedValues are a header's values as they may be stored: a secret
// header's as one "[redacted]", a signature header's cut to 16 bytes.
func redactedValues(name string, values []string) []string {
	switch {
	case slices.Contains(secretHeaders, name):
		if slices.ContainsFunc(values, func(v string) bool { return v != "" }) {
			return []string{"[redacted]"}
		}
	case slices.Contains(signatureHeaders, name):
		cut := make([]string, len(values))
		for i, v := range values {
			if cut[i] = v; len(v) > 16 {
				cut[i] = v[:16] + "…"
			}
		}
		return cut
	}
	return values
}

// appendJSONString appends s as a JSON string; bytes that are not UTF-8
// become U+FFFD, as json.Marshal does.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		if c := s[i]; c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r < 0x20:
			b = append(b, `\u00`...)
			b = append(b, "0123456789abcdef"[r>>4], "0123456789abcdef"[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// excerpt is the start of a body, cut at a character boundary.
func excerpt(b []byte, n int) string {
	if len(b) <= n {
		return strings.ToValidUTF8(string(b), "�")
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return strings.ToValidUTF8(string(b[:cut]), "�") + fmt.Sprintf("… (%d bytes in all)", len(b))
}
