package walvfs

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// snapshot copies the database and its log as they are on disk now, which
// is what kill -9 would leave, and opens the copy with plain unix.
func snapshot(t *testing.T, path string) *sql.DB {
	t.Helper()
	dir := t.TempDir()
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(path + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "copy.db"+suffix), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return openDB(t, filepath.Join(dir, "copy.db"), false, 2000)
}

// spillingTransaction opens a database through this VFS with a cache of
// 20 pages, so that a transaction soon spills pages into the log, stores
// the given number of rows in it and begins a transaction.
func spillingTransaction(t *testing.T, committed int) (path string, w *sql.DB, tx *sql.Tx) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "s.db")
	w = openDB(t, path, true, 20)
	createTable(t, w)
	insert(t, w, 0, committed, 500)
	tx, err := w.Begin()
	if err != nil {
		t.Fatal(err)
	}
	return path, w, tx
}

func count(t *testing.T, db *sql.DB) int {
	n, _ := contents(t, db)
	return n
}

// A transaction that spills pages into the log and then changes them
// again makes SQLite rewrite frame checksums after the commit frame; the
// last rewritten header must be in the file at commit, not held until the
// writer's next move.
func TestChecksumRewriteIsInTheFileAtCommit(t *testing.T) {
	path, _, tx := spillingTransaction(t, 100)
	for _, q := range []string{
		"INSERT INTO t (id, k, v) SELECT value, 'r' || value, randomblob(500) FROM (WITH RECURSIVE g(value) AS (SELECT 101 UNION ALL SELECT value + 1 FROM g WHERE value < 2000) SELECT value FROM g)",
		"UPDATE t SET v = randomblob(500) WHERE id <= 300",
		"INSERT INTO t (id, k, v) VALUES (5000, 'last', randomblob(500))",
	} {
		if _, err := tx.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// The writer now sits idle, holding whatever it still holds.
	if n := count(t, snapshot(t, path)); n != 2001 {
		t.Fatalf("a copy of the files after the commit recovers %d rows, want 2001", n)
	}
	if n := count(t, openDB(t, path, false, 2000)); n != 2001 {
		t.Fatalf("a reader sees %d rows, want 2001", n)
	}
}

// Frames a rolled-back transaction spilled must never be written later,
// where another writer has since committed its own.
func TestRolledBackFramesNeverLandOnAnotherWritersCommit(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "b.db")
	w := openDB(t, path, true, 20)
	mustExec(t, w, "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v BLOB)")
	mustExec(t, w, "PRAGMA wal_checkpoint(PASSIVE)")
	a, err := w.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for _, q := range []string{"BEGIN", "INSERT INTO t (id, k, v) SELECT value, 'a' || value, randomblob(500) FROM (WITH RECURSIVE g(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM g WHERE value < 2000) SELECT value FROM g)", "ROLLBACK"} {
		if _, err := a.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	other := openDB(t, path, false, 2000)
	mustExec(t, other, "INSERT INTO t (id, k, v) SELECT value, 'b' || value, zeroblob(500) FROM (WITH RECURSIVE g(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM g WHERE value < 300) SELECT value FROM g)")
	var n int
	if err := a.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 300 {
		t.Fatalf("the first writer reads %d rows (%v), want the other's 300", n, err)
	}
	if n := count(t, openDB(t, path, false, 2000)); n != 300 {
		t.Fatalf("a reader sees %d rows, want 300", n)
	}
}

// With synchronous=FULL and no powersafe overwrite SQLite pads a commit
// to the sector boundary and splits the frame that crosses it around a
// sync. The pieces, even halves of a page, are not frames: they must go
// straight to the file, and a failure to write one must fail the commit.
func TestSectorPaddedCommitsAreInTheFile(t *testing.T) {
	// 81 rows of a page each make 83 frames, ending at 341992; padding to
	// the next 4096-byte sector adds an 84th frame, split at 344064 into
	// 2048 + 2048 bytes, and the log ends at 346112.
	const rows, splitAt, logSize = 81, 344064, 346112
	for _, fail := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "p.db")
		if err := Register(); err != nil {
			t.Fatal(err)
		}
		w, err := sql.Open("sqlite", "file:"+path+"?vfs="+Name+"&psow=0&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit(100000000)")
		if err != nil {
			t.Fatal(err)
		}
		w.SetMaxOpenConns(1)
		mustExec(t, w, "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v BLOB)")
		mustExec(t, w, "PRAGMA wal_checkpoint(TRUNCATE)")
		if fail {
			failWriteAt.Store(splitAt)
		}
		_, err = w.Exec("INSERT INTO t (id, k, v) SELECT value, 'x', randomblob(3000) FROM (WITH RECURSIVE g(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM g WHERE value < ?) SELECT value FROM g)", rows)
		failWriteAt.Store(-1)
		if info, statErr := os.Stat(path + "-wal"); statErr != nil || (!fail && info.Size() != logSize) {
			t.Fatalf("the log is %v (%v), want %d bytes: the commit is not padded as this test needs", info, statErr, logSize)
		}
		want := rows
		if fail {
			if err == nil {
				t.Fatal("the commit succeeded although the last piece of its padding was never written")
			}
			want = 0
		} else if err != nil {
			t.Fatal(err)
		}
		if n := count(t, openDB(t, path, false, 2000)); n != want {
			t.Fatalf("failing=%v: a reader sees %d rows, want %d", fail, n, want)
		}
		w.Close()
	}
}

// failWrites makes every write through this VFS fail while it is set,
// and failWriteAt the writes that start at that offset.
var (
	failWrites  atomic.Bool
	failWriteAt atomic.Int64
)

func init() {
	failWriteAt.Store(-1)
	unixWrite := pwrite
	pwrite = func(tls *libc.TLS, pFile, pBuf uintptr, amt int32, off int64) int32 {
		if failWrites.Load() || off == failWriteAt.Load() {
			return sqlite3.SQLITE_FULL
		}
		return unixWrite(tls, pFile, pBuf, amt, off)
	}
}

// When gathered frames fail to go out on a read, SQLite sees only that
// statement fail; the transaction must then fail to commit rather than
// publish frames whose bytes are missing.
func TestAFailedFlushOnReadFailsTheTransaction(t *testing.T) {
	path, w, tx := spillingTransaction(t, 10)
	if _, err := tx.Exec("INSERT INTO t (id, k, v) SELECT value, 'f' || value, randomblob(500) FROM (WITH RECURSIVE g(value) AS (SELECT 100 UNION ALL SELECT value + 1 FROM g WHERE value < 1100) SELECT value FROM g)"); err != nil {
		t.Fatal(err)
	}
	failWrites.Store(true)
	_, stmtErr := tx.Exec("UPDATE t SET k = k || 'x' WHERE id BETWEEN 5 AND 1100")
	failWrites.Store(false)
	if stmtErr == nil {
		t.Fatal("changing spilled pages should fail while their frames cannot be written")
	}
	if err := tx.Commit(); err == nil {
		t.Fatal("the transaction committed although some of its frames were never written")
	} else {
		t.Logf("statement: %v; commit: %v", stmtErr, err)
	}
	if n := count(t, openDB(t, path, false, 2000)); n != 10 {
		t.Fatalf("a reader sees %d rows, want the 10 committed before", n)
	}
	insert(t, w, 20, 5, 100) // the writer works again once the failure is over
	if n := count(t, snapshot(t, path)); n != 15 {
		t.Fatalf("a copy of the files recovers %d rows, want 15", n)
	}
}
