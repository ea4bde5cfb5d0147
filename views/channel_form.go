package views

import (
	"encoding/json"

	"github.com/alertgate/alertgate/store/db"
)

// ChannelForm is what the add and edit forms show: a channel's settings,
// or what the admin typed when the form comes back with a problem.
type ChannelForm struct {
	New         bool // the add form, which also asks for a token
	Name        string
	URL         string
	Timeout     string
	Metadata    [][2]string // key/value rows in the order given
	Sources     []string
	MinSeverity string
	VerifyTLS   bool
	Enabled     bool
	// Error names the problem to fix; Field is the input it is about.
	Error string
	Field string
}

// NewChannelForm is the empty add form, with the safe defaults on.
func NewChannelForm() ChannelForm {
	return ChannelForm{New: true, Timeout: "10s", VerifyTLS: true, Enabled: true}
}

// ChannelFormOf is the edit form filled in with the channel as stored.
func ChannelFormOf(ch db.Channel) ChannelForm {
	f := ChannelForm{
		Name: ch.Name, URL: ch.Url, Timeout: timeoutText(ch.TimeoutMs), Metadata: channelMetadata(ch),
		MinSeverity: ch.MinSeverity, VerifyTLS: ch.VerifyTls, Enabled: ch.Enabled,
	}
	json.Unmarshal([]byte(ch.SourcesJson), &f.Sources)
	return f
}

// metadataRows always offers at least one row to type into.
func (f ChannelForm) metadataRows() [][2]string {
	if len(f.Metadata) == 0 {
		return [][2]string{{"", ""}}
	}
	return f.Metadata
}
