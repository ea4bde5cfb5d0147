//go:build unix

package walvfs

import (
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// logPair is a database file and its log opened through this VFS as
// SQLite opens them (the log's file struct right behind a Wal struct), so
// the barrier can be driven directly: no known path through SQLite
// reaches it with anything gathered, which is why it is a safety net.
type logPair struct {
	tls           *libc.TLS
	db, wal, page uintptr
	walPath       string
}

func openLogPair(t *testing.T) *logPair {
	t.Helper()
	if err := Register(); err != nil {
		t.Fatal(err)
	}
	tls := libc.NewTLS()
	dir := t.TempDir()
	p := &logPair{tls: tls, walPath: filepath.Join(dir, "x.db-wal")}
	size := libc.Tsize_t(unixSize + unsafe.Sizeof(file{}))
	p.db = libc.Xcalloc(tls, 1, size)
	block := libc.Xcalloc(tls, 1, libc.Tsize_t(unsafe.Sizeof(sqlite3.TWal{}))+size)
	p.wal = block + unsafe.Sizeof(sqlite3.TWal{})
	w := at[sqlite3.TWal](block)
	w.FpDbFd, w.FpWalFd, w.FszPage = p.db, p.wal, 4096
	p.page = libc.Xcalloc(tls, 1, 4096)
	rw := int32(sqlite3.SQLITE_OPEN_READWRITE | sqlite3.SQLITE_OPEN_CREATE)
	for _, f := range []struct {
		ptr   uintptr
		path  string
		flags int32
	}{{p.db, filepath.Join(dir, "x.db"), rw | sqlite3.SQLITE_OPEN_MAIN_DB}, {p.wal, p.walPath, rw | sqlite3.SQLITE_OPEN_WAL}} {
		name, _ := libc.CString(f.path)
		if rc := xOpen(tls, 0, name, f.ptr, f.flags, 0); rc != sqlite3.SQLITE_OK {
			t.Fatalf("open %s: %d", f.path, rc)
		}
	}
	if state(p.db).wal != p.wal {
		t.Fatal("the log was not paired with its database file")
	}
	t.Cleanup(func() {
		walClose(tls, p.wal)
		closeDB := unixMethods(p.db).FxClose
		(*(*func(*libc.TLS, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{closeDB})))(tls, p.db)
		tls.Close()
	})
	// The log header, written through, then one whole frame, gathered.
	p.write(t, 32, 0)
	p.write(t, frameHeaderSize, walHeaderSize)
	p.write(t, 4096, walHeaderSize+frameHeaderSize)
	return p
}

func (p *logPair) write(t *testing.T, amt int32, off int64) {
	t.Helper()
	if rc := walWrite(p.tls, p.wal, p.page, amt, off); rc != sqlite3.SQLITE_OK {
		t.Fatalf("write %d at %d: %d", amt, off, rc)
	}
}

func (p *logPair) size(t *testing.T) int64 {
	info, err := os.Stat(p.walPath)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}

func TestBarrierWritesWhatIsGatheredFirst(t *testing.T) {
	p := openLogPair(t)
	if got := p.size(t); got != walHeaderSize {
		t.Fatalf("before the barrier the log is %d bytes, want only its %d-byte header", got, walHeaderSize)
	}
	dbShmBarrier(p.tls, p.db)
	if got, want := p.size(t), int64(walHeaderSize+frameHeaderSize+4096); got != want {
		t.Fatalf("after the barrier the log is %d bytes, want %d", got, want)
	}
	if rc := stopped.Swap(0); rc != 0 {
		t.Fatalf("the barrier stopped the process (%d) although the write succeeded", rc)
	}
}

func TestBarrierStopsWhenTheLogCannotBeWritten(t *testing.T) {
	p := openLogPair(t)
	failWrites.Store(true)
	dbShmBarrier(p.tls, p.db)
	failWrites.Store(false)
	if rc := stopped.Swap(0); rc != sqlite3.SQLITE_FULL {
		t.Fatalf("a barrier whose flush failed stopped with %d, want SQLITE_FULL", rc)
	}
	// Remembered: the next barrier stops too, although nothing is gathered.
	dbShmBarrier(p.tls, p.db)
	if rc := stopped.Swap(0); rc != sqlite3.SQLITE_FULL {
		t.Fatalf("a barrier after a failed flush stopped with %d, want SQLITE_FULL", rc)
	}
}
