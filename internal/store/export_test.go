package store

import "context"

// Migrations is the embedded migrations directory, for tests that migrate
// step by step.
var Migrations = migrations

// CacheIdentityUsage is how many identity policy lists c holds and their
// bytes.
func CacheIdentityUsage(c *Cache) (int, int64) { return c.identity.usage() }

// HoldWriter takes the SQLite writer lock until the returned func runs.
func HoldWriter(s *Store) func() {
	unlock, err := s.writeLock(context.Background())
	if err != nil {
		panic(err)
	}
	return unlock
}

// MaxOpenConns is the pool's cap on open connections (0: none).
func MaxOpenConns(s *Store) int { return s.db.Stats().MaxOpenConnections }
