package delivery

import (
	"net/http"
	"strconv"
	"time"

	"github.com/alertgate/alertgate/alert"
)

// The header names a channel receives. The Standard Webhooks ones are
// written as the spec writes them; net/http canonicalises them on the wire
// and receivers compare them case-insensitively.
const (
	TokenHeader     = "X-Webhook-Token"
	IDHeader        = "webhook-id"
	TimestampHeader = "webhook-timestamp"
	SignatureHeader = "webhook-signature"
)

// Headers builds the headers of one attempt at delivery deliveryID, sent at
// ts with body, for a channel whose secret is token. deliveryID must stay the
// same across retries so that receivers can dedupe on webhook-id; ts is the
// attempt's own time, since receivers reject timestamps older than five
// minutes.
//
// The token is sent twice on purpose: verbatim in X-Webhook-Token for
// receivers that compare a shared token (autoheal, StackState-style), and as
// the key of the Standard Webhooks signature for receivers that verify one.
// A channel without a token gets neither, since an HMAC keyed by nothing
// proves nothing.
func Headers(deliveryID string, ts time.Time, body []byte, token, version string) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", userAgent(version))
	h.Set(IDHeader, deliveryID)
	h.Set(TimestampHeader, strconv.FormatInt(ts.Unix(), 10))
	if token != "" {
		h.Set(TokenHeader, token)
		h.Set(SignatureHeader, alert.SignStandard(token, deliveryID, ts, body))
	}
	return h
}

func userAgent(version string) string {
	if version == "" {
		return "Alertgate"
	}
	return "Alertgate/" + version
}
