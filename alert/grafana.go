package alert

import (
	"crypto/hmac"
	"encoding/hex"
	"strings"
	"time"
)

// Grafana's unified alerting webhook contact point: Alertmanager's payload
// (version "1" here) plus orgId, title, state and message, with per-alert
// values and links. Auth is bearer or basic as for Alertmanager, or
// Grafana 12's optional HMAC signature.

// GrafanaSignatureHeader is where Grafana puts its HMAC by default.
const GrafanaSignatureHeader = "X-Grafana-Alerting-Signature"

// grafanaWindow bounds the signed timestamp's distance from arrival.
const grafanaWindow = 5 * time.Minute

func init() {
	register(Kind{
		Name:           "grafana",
		Label:          "Grafana Alerting",
		Verify:         verifyGrafana,
		Decode:         decodeGrafana,
		GenerateSecret: newToken,
	})
}

// verifyGrafana checks the HMAC when the request is signed, else bearer or
// basic auth. A source with a timestamp header configured expects signed
// requests, so a missing signature there is named as such.
func verifyGrafana(req Request, secret string) error {
	if secret == "" {
		return errNoSecret()
	}
	sig, signed := headerValue(req.Header, GrafanaSignatureHeader)
	if signed {
		return checkGrafanaSignature(req, secret, sig)
	}
	if req.Settings.TimestampHeader != "" {
		if _, ok := headerValue(req.Header, "Authorization"); !ok {
			return missingHeader(GrafanaSignatureHeader, req.Header)
		}
	}
	return verifyBearerOrBasic(req, secret)
}

// SignGrafana is Grafana's signature of body: hex HMAC-SHA256 of the body,
// or of "timestamp:body" when ts is not empty.
func SignGrafana(secret, ts string, body []byte) string {
	if ts == "" {
		return hex.EncodeToString(hmacSHA256([]byte(secret), body))
	}
	return hex.EncodeToString(hmacSHA256([]byte(secret), []byte(ts), []byte(":"), body))
}

func checkGrafanaSignature(req Request, secret, sig string) error {
	ts := ""
	if name := req.Settings.TimestampHeader; name != "" {
		v, ok := headerValue(req.Header, name)
		if !ok {
			return missingHeader(name, req.Header)
		}
		if err := checkUnixWindow(name, v, req.Now, grafanaWindow); err != nil {
			return err
		}
		ts = v
	}
	want := SignGrafana(secret, ts, req.Body)
	if hmac.Equal([]byte(strings.ToLower(sig)), []byte(want)) {
		return nil
	}
	signed := "the body"
	if ts != "" {
		signed = "timestamp:body"
	}
	return authErrorf("%s is %q but the HMAC of %s with the current secret starts %q",
		GrafanaSignatureHeader, preview(strings.ToLower(sig)), signed, preview(want))
}

// checkUnixWindow reads a Unix-seconds header and allows it within window
// of the arrival time either way.
func checkUnixWindow(name, text string, now time.Time, window time.Duration) error {
	ts, err := parseUnixSeconds(text)
	if err != nil {
		return authErrorf("%s %s is not unix seconds", name, quote(text))
	}
	if now.IsZero() {
		now = time.Now()
	}
	skew := now.Unix() - ts
	w := int64(window / time.Second)
	switch {
	case skew > w:
		return authErrorf("%s is %d s in the past (window ±%d s)", name, skew, w)
	case skew < -w:
		return authErrorf("%s is %d s in the future (window ±%d s)", name, -skew, w)
	}
	return nil
}

func decodeGrafana(req Request) (Delivery, error) {
	var m amMessage
	if err := decodeObject(req.Body, &m); err != nil {
		return Delivery{}, grafanaHint(err)
	}
	if len(m.EvalMatches) > 0 || (len(m.RuleID) > 0 && m.Alerts == nil) {
		return Delivery{}, decodeErrorf("this is Grafana's legacy alerting format (evalMatches, ruleId); " +
			"Alertgate takes the unified alerting webhook (Grafana 9 and later, payload version 1)")
	}
	if m.Version != "" && m.Version != "1" {
		return Delivery{}, decodeErrorf("version %s: this source takes Grafana's webhook payload version 1", quote(m.Version))
	}
	return m.delivery(req, "Grafana alerting")
}

// grafanaHint adds the usual cause of a body that is not an object: a
// custom payload template on the contact point.
func grafanaHint(err error) error {
	if de, ok := err.(*DecodeError); ok && (strings.HasPrefix(de.Reason, "body is") || strings.HasPrefix(de.Reason, "empty body")) {
		return decodeErrorf("%s; remove the contact point's custom payload template so Grafana sends its default webhook body", de.Reason)
	}
	return err
}
