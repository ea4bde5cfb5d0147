package delivery

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
)

// verifyStandard checks a delivery as an Alertgate "standard" source would:
// the receiving side's own verifier, not a second copy of the signing code.
func verifyStandard(t *testing.T, h http.Header, body []byte, secret string, now time.Time) error {
	t.Helper()
	kind, ok := alert.Lookup("standard")
	if !ok {
		t.Fatal("no standard kind")
	}
	return kind.Verify(alert.Request{Header: h, Body: body, Now: now}, secret)
}

func tokens(t *testing.T) map[string]string {
	kind, _ := alert.Lookup("standard")
	return map[string]string{
		"plain token":  "s3cr3t-channel-token",
		"whsec secret": kind.GenerateSecret(),
	}
}

func TestHeadersVerify(t *testing.T) {
	body := []byte(`{"notificationId":"n-1","event":{"type":"close","reason":"HealthStateResolved"}}`)
	ts := time.Unix(1760000000, 0)
	for name, token := range tokens(t) {
		t.Run(name, func(t *testing.T) {
			h := Headers("dlv-42", ts, body, token, "1.4.0")
			for k, want := range map[string]string{
				"Content-Type":  "application/json",
				"User-Agent":    "Alertgate/1.4.0",
				TokenHeader:     token,
				IDHeader:        "dlv-42",
				TimestampHeader: strconv.FormatInt(ts.Unix(), 10),
			} {
				if got := h.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if err := verifyStandard(t, h, body, token, ts.Add(time.Minute)); err != nil {
				t.Errorf("receiver rejects the signature: %v", err)
			}
			tampered := bytes.Replace(body, []byte("close"), []byte("open!"), 1)
			if verifyStandard(t, h, tampered, token, ts) == nil {
				t.Error("a changed body still verifies")
			}
			if verifyStandard(t, h, body, token+"x", ts) == nil {
				t.Error("another secret still verifies")
			}
		})
	}
}

// TestHeadersOverHTTP sends the headers through net/http, which
// canonicalises their names, and verifies what the receiver got.
func TestHeadersOverHTTP(t *testing.T) {
	for name, token := range tokens(t) {
		t.Run(name, func(t *testing.T) {
			type received struct {
				h    http.Header
				body []byte
			}
			got := make(chan received, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				got <- received{r.Header.Clone(), b}
			}))
			defer srv.Close()

			body := []byte(`{"title":"Überlast 🚨"}`)
			now := time.Now()
			req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header = Headers("dlv-7", now, body, token, "dev")
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			r := <-got
			if err := verifyStandard(t, r.h, r.body, token, time.Now()); err != nil {
				t.Errorf("receiver rejects the delivery: %v", err)
			}
			if r.h.Get("webhook-id") != "dlv-7" || r.h.Get("X-Webhook-Token") != token || r.h.Get("User-Agent") != "Alertgate/dev" {
				t.Errorf("headers received: %v", r.h)
			}
		})
	}
}

// TestHeadersRetry: a retry keeps the delivery id, so receivers dedupe it,
// and carries a fresh timestamp and signature, so it is not too old.
func TestHeadersRetry(t *testing.T) {
	body := []byte(`{}`)
	t0 := time.Unix(1760000000, 0)
	first := Headers("dlv-1", t0, body, "tok", "1")
	retry := Headers("dlv-1", t0.Add(2*time.Hour), body, "tok", "1")
	if first.Get(IDHeader) != retry.Get(IDHeader) {
		t.Error("webhook-id changed across retries")
	}
	if first.Get(SignatureHeader) == retry.Get(SignatureHeader) {
		t.Error("retry reuses the first attempt's signature")
	}
	if err := verifyStandard(t, retry, body, "tok", t0.Add(2*time.Hour)); err != nil {
		t.Errorf("retry does not verify: %v", err)
	}
}

func TestHeadersWithoutToken(t *testing.T) {
	h := Headers("dlv-1", time.Unix(1, 0), []byte(`{}`), "", "")
	if _, ok := h[http.CanonicalHeaderKey(TokenHeader)]; ok {
		t.Error("empty token sent")
	}
	if _, ok := h[http.CanonicalHeaderKey(SignatureHeader)]; ok {
		t.Error("signature keyed by nothing sent")
	}
	if h.Get(IDHeader) != "dlv-1" || h.Get("User-Agent") != "Alertgate" {
		t.Errorf("headers: %v", h)
	}
}
