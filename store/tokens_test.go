package store

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	cli := Actor{Name: "cli"}
	token, err := s.CreateToken(ctx, cli, "grafana", RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, TokenPrefix) || len(token) < 20 {
		t.Fatalf("token %q lacks the prefix or is short", token)
	}
	name, role, err := s.TokenUser(ctx, token)
	if err != nil || name != "grafana" || role != RoleViewer {
		t.Fatalf("TokenUser = %q %q %v", name, role, err)
	}
	for _, bad := range []string{"", token + "x", strings.TrimPrefix(token, TokenPrefix), hashToken(token)} {
		if _, _, err := s.TokenUser(ctx, bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("TokenUser(%q): err = %v, want ErrNotFound", bad, err)
		}
	}
	if _, err := s.CreateToken(ctx, cli, "Grafana", RoleAdmin); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate name (other case): err = %v, want ErrConflict", err)
	}
	var inv *InvalidError
	for _, c := range [][2]string{{"", RoleViewer}, {"two words", RoleViewer}, {"ci", "root"}} {
		if _, err := s.CreateToken(ctx, cli, c[0], c[1]); !errors.As(err, &inv) {
			t.Errorf("CreateToken(%q, %q): err = %v, want InvalidError", c[0], c[1], err)
		}
	}

	var hashes, used int
	s.reader.QueryRow("SELECT count(*) FROM api_tokens WHERE token_hash = ?", hashToken(token)).Scan(&hashes)
	s.reader.QueryRow("SELECT count(*) FROM api_tokens WHERE last_used_at IS NOT NULL").Scan(&used)
	if hashes != 1 || used != 1 {
		t.Fatalf("stored %d rows by the token's hash and %d used, want 1 and 1", hashes, used)
	}
	page, _ := s.ListAudit(ctx, 0, 10)
	if len(page.Entries) != 1 || page.Entries[0].Action != ActionTokenCreated || strings.Contains(page.Entries[0].Detail, token) {
		t.Fatalf("audit = %+v, want one token_created entry without the token", page.Entries)
	}
}
