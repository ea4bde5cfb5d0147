// Package store keeps Alertgate's state in one SQLite file: it opens the
// writer and reader pools, migrates the schema and holds the transactional
// domain operations the handlers call.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/alertgate/alertgate/store/db"
	"github.com/alertgate/alertgate/store/walvfs"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// FileName is the database file inside the data directory.
const FileName = "alertgate.db"

// Sentinel errors the HTTP edge maps to 404 and 409.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// Options tune how the database is opened.
type Options struct {
	// SyncFull trades write speed for durability across power loss.
	SyncFull bool
	// PasswordCost is the bcrypt cost; zero means bcrypt's default.
	PasswordCost int
}

// Store is the database: one writer connection (SQLite allows one writer at
// a time, so a single connection avoids SQLITE_BUSY between our own writers)
// and a pool of read-only connections that WAL lets run beside it.
type Store struct {
	path   string
	writer *sql.DB
	reader *sql.DB
	// write and read hold every query prepared once on its pool: parsing
	// SQL on each call was a quarter of the ingest path's time.
	write      *db.Queries
	read       *db.Queries
	opts       Options
	savepoints savepointStmts
	// sources is the in-memory copy SourceBySlug reads, channels the
	// enabled channels ingest matches notifications against.
	sources  cache[map[string]db.Source]
	channels cache[[]channelRoute]
	// onMessages gets the messages each commit queued (OnMessages); wake
	// asks the delivery worker to read the outbox now.
	onMessages atomic.Pointer[func([]Message)]
	wake       chan struct{}
	// The group-commit writer (batch.go).
	jobs       chan job
	quit       chan struct{}
	writerDone chan struct{}
	closeOnce  sync.Once
	// senders counts the deliveries waiting for a group commit, which
	// tells the writer when it holds up senders (priority.go).
	senders atomic.Int64
	// writerPriorityErr is why the writer's thread cannot be raised.
	writerPriorityErr error
	// checkpointDone closes when the checkpointer has stopped.
	checkpointDone chan struct{}
}

// Open creates the data directory if needed, opens alertgate.db in it and
// migrates it to this binary's schema. It refuses a newer schema.
func Open(ctx context.Context, dataDir string, opts Options) (*Store, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create data dir: %w", err)
	}
	path := filepath.Join(dataDir, FileName)
	writer, err := openPool(path, writerPragmas(opts), 1)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, writer); err != nil {
		writer.Close()
		return nil, err
	}
	reader, err := openPool(path, readerPragmas, 4)
	if err != nil {
		writer.Close()
		return nil, err
	}
	s := &Store{path: path, writer: writer, reader: reader, opts: opts, wake: make(chan struct{}, 1)}
	if err := s.prepare(ctx); err != nil {
		s.closePools()
		return nil, err
	}
	s.startWriter()
	if err := s.startCheckpointer(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) prepare(ctx context.Context) error {
	var err error
	if s.write, err = db.Prepare(ctx, s.writer); err != nil {
		return fmt.Errorf("store: prepare queries: %w", err)
	}
	if s.read, err = db.Prepare(ctx, s.reader); err != nil {
		return fmt.Errorf("store: prepare queries: %w", err)
	}
	s.savepoints, err = prepareSavepoints(ctx, s.writer)
	return err
}

func (s *Store) closePools() error {
	s.savepoints.close()
	var errs []error
	for _, q := range []*db.Queries{s.read, s.write} {
		if q != nil {
			errs = append(errs, q.Close())
		}
	}
	return errors.Join(append(errs, s.reader.Close(), s.writer.Close())...)
}

func writerPragmas(opts Options) []string {
	sync := "synchronous(NORMAL)"
	if opts.SyncFull {
		sync = "synchronous(FULL)"
	}
	// temp_store: the savepoint around each job of a group commit journals
	// to a temporary file otherwise, one write per page per job.
	// wal_autocheckpoint: the checkpointer (checkpoint.go) does it instead.
	return []string{"busy_timeout(5000)", "foreign_keys(1)", "journal_mode(WAL)", sync, "temp_store(MEMORY)", cacheSize, "wal_autocheckpoint(0)"}
}

// cacheSize is each connection's page cache (32 MiB): the indexes the hot
// paths touch stay in memory on a database of millions of rows.
const cacheSize = "cache_size(-32768)"

// readerPragmas make every reader connection refuse writes outright.
var readerPragmas = []string{"busy_timeout(5000)", "foreign_keys(1)", "query_only(1)", cacheSize}

func openPool(path string, pragmas []string, maxOpen int) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	q.Set("_time_format", "sqlite")
	q.Set("_txlock", "immediate")
	// Every connection writes its log through walvfs: a commit's frames
	// go out in one or two pwrites instead of two per page.
	if err := walvfs.Register(); err != nil {
		return nil, err
	}
	q.Set("vfs", walvfs.Name)
	dsn := "file:" + path + "?" + q.Encode()
	pool, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	pool.SetMaxOpenConns(maxOpen)
	pool.SetMaxIdleConns(maxOpen)
	pool.SetConnMaxLifetime(0)
	if err := pool.Ping(); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return pool, nil
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// Close closes both pools. Closing the last connection checkpoints the WAL
// into the main file, so a clean stop leaves one self-contained file.
// Work still queued for the group-commit writer fails with ErrClosed: it was
// never acknowledged, so its sender retries.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.quit) })
	<-s.writerDone
	if s.checkpointDone != nil {
		<-s.checkpointDone
	}
	return s.closePools()
}

// Ping tells whether the database answers a read.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.reader.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Tx runs fn in one write transaction on the writer connection and commits
// when fn returns nil; any error rolls everything back.
func (s *Store) Tx(ctx context.Context, fn func(q *db.Queries) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(s.write.WithTx(tx)); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// Backup writes a consistent copy of the live database to dst while the
// server keeps running (VACUUM INTO reads one snapshot).
func (s *Store) Backup(ctx context.Context, dst string) error {
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("store: backup: %s already exists", dst)
	}
	if _, err := s.writer.ExecContext(ctx, "VACUUM INTO ?", dst); err != nil {
		return fmt.Errorf("store: backup to %s: %w", dst, err)
	}
	return nil
}

// notFound turns sql.ErrNoRows into ErrNotFound, with context.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: %s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("store: %s: %w", what, err)
}
