package store

import (
	"context"
	"sync"
)

// cache keeps a value derived from the database in memory (every source by
// slug, the enabled channels): the webhook path needs them on every
// delivery, and they change only through this store, which drops the copy
// on every change. gen makes sure a copy loaded before a change is never
// kept after it.
type cache[T any] struct {
	mu    sync.Mutex
	gen   uint64
	value *T
}

func (c *cache[T]) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.value = nil
}

// get returns the current copy, loading one when there is none.
func (c *cache[T]) get(ctx context.Context, load func(context.Context) (T, error)) (T, error) {
	c.mu.Lock()
	v, gen := c.value, c.gen
	c.mu.Unlock()
	if v != nil {
		return *v, nil
	}
	loaded, err := load(ctx)
	if err != nil {
		return loaded, err
	}
	c.mu.Lock()
	if c.gen == gen {
		c.value = &loaded
	}
	c.mu.Unlock()
	return loaded, nil
}
