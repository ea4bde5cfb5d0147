package delivery

import (
	"time"

	"github.com/alertgate/alertgate/alert"
)

// SampleNotificationID is the notificationId of every test send. It is
// fixed so that a receiver which opens an incident per notificationId
// updates one test incident instead of piling up a new one per click.
const SampleNotificationID = "00000000-0000-4000-8000-000000000000"

// SampleTitle marks the test send as such wherever the receiver shows the
// title.
const SampleTitle = "[TEST] Alertgate test notification: HTTP response time above 3 seconds"

// SampleEnvelope is the body the Test button sends to ch: a realistic open
// event, so that a receiver's parsing is exercised as by a real one, marked
// as a test in its title and tags.
func SampleEnvelope(ch ChannelRef) ([]byte, error) {
	return BuildEnvelope(sampleNotification(time.Now()), ChangeOpen, ch)
}

func sampleNotification(now time.Time) Notification {
	return Notification{
		ID:          SampleNotificationID,
		Title:       SampleTitle,
		SenderState: "CRITICAL",
		Severity:    alert.Critical,
		OpenedAt:    now,
		Component: alert.Component{
			Identifier: "urn:alertgate:test:service/checkout",
			Name:       "checkout",
			Type:       "service",
			// example.com is reserved for documentation: the link cannot
			// lead anywhere real.
			Link: "https://example.com/components/checkout",
			Tags: []string{"alertgate:test", "environment:test", "service-type:ClusterIP"},
		},
		Monitor: alert.Monitor{
			Identifier: "urn:alertgate:test:monitor:http-response-time",
			Name:       "HTTP - response time - is above 3 seconds",
			Link:       "https://example.com/monitors/http-response-time",
		},
	}
}
