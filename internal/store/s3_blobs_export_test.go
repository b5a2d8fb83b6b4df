package store

// DBConnsInUse is how many database connections the store holds at the
// moment, for tests of what a slow request keeps.
func DBConnsInUse(s *Store) int { return s.db.Stats().InUse }
