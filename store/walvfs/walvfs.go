// Package walvfs registers "alertgate-wal", SQLite's unix VFS with one
// change: the frames a transaction appends to the write-ahead log are
// gathered in memory and written together (one pwrite per 124 KiB) when
// its commit frame is written, instead of with two pwrites per frame
// (header, then page).
//
// Why: a group commit writes about 36 frames, and on a loaded 2-core VM
// each pwrite costs several microseconds however small it is, so these
// syscalls were the largest single cost of ingest.
//
// Why the file is never behind what SQLite has promised:
//   - Only appends of whole frame parts are gathered: a frame header or a
//     page, exactly where the log's geometry puts one, continuing the
//     gathered bytes or starting where this handle last wrote. Anything
//     else (the log header, rewritten checksums, a page overwritten in
//     place, a frame split at a sector boundary) is written straight
//     through, after what is gathered.
//   - The page of a commit frame (its header says so) flushes inside its
//     own xWrite, so a failed write fails the commit, as with unix.
//   - Reading, sizing, truncating, syncing the log flushes first.
//   - A commit becomes visible when SQLite updates the wal-index header,
//     around the database file's xShmBarrier; that barrier flushes the
//     log first, a safety net for any path not foreseen above (none is
//     known to reach it). It cannot report an error, so a failure there, or
//     a remembered one, stops the process before the commit is visible or
//     acknowledged; recovery on the next start sees what the file holds.
//   - A failed flush is remembered: every later use of the log fails until
//     the write lock is released, so the transaction cannot commit over
//     the missing bytes.
//   - Releasing the write lock discards what is still gathered: frames of
//     a transaction that rolled back, which must not land later on top of
//     another writer's.
//
// The store never uses exclusive locking mode (no shared wal-index, no
// barrier, no shm locks); a handle whose log is not laid out as expected
// simply keeps plain unix methods.
package walvfs

import (
	"fmt"
	"sync"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// Name is the VFS to open databases with: add vfs=Name to the DSN.
const Name = "alertgate-wal"

// file is kept in C memory right after the unix VFS's own file struct,
// in the space the registered szOsFile adds.
type file struct {
	unix uintptr // the unix io methods the file was opened with
	// For a database file: its open log, whose gathered frames the
	// barrier and the write lock's release act on.
	wal uintptr
	// For a log file.
	db       uintptr // its database file
	log      uintptr // SQLite's Wal struct, which knows the page size
	buf      uintptr // malloc'd, cap bytes
	cap      int64
	n        int64 // bytes gathered
	off      int64 // the file offset of buf[0]
	next     int64 // the offset after this handle's last write
	commit   int32 // the last write was a commit frame's header
	failedRC int32 // a failed flush's result, until the write lock is released
}

var (
	registerOnce sync.Once
	registerErr  error
	unixVFS      uintptr
	unixSize     uintptr // the unix VFS's szOsFile, rounded up to 8

	tablesMu sync.Mutex
	tables   = map[[2]uintptr]uintptr{} // (unix table, kind) → ours, in C memory
)

// Register makes the VFS available; it is idempotent.
func Register() error {
	registerOnce.Do(func() { registerErr = register() })
	return registerErr
}

func register() error {
	tls := libc.NewTLS()
	defer tls.Close()
	unixVFS = sqlite3.Xsqlite3_vfs_find(tls, 0)
	if unixVFS == 0 {
		return fmt.Errorf("walvfs: no default SQLite VFS")
	}
	unix := at[sqlite3.Tsqlite3_vfs](unixVFS)
	unixSize = (uintptr(unix.FszOsFile) + 7) &^ 7
	p := libc.Xcalloc(tls, 1, libc.Tsize_t(unsafe.Sizeof(sqlite3.Tsqlite3_vfs{})))
	name, err := libc.CString(Name)
	if p == 0 || err != nil {
		return fmt.Errorf("walvfs: out of memory")
	}
	vfs := at[sqlite3.Tsqlite3_vfs](p)
	*vfs = *unix
	vfs.FpNext = 0
	vfs.FzName = name
	vfs.FszOsFile = int32(unixSize + unsafe.Sizeof(file{}))
	vfs.FxOpen = funcPointer(xOpen)
	if rc := sqlite3.Xsqlite3_vfs_register(tls, p, 0); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("walvfs: register: SQLite error %d", rc)
	}
	return nil
}

