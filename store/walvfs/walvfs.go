// Package walvfs registers "alertgate-wal", SQLite's unix VFS with one
// change: the frames a transaction appends to the write-ahead log are
// gathered in memory and written together when its commit frame is
// written (one pwrite per 124 KiB), instead of two pwrites per frame
// (header, then page).
//
// Why: a group commit writes about 36 frames, and on a loaded 2-core VM
// each pwrite costs several microseconds however small it is, so the
// syscalls alone were the largest single cost of ingest.
//
// Why it is safe: SQLite publishes a commit to readers (the wal-index
// header) only after walFrames has written every frame, and the commit
// frame is the last one it writes; the buffer is flushed inside that last
// xWrite, so a failed write fails the commit, and nothing a reader can see
// is ever still in memory. Anything else that looks at the file (read,
// size, truncate, sync, close, file control) and any write that is not
// the next byte after the buffer flushes first, so the file seen through
// this VFS is always what plain unix would have written. A crash before
// the flush loses only a transaction that never committed.
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

const (
	frameHeaderSize = 24      // a WAL frame header, written on its own
	maxBuffered     = 4 << 20 // beyond this a transaction's frames go out in pieces
	// maxWrite is the most one unix xWrite takes: its pwrite keeps only
	// the low 17 bits of the length (seekAndWriteFd), so a longer buffer
	// goes out in pieces of 31 pages.
	maxWrite = 0x1f000
)

// walFile is kept in C memory right after the unix VFS's own file struct,
// in the space the registered szOsFile adds.
type walFile struct {
	unix   uintptr // the unix io methods this file was opened with
	buf    uintptr // malloc'd, cap bytes
	cap    int64
	n      int64 // bytes buffered
	off    int64 // the file offset of buf[0]
	commit int32 // the previous write was a commit frame's header
}

var (
	registerOnce sync.Once
	registerErr  error
	unixSize     uintptr // the unix VFS's szOsFile, rounded up to 8

	methodsMu sync.Mutex
	methods   = map[uintptr]uintptr{} // unix io methods → ours, both in C memory
	unixVFS   uintptr
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
	p := libc.Xcalloc(tls, 1, sqlite3.Tsize_t(unsafe.Sizeof(sqlite3.Tsqlite3_vfs{})))
	name, err := libc.CString(Name)
	if p == 0 || err != nil {
		return fmt.Errorf("walvfs: out of memory")
	}
	vfs := at[sqlite3.Tsqlite3_vfs](p)
	*vfs = *unix
	vfs.FpNext = 0
	vfs.FzName = name
	vfs.FszOsFile = int32(unixSize + unsafe.Sizeof(walFile{}))
	vfs.FxOpen = funcPointer(xOpen)
	if rc := sqlite3.Xsqlite3_vfs_register(tls, p, 0); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("walvfs: register: SQLite error %d", rc)
	}
	return nil
}

// xOpen opens every file as unix does; a WAL file gets our methods.
func xOpen(tls *libc.TLS, _ uintptr, zPath, pFile uintptr, flags int32, pOutFlags uintptr) int32 {
	unixOpen := at[sqlite3.Tsqlite3_vfs](unixVFS).FxOpen
	rc := (*(*func(*libc.TLS, uintptr, uintptr, uintptr, int32, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{unixOpen})))(tls, unixVFS, zPath, pFile, flags, pOutFlags)
	if rc != sqlite3.SQLITE_OK || flags&sqlite3.SQLITE_OPEN_WAL == 0 {
		return rc
	}
	file := at[sqlite3.Tsqlite3_file](pFile)
	if file.FpMethods == 0 {
		return rc
	}
	ours := ourMethods(tls, file.FpMethods)
	if ours == 0 {
		return rc // no memory for a table: plain unix still works
	}
	*state(pFile) = walFile{unix: file.FpMethods}
	file.FpMethods = ours
	return rc
}

// ourMethods is unix's method table with the methods that write or look
// at the file replaced, made once per unix table.
func ourMethods(tls *libc.TLS, unix uintptr) uintptr {
	methodsMu.Lock()
	defer methodsMu.Unlock()
	if p, ok := methods[unix]; ok {
		return p
	}
	p := libc.Xcalloc(tls, 1, sqlite3.Tsize_t(unsafe.Sizeof(sqlite3.Tsqlite3_io_methods{})))
	if p == 0 {
		return 0
	}
	m := at[sqlite3.Tsqlite3_io_methods](p)
	*m = *at[sqlite3.Tsqlite3_io_methods](unix)
	m.FxClose = funcPointer(xClose)
	m.FxRead = funcPointer(xRead)
	m.FxWrite = funcPointer(xWrite)
	m.FxTruncate = funcPointer(xTruncate)
	m.FxSync = funcPointer(xSync)
	m.FxFileSize = funcPointer(xFileSize)
	m.FxFileControl = funcPointer(xFileControl)
	methods[unix] = p
	return p
}

func state(pFile uintptr) *walFile { return at[walFile](pFile + unixSize) }

func unixMethods(pFile uintptr) *sqlite3.Tsqlite3_io_methods {
	return at[sqlite3.Tsqlite3_io_methods](state(pFile).unix)
}

// at is *T at a C address. Written this way, not as unsafe.Pointer(p),
// because vet rightly warns about that conversion in general; here p is
// always memory SQLite or libc allocated, which the Go GC never moves.
func at[T any](p uintptr) *T { return *(**T)(unsafe.Pointer(&p)) }

// funcPointer is f as the function pointer the transpiled SQLite calls.
func funcPointer(f any) uintptr { return (*[2]uintptr)(unsafe.Pointer(&f))[1] }
