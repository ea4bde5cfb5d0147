package alert

import (
	"encoding/json"
	"fmt"
	"net/textproto"
	"strings"
)

// Settings are a source's own choices about how its deliveries verify and
// decode. They ride on the Request so that decoders stay pure functions.
// The zero value is every kind's default.
type Settings struct {
	// ComponentLabel names the Alertmanager or Grafana label that says
	// which component an alert is about; empty means instance, then job.
	ComponentLabel string `json:"component_label,omitempty" yaml:"component_label"`
	// SeverityMap maps a sender's severity words (an Alertmanager severity
	// label such as "page" or "exception") onto Alertgate's severities,
	// before the built-in words are tried.
	SeverityMap map[string]Severity `json:"severity_map,omitempty" yaml:"severity_map"`
	// TimestampHeader is the header Grafana's HMAC signing is configured to
	// put the time in; when set, Grafana signatures cover "timestamp:body"
	// and must be within ±5 min.
	TimestampHeader string `json:"timestamp_header,omitempty" yaml:"timestamp_header"`
}

// ParseSettings reads settings as stored; empty text is the defaults.
func ParseSettings(text string) (Settings, error) {
	var s Settings
	if strings.TrimSpace(text) == "" || text == "{}" {
		return s, nil
	}
	if err := json.Unmarshal([]byte(text), &s); err != nil {
		return Settings{}, fmt.Errorf("source settings are not valid JSON: %w", err)
	}
	return s, s.Check()
}

// Text is the settings as stored: compact JSON, "{}" for the defaults.
func (s Settings) Text() string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Check refuses settings that could never work, naming the field.
func (s *Settings) Check() error {
	s.ComponentLabel = strings.TrimSpace(s.ComponentLabel)
	s.TimestampHeader = strings.TrimSpace(s.TimestampHeader)
	if s.TimestampHeader != "" && !validHeaderName(s.TimestampHeader) {
		return fmt.Errorf("timestamp_header %s is not an HTTP header name", quote(s.TimestampHeader))
	}
	words := make(map[string]Severity, len(s.SeverityMap))
	for word, sev := range s.SeverityMap {
		if sev.Rank() == 0 {
			return fmt.Errorf("severity_map: %s maps to %s, which is not one of %s", quote(word), quote(string(sev)), severityList())
		}
		words[strings.ToLower(strings.TrimSpace(word))] = sev
	}
	if len(words) == 0 {
		words = nil
	}
	s.SeverityMap = words
	return nil
}

func severityList() string {
	names := make([]string, len(Severities))
	for i, s := range Severities {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

func validHeaderName(name string) bool {
	return !strings.ContainsFunc(name, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r)
	}) && textproto.CanonicalMIMEHeaderKey(name) != ""
}

// severityFor maps a sender's word: the source's own mapping first, then
// the built-in words. An unknown or missing word is High rather than an
// error: Alertmanager and Grafana would retry a refused group for ever, and
// the word itself is kept in the labels for anyone who looks.
func (s Settings) severityFor(word string) Severity {
	w := strings.ToLower(strings.TrimSpace(word))
	if sev, ok := s.SeverityMap[w]; ok {
		return sev
	}
	if sev, err := ParseSeverity(w); err == nil {
		return sev
	}
	return High
}

// componentLabels is the order in which labels name an alert's component.
func (s Settings) componentLabels() []string {
	if s.ComponentLabel != "" {
		return []string{s.ComponentLabel}
	}
	return defaultComponentLabels
}

var defaultComponentLabels = []string{"instance", "job"}
