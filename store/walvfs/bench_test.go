package walvfs

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkCommit commits transactions shaped like an ingest group
// commit (ten rows, each landing on a random page of two indexes, so
// about thirty frames) through plain unix and through this VFS, in one
// command, so the ratio holds on a noisy machine:
//
//	go test -run '^$' -bench Commit ./store/walvfs
func BenchmarkCommit(b *testing.B) {
	for _, v := range []struct {
		name string
		ours bool
	}{{"unix", false}, {Name, true}} {
		b.Run(v.name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "bench.db")
			db := openDB(b, path, v.ours, 8000)
			mustExec(b, db, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT, v BLOB)")
			mustExec(b, db, "CREATE UNIQUE INDEX t_a ON t (a)")
			mustExec(b, db, "CREATE INDEX t_b ON t (b)")
			rng := rand.New(rand.NewPCG(1, 2))
			b.ResetTimer()
			for i := range b.N {
				tx, err := db.Begin()
				if err != nil {
					b.Fatal(err)
				}
				for j := range 10 {
					_, err := tx.Exec("INSERT INTO t (a, b, v) VALUES (?, ?, randomblob(400))",
						fmt.Sprintf("%016x-%d-%d", rng.Uint64(), i, j), fmt.Sprintf("%016x", rng.Uint64()))
					if err != nil {
						b.Fatal(err)
					}
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
			if wal, err := os.Stat(path + "-wal"); err == nil { // nothing checkpoints it
				b.ReportMetric(float64(wal.Size())/(4096+24)/float64(b.N), "frames/commit")
			}
		})
	}
}
