package views

import (
	"slices"
	"strings"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store/db"
)

// senderExamples are ready-to-paste setups for each kind's sender, with
// {{URL}} and {{SECRET}} filled in. generic and standard sign with openssl, as a
// sender's script would.
var senderExamples = map[string]string{
	"generic": `body='{"hostname":"web-1","incident_type":"disk_full","severity":"high","evidence":{"used_pct":97}}'
sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac '{{SECRET}}' | sed 's/^.* //')
curl -sS -X POST '{{URL}}' \
  -H 'Content-Type: application/json' \
  -H "X-Signature: sha256=$sig" \
  -d "$body"
# To close it again, send the same body with "status":"resolved" added.`,
	"standard": `body='{"hostname":"web-1","incident_type":"disk_full","severity":"high"}'
id="msg_$(date +%s%N)"; ts=$(date +%s)
key=$(printf '%s' '{{SECRET}}' | sed 's/^whsec_//' | base64 -d | od -An -tx1 | tr -d ' \n')
sig=$(printf '%s' "$id.$ts.$body" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | base64)
curl -sS -X POST '{{URL}}' \
  -H 'Content-Type: application/json' \
  -H "webhook-id: $id" -H "webhook-timestamp: $ts" -H "webhook-signature: v1,$sig" \
  -d "$body"`,
	"stackstate": `In StackState (SUSE Observability): Notifications → Channels → Webhook.
URL:          {{URL}}
Secret token: {{SECRET}}
Metadata:     optional key/value pairs; they arrive as labels.`,
	"autoheal": `# docker-autoheal (willfarrell or tmknight): add to the autoheal container's
# environment. These images send no custom header, so the token rides in the URL.
WEBHOOK_URL={{URL}}?token={{SECRET}}
# A fork that can send headers may use X-Webhook-Token instead:
# WEBHOOK_URL={{URL}}
# WEBHOOK_HEADERS=X-Webhook-Token: {{SECRET}}`,
	"alertmanager": `# alertmanager.yml: one receiver; route the alerts you want to it.
receivers:
  - name: alertgate
    webhook_configs:
      - url: '{{URL}}'
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: '{{SECRET}}'
# Or basic_auth with any username and the secret as the password.
route:
  receiver: alertgate`,
	"grafana": `In Grafana: Alerting → Contact points → + Add contact point → Integration: Webhook.
URL:                                {{URL}}
HTTP Method:                        POST
Optional settings:
  Authentication Header Scheme:      Bearer
  Authentication Header Credentials: {{SECRET}}
Leave the custom payload empty: Alertgate reads Grafana's default body.

Or sign instead (Grafana 12 and later), in the HMAC signature settings:
  Secret:           {{SECRET}}
  Header:           X-Grafana-Alerting-Signature
  Timestamp header: optional; if you set one, enter the same name in this
                    source's settings so signatures older than 5 minutes fail.`,
	"datadog": `In Datadog: Integrations → Webhooks → New webhook.
Name:    alertgate   (mention @webhook-alertgate in a monitor's message)
URL:     {{URL}}
Custom headers:
{"X-Webhook-Token": "{{SECRET}}"}
Payload: the default works; this one also gives each alert's cycle key:
{
  "id": "$ID",
  "title": "$EVENT_TITLE",
  "body": "$EVENT_MSG",
  "date": "$DATE",
  "event_type": "$EVENT_TYPE",
  "alert_transition": "$ALERT_TRANSITION",
  "alert_cycle_key": "$ALERT_CYCLE_KEY",
  "aggreg_key": "$AGGREG_KEY",
  "alert_id": "$ALERT_ID",
  "priority": "$ALERT_PRIORITY",
  "hostname": "$HOSTNAME",
  "tags": "$TAGS"
}`,
	"pagerduty": `In PagerDuty: Integrations → Generic Webhooks (v3) → + New Webhook.
1. Webhook URL:  {{URL}}
2. Scope type:   Service (or Account) and pick the scope.
3. Event subscription: incident.triggered, incident.acknowledged,
   incident.reopened, incident.priority_updated, incident.resolved.
4. Add webhook. PagerDuty then shows the subscription's signing secret once.
5. Alertgate checks X-PagerDuty-Signature with that secret: paste it under
   "PagerDuty's signing secret" on this source's page (or give it as the
   source's secret in the provisioning file).`,
	"uptimekuma": `In Uptime Kuma: Settings → Notifications → Setup Notification.
Notification Type:    Webhook
Post URL:             {{URL}}
Request Body:         Preset - application/json
Additional Headers:   on
{"X-Webhook-Token": "{{SECRET}}"}
Then enable the notification on each monitor (or "Default enabled").`,
}

// SenderExample is the setup to paste into the sender of kind, for the
// endpoint url and secret.
func SenderExample(kind, url, secret string) string {
	return strings.NewReplacer("{{URL}}", url, "{{SECRET}}", secret).Replace(senderExamples[kind])
}

// kindsWithSettings are the kinds whose decoding a source can tune.
var kindsWithSettings = []string{"alertmanager", "grafana"}

func hasSettings(kind string) bool { return slices.Contains(kindsWithSettings, kind) }

// settingsOf reads a source's settings for its form; text that does not
// parse shows as the defaults, as the receiver treats it.
func settingsOf(src db.Source) alert.Settings {
	s, _ := alert.ParseSettings(src.Settings)
	return s
}

// severityMapText is the severity map as the form's "word = severity" lines.
func severityMapText(s alert.Settings) string {
	var lines []string
	for w, sev := range s.SeverityMap {
		lines = append(lines, w+" = "+string(sev))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
