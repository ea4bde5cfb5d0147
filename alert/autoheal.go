package alert

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
)

// AutohealHeader carries the token a Docker autoheal listener is given,
// through the sender's extra-headers setting (autoheal itself sends none).
const AutohealHeader = "X-Webhook-Token"

func init() {
	register(Kind{
		Name:           "autoheal",
		Label:          "Docker autoheal",
		Verify:         verifyAutoheal,
		Decode:         decodeAutoheal,
		GenerateSecret: newToken,
	})
}

// verifyAutoheal takes the token from X-Webhook-Token or, for the autoheal
// images that can set no header (willfarrell's and tmknight's), from the
// URL's token parameter.
func verifyAutoheal(req Request, secret string) error {
	if _, ok := headerValue(req.Header, AutohealHeader); ok || !req.Query.Has(autohealQueryToken) {
		return verifyToken(req, secret, AutohealHeader)
	}
	if secret == "" {
		return errNoSecret()
	}
	if constantTimeEqual(req.Query.Get(autohealQueryToken), secret) {
		return nil
	}
	return authErrorf("token scheme: the URL's %s parameter did not match the source's secret", autohealQueryToken)
}

// autohealQueryToken is the URL parameter that may carry the token.
const autohealQueryToken = "token"

// The restart results a message reports.
const (
	restartSucceeded = "succeeded"
	restartFailed    = "failed"
	restartDisabled  = "disabled"
	restartUnknown   = "unknown"
)

// autohealMessageKeys are where senders put the message: willfarrell's
// image sends content (its script's fallback is text), tmknight sends the
// configured key, and Apprise bodies use body.
var autohealMessageKeys = []string{"content", "text", "body"}

var (
	// lenientMessage finds the message in a body that is not valid JSON:
	// willfarrell's script builds its JSON in a shell heredoc with no
	// escaping, and tmknight's older releases with format!.
	lenientMessage = regexp.MustCompile(`(?s)"(content|text|body)"\s*:\s*"(.*)"\s*}`)
	// willfarrellMessage is "Container <name> (<id>) found to be unhealthy.
	// <result>".
	willfarrellMessage = regexp.MustCompile(`(?s)Container\s+(\S+)\s+\(([^)]*)\)\s+found to be unhealthy\.?\s*(.*)`)
	// tmknightName opens each part of tmknight's message: "[<name> (<id>)]",
	// or "[<name>]" in older releases.
	tmknightName = regexp.MustCompile(`^\s*\[([^\]]+)\]`)
	// tmknightID is where older releases put the id: "Container (<id>)".
	tmknightID = regexp.MustCompile(`Container \(([0-9a-fA-F]+)\)`)
	// containerName is Docker's rule for names. Checking it keeps anything
	// else out of Target, which remediation passes to commands.
	containerName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)
	containerID   = regexp.MustCompile(`^[0-9a-fA-F]{1,64}$`)
)

// autohealReport is what one autoheal message says.
type autohealReport struct {
	host, name, id, result, lastOutput string
}

func decodeAutoheal(req Request) (Delivery, error) {
	msg, err := autohealMessage(req.Body)
	if err != nil {
		return Delivery{}, err
	}
	r, err := parseAutoheal(msg)
	if err != nil {
		return Delivery{}, err
	}
	// No delivery key: autoheal posts the same text for every failure of a
	// container, and each one counts.
	return Delivery{Events: []Event{r.event(msg)}}, nil
}

// autohealMessage finds the message: in a JSON object, in a JSON string, in
// a body that only looks like JSON, or as the plain-text body itself.
func autohealMessage(body []byte) (string, error) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return "", decodeErrorf(`empty body, want {"content": message}`)
	}
	if json.Valid(b) {
		return jsonAutohealMessage(b)
	}
	if m := lenientMessage.FindSubmatch(b); m != nil {
		return unescapeLoose(string(m[2])), nil
	}
	if b[0] == '{' || b[0] == '[' {
		return "", decodeErrorf("body is not valid JSON and has no content, text or body field")
	}
	return strings.ToValidUTF8(string(b), "\uFFFD"), nil
}

