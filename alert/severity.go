package alert

import (
	"slices"
	"strings"
)

// severityWords maps the words senders use onto severities. Beyond the five
// names, these are the aliases people carry over from other tools: syslog
// and Alertmanager labels (warning, error, notice), ticket systems (major,
// minor) and Datadog's priorities P1–P5, which OpenRemedy's Datadog template
// sends as the severity.
var severityWords = map[string]Severity{
	"critical": Critical, "crit": Critical, "p1": Critical,
	"high": High, "error": High, "major": High, "p2": High,
	"medium": Medium, "warning": Medium, "warn": Medium, "p3": Medium,
	"low": Low, "minor": Low, "p4": Low,
	"info": Info, "information": Info, "ok": Info, "notice": Info, "p5": Info,
}

// ParseSeverity reads a sender's severity word, ignoring case and
// surrounding space. An empty word is High: an alert that names no severity
// still needs someone, but not everyone. An unknown word is a *DecodeError
// listing the accepted ones, since a guess could page people for a "debug".
func ParseSeverity(word string) (Severity, error) {
	w := strings.ToLower(strings.TrimSpace(word))
	if w == "" {
		return High, nil
	}
	if s, ok := severityWords[w]; ok {
		return s, nil
	}
	return "", decodeErrorf("severity %s is not one of critical, high, medium, low, info (or the aliases %s)",
		quote(word), strings.Join(severityAliases(), ", "))
}

// severityAliases lists the accepted words other than the five names.
func severityAliases() []string {
	var out []string
	for w, s := range severityWords {
		if w != string(s) {
			out = append(out, w)
		}
	}
	slices.Sort(out)
	return out
}
