package walvfs

import (
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// xWrite buffers a write that continues the buffer, and flushes after a
// commit frame's page, so the commit's xWrite reports the real outcome.
func xWrite(tls *libc.TLS, pFile, pBuf uintptr, amt int32, off int64) int32 {
	s := state(pFile)
	if s.n > 0 && (off != s.off+s.n || s.n+int64(amt) > maxBuffered) {
		if rc := s.flush(tls, pFile); rc != sqlite3.SQLITE_OK {
			return rc
		}
	}
	if int64(amt) > maxBuffered {
		return unixWrite(tls, pFile, pBuf, amt, off)
	}
	if !s.reserve(tls, int64(amt)) {
		s.commit = 0
		if rc := s.flush(tls, pFile); rc != sqlite3.SQLITE_OK {
			return rc
		}
		return unixWrite(tls, pFile, pBuf, amt, off)
	}
	if s.n == 0 {
		s.off = off
	}
	copy(unsafe.Slice(at[byte](s.buf+uintptr(s.n)), amt), unsafe.Slice(at[byte](pBuf), amt))
	s.n += int64(amt)
	if s.commit != 0 {
		s.commit = 0
		return s.flush(tls, pFile)
	}
	if amt == frameHeaderSize && isCommitFrame(pBuf) {
		s.commit = 1
	}
	return sqlite3.SQLITE_OK
}

// isCommitFrame reads a frame header's second field: the database size
// after the commit, which only a transaction's last frame carries.
func isCommitFrame(header uintptr) bool {
	b := unsafe.Slice(at[byte](header), frameHeaderSize)
	return b[4]|b[5]|b[6]|b[7] != 0
}

// reserve makes room for more bytes, growing the buffer as needed.
func (s *walFile) reserve(tls *libc.TLS, more int64) bool {
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

// flush writes the buffer out and empties it, even on failure: SQLite
// treats a failed write as the transaction's end.
func (s *walFile) flush(tls *libc.TLS, pFile uintptr) int32 {
	n, off := s.n, s.off
	s.n = 0
	for done := int64(0); done < n; done += maxWrite {
		if rc := unixWrite(tls, pFile, s.buf+uintptr(done), int32(min(maxWrite, n-done)), off+done); rc != sqlite3.SQLITE_OK {
			return rc
		}
	}
	return sqlite3.SQLITE_OK
}

func unixWrite(tls *libc.TLS, pFile, pBuf uintptr, amt int32, off int64) int32 {
	fp := unixMethods(pFile).FxWrite
	return (*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&struct{ uintptr }{fp})))(tls, pFile, pBuf, amt, off)
}

func xRead(tls *libc.TLS, pFile, pBuf uintptr, amt int32, off int64) int32 {
	if rc := state(pFile).flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	fp := unixMethods(pFile).FxRead
	return (*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&struct{ uintptr }{fp})))(tls, pFile, pBuf, amt, off)
}

func xTruncate(tls *libc.TLS, pFile uintptr, size int64) int32 {
	if rc := state(pFile).flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	fp := unixMethods(pFile).FxTruncate
	return (*(*func(*libc.TLS, uintptr, int64) int32)(unsafe.Pointer(&struct{ uintptr }{fp})))(tls, pFile, size)
}

func xSync(tls *libc.TLS, pFile uintptr, flags int32) int32 {
	if rc := state(pFile).flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	fp := unixMethods(pFile).FxSync
	return (*(*func(*libc.TLS, uintptr, int32) int32)(unsafe.Pointer(&struct{ uintptr }{fp})))(tls, pFile, flags)
}

func xFileSize(tls *libc.TLS, pFile, pSize uintptr) int32 {
	if rc := state(pFile).flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	fp := unixMethods(pFile).FxFileSize
	return (*(*func(*libc.TLS, uintptr, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{fp})))(tls, pFile, pSize)
}

func xFileControl(tls *libc.TLS, pFile uintptr, op int32, pArg uintptr) int32 {
	if rc := state(pFile).flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	fp := unixMethods(pFile).FxFileControl
	return (*(*func(*libc.TLS, uintptr, int32, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{fp})))(tls, pFile, op, pArg)
}

// xClose flushes, frees the buffer and closes as unix does; SQLite frees
// the file struct itself.
func xClose(tls *libc.TLS, pFile uintptr) int32 {
	s := state(pFile)
	rc := s.flush(tls, pFile)
	if s.buf != 0 {
		libc.Xfree(tls, s.buf)
		s.buf, s.cap = 0, 0
	}
	fp := unixMethods(pFile).FxClose
	if closeRC := (*(*func(*libc.TLS, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{fp})))(tls, pFile); rc == sqlite3.SQLITE_OK {
		rc = closeRC
	}
	return rc
}
