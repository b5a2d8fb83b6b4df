// Package storetest opens fresh stores on every engine for tests: SQLite
// always, and PostgreSQL when IAMD_TEST_DATABASE_URL is set. Under CI=true a
// missing PostgreSQL URL fails the test instead of skipping the engine.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/iamd/iamd/internal/seal"
	"github.com/iamd/iamd/internal/store"
)

// Engine is one SQL engine under test.
type Engine struct {
	Name string
	// Config returns a store config for a fresh, empty database that is
	// removed when the test ends. dataDir is used by SQLite.
	Config func(t testing.TB, dataDir string) store.Config
}

// Engines returns the engines to run a test on.
func Engines(t testing.TB) []Engine {
	t.Helper()
	engines := []Engine{{Name: "sqlite", Config: func(t testing.TB, dataDir string) store.Config {
		return store.Config{DataDir: dataDir}
	}}}
	pg := os.Getenv("IAMD_TEST_DATABASE_URL")
	if pg == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but IAMD_TEST_DATABASE_URL is not set: PostgreSQL tests must run in CI")
		}
		t.Log("IAMD_TEST_DATABASE_URL not set: PostgreSQL engine skipped")
		return engines
	}
	return append(engines, Engine{Name: "postgres", Config: func(t testing.TB, _ string) store.Config {
		return store.Config{DatabaseURL: freshSchema(t, pg)}
	}})
}

// freshSchema creates a schema of its own for one test and returns a URL
// whose search_path points at it.
func freshSchema(t testing.TB, base string) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "iamdtest_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema on %s: %v", base, err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Sealer returns a sealer with a fixed test key.
func Sealer(t testing.TB) *seal.Sealer {
	t.Helper()
	s, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Open opens a fresh store on the engine, closed when the test ends.
func (e Engine) Open(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), e.Config(t, t.TempDir()), Sealer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
