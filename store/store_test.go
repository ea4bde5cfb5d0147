package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/alertgate/alertgate/queries"
	"github.com/alertgate/alertgate/store/db"
)

// open opens a fresh store in a temporary directory, with the cheapest
// bcrypt cost so tests that create users stay fast.
func open(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), t.TempDir(), Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func userVersion(t *testing.T, pool *sql.DB) int {
	t.Helper()
	var v int
	if err := pool.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMigrateFreshAndAgain(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := SchemaVersion()
	if want < 2 {
		t.Fatalf("SchemaVersion() = %d, want at least 2", want)
	}
	if got := userVersion(t, s.writer); got != want {
		t.Fatalf("fresh file at version %d, want %d", got, want)
	}
	if _, err := s.CreateUser(ctx, Actor{Name: "test"}, "alice", "correct horse", RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(ctx, dir, Options{})
	if err != nil {
		t.Fatalf("reopen migrated file: %v", err)
	}
	defer s.Close()
	if got := userVersion(t, s.writer); got != want {
		t.Fatalf("reopened file at version %d, want %d", got, want)
	}
	if n, _ := s.CountUsers(ctx); n != 1 {
		t.Fatalf("reopen lost data: %d users, want 1", n)
	}
}

func TestRefuseNewerSchema(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.writer.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(context.Background(), dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "newer than this binary") {
		t.Fatalf("Open on schema 999: err = %v, want a refusal", err)
	}
}

func TestLoadMigrationsRejectsGapsAndBadNames(t *testing.T) {
	cases := map[string]fstest.MapFS{
		"gap":      {"migrations/0001_a.sql": {}, "migrations/0003_c.sql": {}},
		"bad name": {"migrations/first.sql": {}},
	}
	for name, fsys := range cases {
		if _, err := loadMigrations(fsys); err == nil {
			t.Errorf("%s: loadMigrations accepted it", name)
		}
	}
	if _, err := loadMigrations(queries.Migrations); err != nil {
		t.Fatalf("shipped migrations: %v", err)
	}
}

func pragma(t *testing.T, pool *sql.DB, name string) string {
	t.Helper()
	var v string
	if err := pool.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func TestPragmasOnEveryConnection(t *testing.T) {
	s := open(t)
	common := map[string]string{"busy_timeout": "5000", "foreign_keys": "1", "journal_mode": "wal"}
	// Hold several reader connections at once so more than one is checked.
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		conn, err := s.reader.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for name, want := range map[string]string{"busy_timeout": "5000", "foreign_keys": "1", "query_only": "1"} {
			var got string
			if err := conn.QueryRowContext(ctx, "PRAGMA "+name).Scan(&got); err != nil || got != want {
				t.Errorf("reader conn %d: PRAGMA %s = %q (%v), want %q", i, name, got, err, want)
			}
		}
	}
	for name, want := range common {
		if got := pragma(t, s.writer, name); got != want {
			t.Errorf("writer: PRAGMA %s = %q, want %q", name, got, want)
		}
	}
	if got := pragma(t, s.writer, "synchronous"); got != "1" {
		t.Errorf("writer: synchronous = %s, want 1 (NORMAL)", got)
	}
	if got := pragma(t, s.writer, "query_only"); got != "0" {
		t.Errorf("writer: query_only = %s, want 0", got)
	}
	if got := s.writer.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("writer pool allows %d connections, want 1", got)
	}
}

func TestSyncFullOption(t *testing.T) {
	s, err := Open(context.Background(), t.TempDir(), Options{SyncFull: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := pragma(t, s.writer, "synchronous"); got != "2" {
		t.Fatalf("synchronous = %s, want 2 (FULL)", got)
	}
}

func TestReaderCannotWrite(t *testing.T) {
	s := open(t)
	_, err := s.reader.Exec("INSERT INTO audit_log (at, action) VALUES ('2026-01-01 00:00:00', 'x')")
	if err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Fatalf("insert through reader: err = %v, want a read-only error", err)
	}
	var n int
	s.writer.QueryRow("SELECT count(*) FROM audit_log").Scan(&n)
	if n != 0 {
		t.Fatalf("reader insert left %d rows", n)
	}
}

func TestTxRollsBackOnError(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.Tx(ctx, func(q *db.Queries) error {
		if err := addAudit(ctx, q, Actor{Name: "x"}, "test", "", ""); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Tx returned %v, want boom", err)
	}
	page, err := s.ListAudit(ctx, 0, 10)
	if err != nil || len(page.Entries) != 0 {
		t.Fatalf("rolled-back audit row is visible: %+v %v", page, err)
	}
}

func TestCleanCloseCheckpointsWAL(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Audit(context.Background(), Actor{Name: "x"}, "test", "", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName+"-wal")); !os.IsNotExist(err) {
		t.Fatalf("WAL file still there after a clean close (stat err %v)", err)
	}
}

func TestBackupIsAReadableCopy(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, Actor{}, "bob", "password123", RoleViewer); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "copy.db")
	if err := s.Backup(ctx, dst); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, dst); err == nil {
		t.Fatal("backup over an existing file succeeded")
	}
	if err := os.Rename(dst, filepath.Join(filepath.Dir(dst), FileName)); err != nil {
		t.Fatal(err)
	}
	c, err := Open(ctx, filepath.Dir(dst), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if n, _ := c.CountUsers(ctx); n != 1 {
		t.Fatalf("backup has %d users, want 1", n)
	}
}
