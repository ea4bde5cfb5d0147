package handlers

import (
	"net/http/httptest"
	"testing"

	"github.com/alertgate/alertgate/store"
)

// benchGet measures one request through the whole app (middleware, session
// cookie decode, user lookup in SQLite, render). /healthz, which skips the
// session, runs in the same command as the baseline to compare against.
func benchGet(b *testing.B, path string) {
	ta := newTestApp(b)
	ta.addUser(b, "alice", store.RoleAdmin)
	br := ta.signedIn(b, "alice")
	req := httptest.NewRequest("GET", path, nil)
	for k, v := range br.cookies {
		req.Header.Add("Cookie", k+"="+v)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		resp, err := ta.app.Test(req, -1)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("GET %s: %v %v", path, err, resp.StatusCode)
		}
	}
}

func BenchmarkHealthz(b *testing.B)           { benchGet(b, "/healthz") }
func BenchmarkSignedInPage(b *testing.B)      { benchGet(b, "/notifications") }
func BenchmarkSignedInUsersPage(b *testing.B) { benchGet(b, "/users") }
