// Package views renders Alertgate's pages and partials with templ. It does no
// I/O: handlers load everything a page shows and pass it in.
package views

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/store"
	"github.com/alertgate/alertgate/store/db"
)

// Page is what the layout needs on every page.
type Page struct {
	Title string
	// Nav is the path of the active navigation entry.
	Nav  string
	User *db.User // nil when nobody is signed in
	CSRF string
	// Flash is a one-time success message, Error a problem to fix.
	Flash string
	Error string
	// OpenCount is the number of open notifications, the badge beside
	// Notifications in the navigation.
	OpenCount int64
	// GoneChannels are the channels disabled because their receiver
	// answered 410 Gone: every page shows a banner until they are enabled
	// again or deleted.
	GoneChannels []store.GoneChannel
}

// navItem is one entry of the top navigation; admin-only areas are hidden
// from other roles (the server refuses them anyway).
type navItem struct {
	Path, Label string
	AdminOnly   bool
}

var navItems = []navItem{
	{"/notifications", "Notifications", false},
	{"/channels", "Channels", false},
	{"/sources", "Sources", true},
	{"/approvals", "Approvals", false},
	{"/remediations", "Remediations", false},
	{"/ledger", "Ledger", false},
	{"/audit", "Audit", true},
	{"/users", "Users", true},
}

func (p Page) visibleNav() []navItem {
	var out []navItem
	for _, n := range navItems {
		if !n.AdminOnly || p.User.Role == store.RoleAdmin {
			out = append(out, n)
		}
	}
	return out
}

// csrfHeaders is the hx-headers value that makes htmx send the CSRF token
// with every request it issues from the page.
func csrfHeaders(token string) string {
	b, _ := json.Marshal(map[string]string{"X-Csrf-Token": token})
	return string(b)
}

// when shows a stored (UTC) time.
func when(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func isoTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

// kindLabel is the name people know a sender kind by.
func kindLabel(kind string) string {
	if k, ok := alert.Lookup(kind); ok && k.Label != "" {
		return k.Label
	}
	return kind
}

// mask shows only the end of a secret, enough to tell two apart.
func mask(secret string) string {
	if len(secret) <= 8 {
		return "••••••••"
	}
	return "••••••••" + secret[len(secret)-4:]
}

// prettyJSON indents JSON for reading; anything else is shown as is.
func prettyJSON(s string) string {
	var out bytes.Buffer
	if json.Indent(&out, []byte(s), "", "  ") != nil {
		return s
	}
	return out.String()
}

func sourceAction(src db.Source, action string) templ.SafeURL {
	return templ.SafeURL("/sources/" + strconv.FormatInt(src.ID, 10) + "/" + action)
}

func rateValue(rate int64) string {
	if rate == 0 {
		return ""
	}
	return strconv.FormatInt(rate, 10)
}

func durationValue(seconds int64) string {
	if seconds == 0 {
		return ""
	}
	return (time.Duration(seconds) * time.Second).String()
}

// Mask is mask for the JSON API, so both show a secret the same way.
func Mask(secret string) string { return mask(secret) }
