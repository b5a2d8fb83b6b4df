package store

// Migrations is the embedded migrations directory, for tests that migrate
// step by step.
var Migrations = migrations

// CacheIdentityUsage is how many identity policy lists c holds and their
// bytes.
func CacheIdentityUsage(c *Cache) (int, int64) { return c.identity.usage() }
