package walvfs

import (
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"
)

// tb is what the helpers need of a test, so that the crash tests' child
// process can use them too.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// openDB opens path through this VFS (or plain unix) in WAL mode with a
// page cache of cachePages, small enough in some tests to make SQLite
// spill a transaction's pages into the log before it commits.
func openDB(t tb, path string, ours bool, cachePages int) *sql.DB {
	t.Helper()
	if err := Register(); err != nil {
		t.Fatal(err)
	}
	q := url.Values{}
	for _, p := range []string{"busy_timeout(5000)", "journal_mode(WAL)", "synchronous(NORMAL)", "wal_autocheckpoint(0)", fmt.Sprintf("cache_size(%d)", cachePages)} {
		q.Add("_pragma", p)
	}
	if ours {
		q.Set("vfs", Name)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t tb, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// contents is what a plain unix connection reads: the row count and a
// checksum over every row, after an integrity check.
func contents(t tb, db *sql.DB) (rows int, sum string) {
	t.Helper()
	var ok string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %q, %v", ok, err)
	}
	if err := db.QueryRow("SELECT count(*), coalesce(sum(length(v) * id), 0) FROM t").Scan(&rows, &sum); err != nil {
		t.Fatal(err)
	}
	return rows, sum
}

func createTable(t tb, db *sql.DB) {
	mustExec(t, db, "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE, v BLOB)")
}

// insert adds n rows of size bytes each in one transaction.
func insert(t tb, db *sql.DB, from, n, size int) {
	t.Helper()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := from; i < from+n; i++ {
		if _, err := tx.Exec("INSERT INTO t (id, k, v) VALUES (?, ?, randomblob(?))", i, fmt.Sprintf("key-%d-%d", i*7919%1000, i), size); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// Every commit must be in the file when Commit returns: a reader on the
// plain unix VFS, which only sees the file, finds each one at once.
func TestEachCommitIsInTheFileWhenCommitReturns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	w := openDB(t, path, true, 2000)
	createTable(t, w)
	r := openDB(t, path, false, 2000)
	for i := range 200 {
		insert(t, w, i*5, 5, 300)
		if n, _ := contents(t, r); n != (i+1)*5 {
			t.Fatalf("after commit %d a reader sees %d rows, want %d", i, n, (i+1)*5)
		}
	}
}

// A transaction bigger than the buffer, in a cache so small that SQLite
// writes (and rewrites) pages into the log before the commit, and one that
// spills and then rolls back, leave what plain unix leaves.
func TestSpilledAndOversizedTransactionsMatchPlainUnix(t *testing.T) {
	type result struct {
		rows int
		sum  string
	}
	results := map[bool]result{}
	for _, ours := range []bool{true, false} {
		path := filepath.Join(t.TempDir(), "b.db")
		w := openDB(t, path, ours, 20)
		createTable(t, w)
		insert(t, w, 0, 3000, 2000) // ~6 MB: over maxBuffered, spilled
		tx, err := w.Begin()
		if err != nil {
			t.Fatal(err)
		}
		for i := range 2000 {
			if _, err := tx.Exec("UPDATE t SET v = randomblob(2100) WHERE id = ?", i); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		insert(t, w, 5000, 10, 100)
		mustExec(t, w, "UPDATE t SET v = zeroblob(10) WHERE id % 3 = 0")
		mustExec(t, w, "PRAGMA wal_checkpoint(TRUNCATE)")
		insert(t, w, 6000, 10, 100)
		w.Close()
		rows, sum := contents(t, openDB(t, path, false, 2000))
		results[ours] = result{rows, sum}
	}
	if results[true] != results[false] || results[true].rows != 3020 {
		t.Errorf("through this VFS %+v, through unix %+v, want 3020 rows alike", results[true], results[false])
	}
}
