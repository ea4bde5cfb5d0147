package views

import "strings"

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
}

// SenderExample is the setup to paste into the sender of kind, for the
// endpoint url and secret.
func SenderExample(kind, url, secret string) string {
	return strings.NewReplacer("{{URL}}", url, "{{SECRET}}", secret).Replace(senderExamples[kind])
}
