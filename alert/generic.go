package alert

import (
	"bytes"
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
)

// The signature headers of the generic kind: X-Signature, and the name
// OpenRemedy's own clients send.
var genericSignatureHeaders = []string{"X-Signature", "X-OpenRemedy-Signature"}

// genericSignaturePrefix starts a generic signature; the hex HMAC follows.
const genericSignaturePrefix = "sha256="

func init() {
	register(Kind{
		Name:           "generic",
		Label:          "Generic (OpenRemedy)",
		Verify:         verifyGeneric,
		Decode:         decodeGeneric,
		GenerateSecret: newToken,
	})
}

// verifyGeneric accepts the request when any signature header present
// carries the body's HMAC; the reason speaks of the first one.
func verifyGeneric(req Request, secret string) error {
	if secret == "" {
		return errNoSecret()
	}
	var first error
	seen := false
	for _, name := range genericSignatureHeaders {
		got, ok := headerValue(req.Header, name)
		if !ok {
			continue
		}
		seen = true
		err := checkGenericSignature(name, got, secret, req.Body)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	if !seen {
		return missingHeader(strings.Join(genericSignatureHeaders, " or "), req.Header)
	}
	return first
}

// SignGeneric is the X-Signature value a generic sender puts on body:
// "sha256=" and the hex HMAC-SHA256 of the body keyed by the secret.
func SignGeneric(secret string, body []byte) string {
	return genericSignaturePrefix + hex.EncodeToString(hmacSHA256([]byte(secret), body))
}

func checkGenericSignature(name, got, secret string, body []byte) error {
	if got == "" {
		return authErrorf("header %s is empty", name)
	}
	wantRaw := hmacSHA256([]byte(secret), body)
	want := hex.EncodeToString(wantRaw)
	hexSig, ok := cutPrefixFold(got, genericSignaturePrefix)
	if !ok {
		return genericPrefixError(name, got, secret, want)
	}
	sig, err := hex.DecodeString(hexSig)
	if err != nil || len(sig) != len(wantRaw) {
		return authErrorf("%s is not sha256= followed by 64 hex digits (it has %d characters after sha256=)", name, len(hexSig))
	}
	if hmac.Equal(sig, wantRaw) {
		return nil
	}
	if constantTimeEqual(strings.ToLower(hexSig), strings.ToLower(secret)) {
		return authErrorf("%s carries the secret itself; send sha256=<hex HMAC-SHA256 of the body>", name)
	}
	return authErrorf("%s is %q but the body's HMAC with the current secret starts %q",
		name, genericSignaturePrefix+preview(strings.ToLower(hexSig)), preview(want))
}

// genericPrefixError explains a signature without its sha256= prefix,
// spotting the two usual slips: the bare hex digest, and the secret itself.
func genericPrefixError(name, got, secret, want string) error {
	switch {
	case constantTimeEqual(strings.ToLower(got), want):
		return authErrorf("%s is the right HMAC but lacks the sha256= prefix", name)
	case constantTimeEqual(got, secret):
		return authErrorf("%s carries the secret itself; send sha256=<hex HMAC-SHA256 of the body>", name)
	}
	return authErrorf("%s does not start with %q; send sha256=<hex HMAC-SHA256 of the body>", name, genericSignaturePrefix)
}

// cutPrefixFold is strings.CutPrefix ignoring ASCII case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

// genericBody is OpenRemedy's alert body plus Alertgate's optional fields.
type genericBody struct {
	Hostname     string          `json:"hostname"`
	IncidentType string          `json:"incident_type"`
	Severity     string          `json:"severity"`
	Evidence     json.RawMessage `json:"evidence"`
	Status       string          `json:"status"`
	Key          string          `json:"key"`
	Title        string          `json:"title"`
	Component    string          `json:"component"`
	OccurredAt   string          `json:"occurred_at"`
}

func decodeGeneric(req Request) (Delivery, error) {
	ev, err := decodeGenericEvent(req.Body)
	if err != nil {
		return Delivery{}, err
	}
	idem, _ := headerValue(req.Header, "Idempotency-Key")
	reqID, _ := headerValue(req.Header, "X-Request-Id")
	return Delivery{Key: firstNonEmpty(idem, reqID), Events: []Event{ev}}, nil
}

// decodeGenericEvent reads the generic body, which the standard kind shares.
func decodeGenericEvent(body []byte) (Event, error) {
	var b genericBody
	if err := decodeObject(body, &b); err != nil {
		return Event{}, err
	}
	b.trim()
	if err := b.check(); err != nil {
		return Event{}, err
	}
	return b.toEvent()
}

func (b *genericBody) trim() {
	for _, p := range []*string{&b.Hostname, &b.IncidentType, &b.Severity, &b.Status, &b.Key, &b.Title, &b.Component, &b.OccurredAt} {
		*p = strings.TrimSpace(*p)
	}
}

// check requires what the key and the title are made of.
func (b *genericBody) check() error {
	if b.Key != "" {
		if b.Hostname == "" && b.IncidentType == "" && b.Title == "" {
			return decodeErrorf("key is given but hostname, incident_type and title are all missing: give at least one")
		}
		return nil
	}
	var missing []string
	if b.Hostname == "" {
		missing = append(missing, "hostname")
	}
	if b.IncidentType == "" {
		missing = append(missing, "incident_type")
	}
	if len(missing) > 0 {
		return decodeErrorf("missing %s (or give a key)", strings.Join(missing, " and "))
	}
	return nil
}

func (b *genericBody) toEvent() (Event, error) {
	sev, err := ParseSeverity(b.Severity)
	if err != nil {
		return Event{}, err
	}
	typ, err := genericType(b.Status)
	if err != nil {
		return Event{}, err
	}
	at, err := parseOccurredAt(b.OccurredAt)
	if err != nil {
		return Event{}, err
	}
	ev := Event{
		Key:          firstNonEmpty(b.Key, b.Hostname+"/"+b.IncidentType),
		Type:         typ,
		Severity:     sev,
		State:        b.Status,
		Title:        b.title(),
		Component:    Component{Name: firstNonEmpty(b.Component, b.Hostname)},
		IncidentType: b.IncidentType,
		Host:         b.Hostname,
		OccurredAt:   at,
		Evidence:     evidence(b.Evidence),
	}
	if typ == Close {
		ev.CloseReason = b.Status
	}
	return ev, nil
}

func (b *genericBody) title() string {
	switch {
	case b.Title != "":
		return b.Title
	case b.IncidentType != "" && b.Hostname != "":
		return b.IncidentType + " on " + b.Hostname
	}
	return firstNonEmpty(b.IncidentType, b.Hostname)
}

// The status words. Only "resolved" is documented; the others are what
// people type after using Alertmanager, PagerDuty or Nagios.
var (
	genericOpenWords  = []string{"", "firing", "open", "triggered", "alerting", "problem"}
	genericCloseWords = []string{"resolved", "closed", "close", "ok", "recovered"}
)

// genericType reads status. An unknown word is an error rather than an open:
// a misspelt "resolved" must not open a notification it meant to close.
func genericType(status string) (Type, error) {
	s := strings.ToLower(status)
	for _, w := range genericCloseWords {
		if s == w {
			return Close, nil
		}
	}
	for _, w := range genericOpenWords {
		if s == w {
			return Open, nil
		}
	}
	return "", decodeErrorf("status %s is not one of %s (close) or %s (open)",
		quote(status), strings.Join(genericCloseWords, ", "), strings.Join(genericOpenWords[1:], ", "))
}

func parseOccurredAt(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, decodeErrorf("occurred_at %s is not an RFC 3339 time such as 2026-01-02T15:04:05Z", quote(s))
	}
	// An offset can move year 0000 or 9999 out of the range that RFC 3339,
	// and so the store and every JSON consumer, can represent.
	if t = t.UTC(); t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}, decodeErrorf("occurred_at %s is outside the years 0001 to 9999 in UTC", quote(s))
	}
	return t, nil
}

// evidence keeps the sender's evidence as sent; null counts as none.
func evidence(raw json.RawMessage) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return raw
}
