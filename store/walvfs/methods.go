package walvfs

import (
	"fmt"
	"os"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

const (
	walHeaderSize   = 32      // the log's own header, at its start
	frameHeaderSize = 24      // a WAL frame header, written on its own
	maxGathered     = 4 << 20 // beyond this a transaction's frames go out in pieces
	keptBuffer      = 1 << 20 // a bigger buffer is freed once flushed
	// maxWrite is the most one unix xWrite takes: its pwrite keeps only
	// the low 17 bits of the length (seekAndWriteFd), so a longer buffer
	// goes out in pieces of 31 pages.
	maxWrite = 0x1f000
)

// walWrite gathers an append and writes anything else through, after
// what is gathered. The page after a commit frame's header flushes.
func walWrite(tls *libc.TLS, pFile, pBuf uintptr, amt int32, off int64) int32 {
	s := state(pFile)
	if s.failedRC != sqlite3.SQLITE_OK {
		return s.failedRC
	}
	endsCommit := s.commit != 0
	s.commit = 0
	if amt == frameHeaderSize && isCommitFrame(pBuf) {
		s.commit = 1
	}
	if !s.gather(tls, pFile, pBuf, amt, off) {
		if rc := s.flush(tls, pFile); rc != sqlite3.SQLITE_OK {
			return rc
		}
		s.next = off + int64(amt)
		return pwrite(tls, pFile, pBuf, amt, off)
	}
	if endsCommit {
		return s.flush(tls, pFile)
	}
	return sqlite3.SQLITE_OK
}

// gather copies an append into the buffer, flushing first if it is full,
// and reports whether it did.
func (s *file) gather(tls *libc.TLS, pFile, pBuf uintptr, amt int32, off int64) bool {
	appends := (s.n > 0 && off == s.off+s.n) || (s.n == 0 && off == s.next)
	if !appends || !s.framePart(amt, off) || int64(amt) > maxGathered {
		return false
	}
	if s.n+int64(amt) > maxGathered && s.flush(tls, pFile) != sqlite3.SQLITE_OK {
		return false // the failure is remembered and reported next
	}
	if !s.reserve(tls, int64(amt)) {
		return false
	}
	if s.n == 0 {
		s.off = off
	}
	copy(unsafe.Slice(at[byte](s.buf+uintptr(s.n)), amt), unsafe.Slice(at[byte](pBuf), amt))
	s.n += int64(amt)
	s.next = off + int64(amt)
	return true
}

// framePart is a whole frame header or page where the log puts one: after
// the 32-byte log header, frames of a header and a page follow each other.
// A piece of a frame split at a sector boundary is neither.
func (s *file) framePart(amt int32, off int64) bool {
	page := int64(at[sqlite3.TWal](s.log).FszPage)
	if page == 0 || off < walHeaderSize {
		return false
	}
	pos := (off - walHeaderSize) % (frameHeaderSize + page)
	return (amt == frameHeaderSize && pos == 0) || (int64(amt) == page && pos == frameHeaderSize)
}

// isCommitFrame reads a frame header's second field: the database size
// after the commit, which only a transaction's last frame carries.
func isCommitFrame(header uintptr) bool {
	b := unsafe.Slice(at[byte](header), frameHeaderSize)
	return b[4]|b[5]|b[6]|b[7] != 0
}

// reserve makes room for more bytes, growing the buffer as needed.
func (s *file) reserve(tls *libc.TLS, more int64) bool {
	if s.n+more <= s.cap {
		return true
	}
	size := max(s.cap*2, 256<<10, s.n+more)
	p := libc.Xrealloc(tls, s.buf, libc.Tsize_t(size))
	if p == 0 {
		return false
	}
	s.buf, s.cap = p, size
	return true
}

// flush writes what is gathered. A failure is remembered, so that the
// transaction cannot commit over the bytes that are missing.
func (s *file) flush(tls *libc.TLS, pFile uintptr) int32 {
	if s.failedRC != sqlite3.SQLITE_OK {
		return s.failedRC
	}
	n, off := s.n, s.off
	s.n = 0
	for done := int64(0); done < n; done += maxWrite {
		if rc := pwrite(tls, pFile, s.buf+uintptr(done), int32(min(maxWrite, n-done)), off+done); rc != sqlite3.SQLITE_OK {
			s.failedRC = rc
			return rc
		}
	}
	if s.cap > keptBuffer {
		s.free(tls)
	}
	return sqlite3.SQLITE_OK
}

// discard drops what is gathered and any remembered failure: the write
// lock is being released, so none of it belongs to a commit.
func (s *file) discard() {
	s.n, s.commit, s.failedRC = 0, 0, sqlite3.SQLITE_OK
}

func (s *file) free(tls *libc.TLS) {
	if s.buf != 0 {
		libc.Xfree(tls, s.buf)
	}
	s.buf, s.cap = 0, 0
}

// pwrite is unix's xWrite; tests replace it to make writes fail.
var pwrite = func(tls *libc.TLS, pFile, pBuf uintptr, amt int32, off int64) int32 {
	fp := unixMethods(pFile).FxWrite
	return (*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&struct{ uintptr }{fp})))(tls, pFile, pBuf, amt, off)
}