func jsonAutohealMessage(b []byte) (string, error) {
	var s string
	if json.Unmarshal(b, &s) == nil {
		return s, nil
	}
	var obj map[string]json.RawMessage
	if b[0] != '{' || json.Unmarshal(b, &obj) != nil {
		return "", decodeErrorf("body is %s, want a JSON object", describeJSON(b))
	}
	for _, k := range autohealMessageKeys {
		if json.Unmarshal(obj[k], &s) == nil && strings.TrimSpace(s) != "" {
			return s, nil
		}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return "", decodeErrorf("no message under content, text or body (fields seen: %s)", quote(strings.Join(keys, ", ")))
}

// unescapeLoose reads a JSON string's contents when they are valid, and
// otherwise undoes the common escapes by hand.
func unescapeLoose(raw string) string {
	var s string
	if json.Unmarshal([]byte(`"`+raw+`"`), &s) == nil {
		return s
	}
	s = strings.NewReplacer(`\"`, `"`, `\\`, `\`, `\n`, "\n", `\t`, "\t").Replace(raw)
	return strings.ToValidUTF8(s, "\uFFFD")
}

func parseAutoheal(msg string) (autohealReport, error) {
	r, ok := parseTmknight(msg)
	if !ok {
		r, ok = parseWillfarrell(msg)
	}
	if !ok {
		return r, decodeErrorf("no container name in message %s", quote(msg))
	}
	if !containerName.MatchString(r.name) {
		return r, decodeErrorf("container name %s is not a Docker container name", quote(r.name))
	}
	if !containerID.MatchString(r.id) {
		r.id = "" // an id is only a label; a strange one is dropped, not fatal
	}
	return r, nil
}

// parseWillfarrell reads willfarrell/docker-autoheal's message.
func parseWillfarrell(msg string) (autohealReport, bool) {
	m := willfarrellMessage.FindStringSubmatch(msg)
	if m == nil {
		return autohealReport{}, false
	}
	r := autohealReport{name: strings.TrimPrefix(m[1], "/"), id: m[2], result: restartUnknown}
	switch rest := strings.ToLower(m[3]); {
	case strings.Contains(rest, "successfully restarted"):
		r.result = restartSucceeded
	case strings.Contains(rest, "failed to restart"):
		r.result = restartFailed
	}
	return r, true
}

// parseTmknight reads tmknight/docker-autoheal's "<hostname>|<last output
// part>|<restart part>". The last output is the container's own health
// check output and may hold anything, "|" included, so the restart part is
// taken from the last "|".
func parseTmknight(msg string) (autohealReport, bool) {
	host, rest, ok := strings.Cut(msg, "|")
	m := tmknightName.FindStringSubmatch(rest)
	if !ok || m == nil {
		return autohealReport{}, false
	}
	r := autohealReport{host: strings.TrimSpace(host), result: restartUnknown}
	r.name, r.id = splitNameID(m[1])
	if r.id == "" {
		if idm := tmknightID.FindStringSubmatch(rest); idm != nil {
			r.id = idm[1]
		}
	}
	detail, result := rest, ""
	if i := strings.LastIndex(rest, "|"); i >= 0 {
		detail, result = rest[:i], rest[i+1:]
	}
	if _, out, found := strings.Cut(detail, "last output: "); found {
		r.lastOutput = strings.TrimSpace(out)
	}
	r.result = tmknightResult(result)
	return r, true
}

// splitNameID splits "my-app (0123456789ab)" into name and id.
func splitNameID(s string) (name, id string) {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, " ("); i >= 0 && strings.HasSuffix(s, ")") {
		return strings.TrimPrefix(strings.TrimSpace(s[:i]), "/"), s[i+2 : len(s)-1]
	}
	return strings.TrimPrefix(s, "/"), ""
}

func tmknightResult(part string) string {
	p := strings.ToLower(part)
	switch {
	case strings.Contains(p, "was successful"):
		return restartSucceeded
	case strings.Contains(p, "failed"):
		return restartFailed
	case strings.Contains(p, "restart enabled: false"):
		return restartDisabled
	}
	return restartUnknown
}

// event is one failure of the container: an open that stays open until
// someone closes it, since autoheal never reports recovery.
func (r autohealReport) event(msg string) Event {
	labels := map[string]string{"restart": r.result}
	if r.id != "" {
		labels["container_id"] = r.id
	}
	return Event{
		Key:          r.name,
		Type:         Open,
		Severity:     r.severity(),
		State:        "unhealthy",
		Title:        r.title(),
		Component:    Component{Name: r.name, Type: "container"},
		IncidentType: "container_unhealthy",
		Host:         r.host,
		Target:       r.name,
		Labels:       labels,
		Evidence:     r.evidence(msg),
	}
}

// severity is medium when autoheal restarted the container (it may be fine
// now) and high otherwise: the restart failed, was not attempted, or the
// message did not say.
func (r autohealReport) severity() Severity {
	if r.result == restartSucceeded {
		return Medium
	}
	return High
}

func (r autohealReport) title() string {
	switch r.result {
	case restartSucceeded:
		return r.name + " unhealthy (restart succeeded)"
	case restartFailed:
		return r.name + " unhealthy (restart failed)"
	case restartDisabled:
		return r.name + " unhealthy (not restarted)"
	}
	return r.name + " unhealthy"
}

func (r autohealReport) evidence(msg string) json.RawMessage {
	b, err := json.Marshal(struct {
		Message    string `json:"message"`
		LastOutput string `json:"last_output,omitempty"`
		Restart    string `json:"restart"`
	}{msg, r.lastOutput, r.result})
	if err != nil {
		return nil // unreachable: strings always marshal
	}
	return b
}
