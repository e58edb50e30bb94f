// Package cache is the response cache of the demo service: a bounded map with a time to live.
package cache

import (
	"sync"
	"time"
)

// Cache maps keys to values for TTL; at most Max entries (expired entries are dropped first,
// then an arbitrary one).
type Cache struct {
	TTL time.Duration
	Max int
	Now func() time.Time

	mu      sync.Mutex
	entries map[string]entry
}

type entry struct {
	val     []byte
	expires time.Time
}

// New returns a cache.
func New(ttl time.Duration, max int) *Cache {
	return &Cache{TTL: ttl, Max: max, Now: time.Now, entries: map[string]entry{}}
}

// Get returns the live value of key.
func (c *Cache) Get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	if !c.Now().Before(e.expires) {
		delete(c.entries, key)
		return nil, false
	}
	return e.val, true
}

// Set stores val under key.
func (c *Cache) Set(key string, val []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.Now()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.Max {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < c.Max {
				break
			}
			delete(c.entries, k)
		}
	}
	if c.Max > 0 {
		c.entries[key] = entry{val: val, expires: now.Add(c.TTL)}
	}
}

// Flush empties the cache.
func (c *Cache) Flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = map[string]entry{}
}

// Len returns the number of entries (expired ones included until touched).
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
