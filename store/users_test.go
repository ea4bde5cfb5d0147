package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestUserLifecycle(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	cli := Actor{Name: "cli"}
	admin, err := s.CreateUser(ctx, cli, "alice", "correct horse", RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, cli, "ALICE", "another one", RoleViewer); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate name (other case): err = %v, want ErrConflict", err)
	}
	var inv *InvalidError
	for _, c := range []struct{ name, pw, role string }{
		{"", "password123", RoleViewer},
		{"bob smith", "password123", RoleViewer},
		{"bob", "short", RoleViewer},
		{"bob", "password123", "root"},
	} {
		if _, err := s.CreateUser(ctx, cli, c.name, c.pw, c.role); !errors.As(err, &inv) {
			t.Errorf("CreateUser(%q, %q, %q): err = %v, want InvalidError", c.name, c.pw, c.role, err)
		}
	}
	if n, _ := s.CountUsers(ctx); n != 1 {
		t.Fatalf("invalid users were stored: %d users", n)
	}

	if _, err := s.Authenticate(ctx, "alice", "correct horse"); err != nil {
		t.Fatalf("good password: %v", err)
	}
	for _, c := range [][2]string{{"alice", "wrong"}, {"nobody", "correct horse"}} {
		if _, err := s.Authenticate(ctx, c[0], c[1]); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("Authenticate(%q): err = %v, want ErrBadCredentials", c[0], err)
		}
	}

	// The last active admin can be neither demoted nor disabled.
	if err := s.SetRole(ctx, cli, admin.ID, RoleViewer); !errors.Is(err, ErrConflict) {
		t.Fatalf("demote last admin: err = %v, want ErrConflict", err)
	}
	if err := s.SetDisabled(ctx, cli, admin.ID, true); !errors.Is(err, ErrConflict) {
		t.Fatalf("disable last admin: err = %v, want ErrConflict", err)
	}
	bob, err := s.CreateUser(ctx, cli, "bob", "password123", RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	sid, err := s.CreateSession(ctx, bob.ID, time.Now(), SessionLimits{Idle: time.Hour, MaxAge: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetDisabled(ctx, cli, bob.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "bob", "password123"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("disabled user signed in: err = %v", err)
	}
	if _, err := s.Session(ctx, sid); !errors.Is(err, ErrNotFound) {
		t.Fatalf("disabled user's session: err = %v, want ErrNotFound", err)
	}
	if err := s.SetRole(ctx, cli, 999, RoleViewer); !errors.Is(err, ErrNotFound) {
		t.Fatalf("role of a missing user: err = %v, want ErrNotFound", err)
	}
}

func TestChangePassword(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, Actor{}, "carol", "first password", RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	var inv *InvalidError
	if err := s.ChangePassword(ctx, Actor{}, u.ID, "wrong", "second password", ""); !errors.As(err, &inv) || inv.Field != "current" {
		t.Fatalf("wrong current password: err = %v", err)
	}
	limits := SessionLimits{Idle: time.Hour, MaxAge: time.Hour}
	here, _ := s.CreateSession(ctx, u.ID, time.Now(), limits)
	there, _ := s.CreateSession(ctx, u.ID, time.Now(), limits)
	if err := s.ChangePassword(ctx, Actor{}, u.ID, "first password", "second password", here); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, here); err != nil {
		t.Fatalf("the session that changed the password ended: %v", err)
	}
	if _, err := s.Session(ctx, there); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another session survived the password change: %v", err)
	}
	if _, err := s.Authenticate(ctx, "carol", "second password"); err != nil {
		t.Fatalf("new password refused: %v", err)
	}
	page, _ := s.ListAudit(ctx, 0, 10)
	if len(page.Entries) != 2 || page.Entries[0].Action != ActionPasswordSet {
		t.Fatalf("audit = %+v, want password change on top of user creation", page.Entries)
	}
}

