package store_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/storetest"
)

// TestSQLiteFilesArePrivate (finding 10 of issue 9): the SQLite database
// and its WAL and shared-memory files hold password hashes and sealed
// secrets, so they are created 0600 even in a data dir others can read
// (one made by hand, or a mounted volume), whatever the umask, and an
// existing database left readable by others is tightened when opened.
func TestSQLiteFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0) // the most permissive: only iamd's own modes count
	defer syscall.Umask(old)
	ctx := context.Background()
	check := func(t *testing.T, dir string) {
		t.Helper()
		base := filepath.Join(dir, store.SQLiteFileName)
		for _, p := range []string{base, base + "-wal", base + "-shm"} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Errorf("stat %s: %v", p, err)
				continue
			}
			if perm := fi.Mode().Perm(); perm&0o077 != 0 {
				t.Errorf("%s has mode %v, want no access for group or others", filepath.Base(p), perm)
			}
		}
	}
	open := func(t *testing.T, dir string) *store.Store {
		t.Helper()
		st, err := store.Open(ctx, store.Config{DataDir: dir}, storetest.Sealer(t))
		if err != nil {
			t.Fatal(err)
		}
		// A write, so that the WAL and shared-memory files exist.
		if err := st.CreateAccount(ctx, &iam.Account{ID: "123456789012", Email: "a@example.com"},
			&iam.User{AccountID: "123456789012", ID: "123456789012", Name: iam.RootUserName, Path: "/", Root: true}, "", nil); err != nil {
			t.Fatal(err)
		}
		return st
	}

	t.Run("new", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		st := open(t, dir)
		defer st.Close()
		check(t, dir)
	})
	t.Run("existing and readable by others", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		st := open(t, dir)
		base := filepath.Join(dir, store.SQLiteFileName)
		for _, p := range []string{base, base + "-wal", base + "-shm"} {
			if err := os.Chmod(p, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		st.Close()
		st, err := store.Open(ctx, store.Config{DataDir: dir}, storetest.Sealer(t))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		check(t, dir)
	})
}
