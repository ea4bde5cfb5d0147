package store

import (
	"context"
	"sync"

	"github.com/alertgate/alertgate/store/db"
)

// sourceCache keeps every source in memory by slug: each webhook needs its
// source, and sources change only through this store, which drops the copy
// on every change. gen makes sure a copy loaded before a change is never
// kept after it.
type sourceCache struct {
	mu     sync.Mutex
	gen    uint64
	bySlug map[string]db.Source
}

func (c *sourceCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.bySlug = nil
}

// get returns the source with slug, loading every source when there is no
// current copy.
func (c *sourceCache) get(ctx context.Context, slug string, load func(context.Context) ([]db.Source, error)) (db.Source, bool, error) {
	c.mu.Lock()
	m, gen := c.bySlug, c.gen
	c.mu.Unlock()
	if m == nil {
		rows, err := load(ctx)
		if err != nil {
			return db.Source{}, false, err
		}
		m = make(map[string]db.Source, len(rows))
		for _, r := range rows {
			m[r.Slug] = r
		}
		c.mu.Lock()
		if c.gen == gen {
			c.bySlug = m
		}
		c.mu.Unlock()
	}
	src, ok := m[slug]
	return src, ok, nil
}