func TestSetupTokenWorksOnce(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	old, _ := s.NewSetupToken(ctx)
	tok, err := s.NewSetupToken(ctx)
	if err != nil || tok == "" {
		t.Fatalf("NewSetupToken = %q, %v", tok, err)
	}
	if ok, _ := s.SetupTokenValid(ctx, old); ok {
		t.Fatal("a token from an earlier start is still valid")
	}
	if _, err := s.CreateFirstAdmin(ctx, "", tok, "root", "x"); err == nil {
		t.Fatal("short password accepted")
	}
	if ok, _ := s.SetupTokenValid(ctx, tok); !ok {
		t.Fatal("a failed attempt spent the token")
	}
	if _, err := s.CreateFirstAdmin(ctx, "", tok, "root", "long enough"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateFirstAdmin(ctx, "", tok, "root2", "long enough"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second use: err = %v, want ErrNotFound", err)
	}
	if again, _ := s.NewSetupToken(ctx); again != "" {
		t.Fatal("a setup token was issued although users exist")
	}
}

func TestAuditPaging(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		s.Audit(ctx, Actor{Name: "x"}, "test", string(rune('a'+i)), "")
	}
	p1, _ := s.ListAudit(ctx, 0, 2)
	p2, _ := s.ListAudit(ctx, p1.Next, 2)
	p3, _ := s.ListAudit(ctx, p2.Next, 2)
	got := ""
	for _, p := range []AuditPage{p1, p2, p3} {
		for _, e := range p.Entries {
			got += e.Target
		}
	}
	if got != "edcba" || p3.Next != 0 {
		t.Fatalf("pages read %q (last next %d), want edcba and 0", got, p3.Next)
	}
}

func TestSessions(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	u, _ := s.CreateUser(ctx, Actor{}, "dora", "dora password", RoleViewer)
	limits := SessionLimits{Idle: time.Hour, MaxAge: 3 * time.Hour}
	start := time.Now().UTC().Truncate(time.Second)
	old, _ := s.CreateSession(ctx, u.ID, start, limits)
	id, err := s.CreateSession(ctx, u.ID, start.Add(2*time.Hour), limits)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, old); !errors.Is(err, ErrNotFound) {
		t.Fatalf("an idle-expired session was not cleared at the next sign-in: %v", err)
	}
	got, err := s.Session(ctx, id)
	if err != nil || got.User.Name != "dora" || !got.SeenAt.Equal(start.Add(2*time.Hour)) {
		t.Fatalf("Session = %+v, %v", got, err)
	}
	s.TouchSession(ctx, id, start.Add(150*time.Minute))
	got, _ = s.Session(ctx, id)
	if limits.Expired(got, start.Add(200*time.Minute)) {
		t.Fatal("a session touched 50 min ago counts as idle")
	}
	if !limits.Expired(got, start.Add(5*time.Hour+time.Second)) {
		t.Fatal("a session past its maximum age is not expired")
	}
	if err := s.EndSession(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ended session still found: %v", err)
	}
	if _, err := s.Session(ctx, "never-issued"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
}

func TestProvisioningIsAuditedOnlyWhenItChanges(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	file := []NewSource{{Slug: "k8s", Kind: "stackstate", Secret: "provisioned-secret-1"}}
	actions := func() []string {
		page, _ := s.ListAudit(ctx, 0, 50)
		var out []string
		for _, e := range page.Entries {
			out = append(out, e.Action+":"+e.Target)
		}
		return out
	}
	for i := 0; i < 2; i++ { // the second start with the same file changes nothing
		if err := s.ProvisionSources(ctx, file); err != nil {
			t.Fatal(err)
		}
	}
	file[0].Secret = "provisioned-secret-2"
	s.ProvisionSources(ctx, file)
	s.ProvisionSources(ctx, nil)
	want := "source_disabled:k8s,source_updated:k8s,source_created:k8s"
	if got := strings.Join(actions(), ","); got != want {
		t.Fatalf("audit = %s, want %s", got, want)
	}
}
