package alert

import (
	"encoding/base64"
	"strings"
)

// Schemes shared by the kinds whose senders only let a user add a header:
// Alertmanager's and Grafana's http_config (bearer or basic auth), and the
// custom headers of Datadog and Uptime Kuma (a token header or bearer).

// WebhookTokenHeader carries the bare secret for the kinds that send custom
// headers (Datadog, Uptime Kuma, autoheal forks that can set one).
const WebhookTokenHeader = "X-Webhook-Token"

// verifyBearerOrBasic accepts "Authorization: Bearer <secret>" or basic auth
// with the secret as the password (any user name: Alertmanager's basic_auth
// requires one, and it says nothing about the sender).
func verifyBearerOrBasic(req Request, secret string) error {
	if secret == "" {
		return errNoSecret()
	}
	got, ok := headerValue(req.Header, "Authorization")
	if !ok {
		return missingHeader("Authorization", req.Header)
	}
	scheme, cred, _ := strings.Cut(got, " ")
	cred = strings.TrimSpace(cred)
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		if constantTimeEqual(cred, secret) {
			return nil
		}
		return authErrorf("bearer scheme: the Authorization token did not match the source's secret")
	case strings.EqualFold(scheme, "Basic"):
		return checkBasic(cred, secret)
	case got == "":
		return authErrorf("header Authorization is empty")
	}
	return authErrorf("Authorization uses the scheme %s; send Bearer <secret> or basic auth with the secret as the password", quote(scheme))
}

func checkBasic(cred, secret string) error {
	raw, err := base64.StdEncoding.DecodeString(cred)
	if err != nil {
		return authErrorf("basic scheme: the Authorization credentials are not base64")
	}
	user, password, ok := strings.Cut(string(raw), ":")
	if !ok {
		return authErrorf("basic scheme: the Authorization credentials have no user:password colon")
	}
	if constantTimeEqual(password, secret) {
		return nil
	}
	return authErrorf("basic scheme: the password for user %s did not match the source's secret", quote(user))
}

// verifyTokenOrBearer accepts the secret in X-Webhook-Token, or as a bearer
// token when that header is absent.
func verifyTokenOrBearer(req Request, secret string) error {
	if _, ok := headerValue(req.Header, WebhookTokenHeader); ok {
		return verifyToken(req, secret, WebhookTokenHeader)
	}
	if _, ok := headerValue(req.Header, "Authorization"); ok {
		return verifyBearerOrBasic(req, secret)
	}
	return missingHeader(WebhookTokenHeader+" or Authorization", req.Header)
}
