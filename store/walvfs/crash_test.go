//go:build unix

package walvfs

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// The crash tests run this test binary again as a child that writes
// through the VFS and then dies or fails in a chosen way.
const childEnv = "WALVFS_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(child(mode, os.Getenv("WALVFS_TEST_DB")))
	}
	// In the tests the barrier records instead of ending the process; a
	// test that expects it to stop takes the record, any other fails here.
	stop = func(rc int32) { stopped.Store(rc) }
	code := m.Run()
	if rc := stopped.Load(); rc != 0 {
		fmt.Printf("walvfs: a barrier would have stopped the process (SQLite error %d)\n", rc)
		code = 1
	}
	os.Exit(code)
}

// stopped is the result a barrier would have stopped the process with.
var stopped atomic.Int32

func child(mode, path string) int {
	t := childT{}
	w := openDB(t, path, true, 2000)
	switch mode {
	case "kill-after-commit":
		createTable(t, w)
		for i := range 20 {
			insert(t, w, i*5, 5, 300)
		}
		// Dead before anything else could write: whatever the commits
		// left only in this process's memory is gone.
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	case "write-fails":
		insert(t, w, 100, 5, 300) // the WAL now exists and has room to grow
		info, err := os.Stat(path + "-wal")
		if err != nil {
			fmt.Println("stat:", err)
			return 1
		}
		// A write past the limit fails with EFBIG instead of a signal.
		signal.Ignore(syscall.SIGXFSZ)
		limit := uint64(info.Size()) + 64<<10
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
			fmt.Println("setrlimit:", err)
			return 1
		}
		err = insertErr(w, 1000, 200, 1000) // ~250 KB of frames: all buffered until the commit
		fmt.Println("commit error:", err)
	}
	return 0
}

// childT ends the child on the first failure, printing it for the test.
type childT struct{}

func (childT) Helper()        {}
func (childT) Cleanup(func()) {}
func (childT) Fatal(args ...any) {
	fmt.Println(args...)
	os.Exit(1)
}
func (childT) Fatalf(format string, args ...any) {
	fmt.Printf(format+"\n", args...)
	os.Exit(1)
}

func insertErr(db *sql.DB, from, n, size int) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	for i := from; i < from+n; i++ {
		if _, err := tx.Exec("INSERT INTO t (id, k, v) VALUES (?, ?, randomblob(?))", i, fmt.Sprint("k", i), size); err != nil {
			tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

func runChild(t *testing.T, mode, path string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, "WALVFS_TEST_DB="+path)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// A process killed right after its commits returned loses none of them:
// each was in the file, not in the buffer, when Commit returned.
func TestCommitsSurviveKillRightAfterCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	out, err := runChild(t, "kill-after-commit", path)
	if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child should die of SIGKILL, got %v\n%s", err, out)
	}
	if n, _ := contents(t, openDB(t, path, false, 2000)); n != 100 {
		t.Fatalf("after the kill the database holds %d rows, want all 100 committed", n)
	}
}

// When the buffered frames cannot be written, the commit itself fails and
// leaves nothing of the transaction, while earlier commits stay.
func TestFailedFlushFailsTheCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.db")
	setup := openDB(t, path, true, 2000)
	createTable(t, setup)
	insert(t, setup, 0, 10, 300)
	setup.Close()

	out, err := runChild(t, "write-fails", path)
	if err != nil || !strings.Contains(out, "commit error: ") || strings.Contains(out, "commit error: <nil>") {
		t.Fatalf("the commit over the file size limit should fail: %v\n%s", err, out)
	}
	var ids []int
	r := openDB(t, path, false, 2000)
	if n, _ := contents(t, r); n != 15 {
		rows, _ := r.Query("SELECT id FROM t WHERE id >= 1000 LIMIT 3")
		for rows != nil && rows.Next() {
			var id int
			rows.Scan(&id)
			ids = append(ids, id)
		}
		t.Fatalf("database holds %d rows (failed transaction's ids: %v), want the 15 committed before", n, ids)
	}
}