// xOpen opens every file as unix does; a database file and its log get
// our methods.
func xOpen(tls *libc.TLS, _ uintptr, zPath, pFile uintptr, flags int32, pOutFlags uintptr) int32 {
	fp := at[sqlite3.Tsqlite3_vfs](unixVFS).FxOpen
	rc := (*(*func(*libc.TLS, uintptr, uintptr, uintptr, int32, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{fp})))(tls, unixVFS, zPath, pFile, flags, pOutFlags)
	f := at[sqlite3.Tsqlite3_file](pFile)
	if rc != sqlite3.SQLITE_OK || f.FpMethods == 0 {
		return rc
	}
	switch {
	case flags&sqlite3.SQLITE_OPEN_MAIN_DB != 0:
		if ours := table(tls, f.FpMethods, dbKind); ours != 0 {
			*state(pFile) = file{unix: f.FpMethods}
			f.FpMethods = ours
		}
	case flags&sqlite3.SQLITE_OPEN_WAL != 0:
		db := logsDatabase(pFile)
		if ours := table(tls, f.FpMethods, walKind); ours != 0 && db != 0 {
			*state(pFile) = file{unix: f.FpMethods, db: db, log: pFile - unsafe.Sizeof(sqlite3.TWal{})}
			state(db).wal = pFile
			f.FpMethods = ours
		}
	}
	return rc
}

// logsDatabase is the database file whose log pFile is, or 0. SQLite
// allocates a log's file struct right behind its Wal struct, which names
// the database file; both are checked before they are trusted.
func logsDatabase(pFile uintptr) uintptr {
	w := at[sqlite3.TWal](pFile - unsafe.Sizeof(sqlite3.TWal{}))
	if w.FpWalFd != pFile || w.FpDbFd == 0 {
		return 0
	}
	db := at[sqlite3.Tsqlite3_file](w.FpDbFd)
	if db.FpMethods == 0 || db.FpMethods != tableIfMade(state(w.FpDbFd).unix, dbKind) {
		return 0
	}
	return w.FpDbFd
}

const (
	dbKind = iota
	walKind
)

// table is unix's method table with ours swapped in, made once per
// unix table and kind of file.
func table(tls *libc.TLS, unix uintptr, kind uintptr) uintptr {
	tablesMu.Lock()
	defer tablesMu.Unlock()
	if p, ok := tables[[2]uintptr{unix, kind}]; ok {
		return p
	}
	p := libc.Xcalloc(tls, 1, libc.Tsize_t(unsafe.Sizeof(sqlite3.Tsqlite3_io_methods{})))
	if p == 0 {
		return 0
	}
	m := at[sqlite3.Tsqlite3_io_methods](p)
	*m = *at[sqlite3.Tsqlite3_io_methods](unix)
	if kind == dbKind {
		m.FxShmBarrier = funcPointer(dbShmBarrier)
		m.FxShmLock = funcPointer(dbShmLock)
	} else {
		m.FxClose = funcPointer(walClose)
		m.FxRead = funcPointer(walRead)
		m.FxWrite = funcPointer(walWrite)
		m.FxTruncate = funcPointer(walTruncate)
		m.FxSync = funcPointer(walSync)
		m.FxFileSize = funcPointer(walFileSize)
	}
	tables[[2]uintptr{unix, kind}] = p
	return p
}

func tableIfMade(unix uintptr, kind uintptr) uintptr {
	tablesMu.Lock()
	defer tablesMu.Unlock()
	return tables[[2]uintptr{unix, kind}]
}

func state(pFile uintptr) *file { return at[file](pFile + unixSize) }

func unixMethods(pFile uintptr) *sqlite3.Tsqlite3_io_methods {
	return at[sqlite3.Tsqlite3_io_methods](state(pFile).unix)
}

// at is *T at a C address. Written this way, not as unsafe.Pointer(p),
// because vet rightly warns about that conversion in general; here p is
// always memory SQLite or libc allocated, which the Go GC never moves.
func at[T any](p uintptr) *T { return *(**T)(unsafe.Pointer(&p)) }

// funcPointer is f as the function pointer the transpiled SQLite calls.
func funcPointer(f any) uintptr { return (*[2]uintptr)(unsafe.Pointer(&f))[1] }