func walRead(tls *libc.TLS, pFile, pBuf uintptr, amt int32, off int64) int32 {
	if rc := state(pFile).flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	fp := unixMethods(pFile).FxRead
	return (*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&struct{ uintptr }{fp})))(tls, pFile, pBuf, amt, off)
}

func walTruncate(tls *libc.TLS, pFile uintptr, size int64) int32 {
	if rc := state(pFile).flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	fp := unixMethods(pFile).FxTruncate
	return (*(*func(*libc.TLS, uintptr, int64) int32)(unsafe.Pointer(&struct{ uintptr }{fp})))(tls, pFile, size)
}

func walSync(tls *libc.TLS, pFile uintptr, flags int32) int32 {
	if rc := state(pFile).flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	fp := unixMethods(pFile).FxSync
	return (*(*func(*libc.TLS, uintptr, int32) int32)(unsafe.Pointer(&struct{ uintptr }{fp})))(tls, pFile, flags)
}

func walFileSize(tls *libc.TLS, pFile, pSize uintptr) int32 {
	if rc := state(pFile).flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	fp := unixMethods(pFile).FxFileSize
	return (*(*func(*libc.TLS, uintptr, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{fp})))(tls, pFile, pSize)
}

// walClose drops anything gathered (a commit never leaves any: see the
// package comment), frees the buffer and closes as unix does.
func walClose(tls *libc.TLS, pFile uintptr) int32 {
	s := state(pFile)
	s.discard()
	s.free(tls)
	state(s.db).wal = 0
	fp := unixMethods(pFile).FxClose
	return (*(*func(*libc.TLS, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{fp})))(tls, pFile)
}

// dbShmBarrier flushes the log before SQLite's barrier: the barrier sits
// between the two copies of the wal-index header a commit writes, so no
// reader can see the commit before its frames are in the file.
func dbShmBarrier(tls *libc.TLS, pFile uintptr) {
	if wal := state(pFile).wal; wal != 0 {
		if rc := state(wal).flush(tls, wal); rc != sqlite3.SQLITE_OK {
			stop(rc)
		}
	}
	fp := unixMethods(pFile).FxShmBarrier
	(*(*func(*libc.TLS, uintptr))(unsafe.Pointer(&struct{ uintptr }{fp})))(tls, pFile)
}

// stop ends the process when bytes of the log could not be written (now
// or earlier in this transaction) and the barrier, which may be about to
// make a commit visible, has no way to fail. The commit is then neither
// visible nor acknowledged; recovery on the next start keeps what the
// file holds. Tests replace it.
var stop = func(rc int32) {
	fmt.Fprintf(os.Stderr, "alertgate: walvfs: could not write the write-ahead log before a commit became visible (SQLite error %d); stopping before the commit is acknowledged\n", rc)
	os.Exit(70)
}

// dbShmLock discards what is gathered when the write lock is released.
func dbShmLock(tls *libc.TLS, pFile uintptr, offset, n, flags int32) int32 {
	releasesWriteLock := flags == sqlite3.SQLITE_SHM_UNLOCK|sqlite3.SQLITE_SHM_EXCLUSIVE &&
		offset <= sqlite3.WAL_WRITE_LOCK && sqlite3.WAL_WRITE_LOCK < offset+n
	if wal := state(pFile).wal; wal != 0 && releasesWriteLock {
		state(wal).discard()
	}
	fp := unixMethods(pFile).FxShmLock
	return (*(*func(*libc.TLS, uintptr, int32, int32, int32) int32)(unsafe.Pointer(&struct{ uintptr }{fp})))(tls, pFile, offset, n, flags)
}
