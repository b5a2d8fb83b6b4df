package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/s3"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/storetest"
)

// TestContract runs the storage contract on every engine.
func TestContract(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			storetest.Contract(t, func(t testing.TB) storetest.Store {
				// The races open 50 connections at once; keeping them
				// between races saves seconds on PostgreSQL.
				cfg := e.Config(t, t.TempDir())
				cfg.MaxIdleConns = 64
				st, err := store.Open(context.Background(), cfg, storetest.Sealer(t))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			})
		})
	}
}

// TestS3BlobStorage looks where each engine keeps S3 object bytes: a
// reader that fails leaves no file or row behind, files are private, and
// test mode's reset removes blobs with the buckets and versions.
func TestS3BlobStorage(t *testing.T) {
	ctx := context.Background()
	errBoom := errors.New("boom")
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := e.Config(t, dir)
			st, err := store.Open(ctx, cfg, storetest.Sealer(t))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			// stored counts what the engine holds: files (finished or
			// not) under the objects dir, or blob and part rows.
			stored := func() (blobs, parts int) {
				t.Helper()
				if cfg.DatabaseURL == "" {
					filepath.WalkDir(filepath.Join(dir, store.S3ObjectsDir), func(p string, d fs.DirEntry, err error) error {
						if err == nil && !d.IsDir() {
							blobs++
						}
						return nil
					})
					return blobs, blobs
				}
				db, err := sql.Open("pgx", cfg.DatabaseURL)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				if err := db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM s3_blobs), (SELECT COUNT(*) FROM s3_blob_parts)`).Scan(&blobs, &parts); err != nil {
					t.Fatal(err)
				}
				return blobs, parts
			}
			bl := st.S3Blobs()
			id, _, err := bl.Create(ctx, bytes.NewReader(make([]byte, 2<<20+1)))
			if err != nil {
				t.Fatal(err)
			}
			wantParts := 3 // 1 MiB parts
			if cfg.DatabaseURL == "" {
				wantParts = 1
			}
			if b, p := stored(); b != 1 || p != wantParts {
				t.Fatalf("after one Create: %d blobs, %d parts stored, want 1, %d", b, p, wantParts)
			}
			if _, _, err := bl.Create(ctx, io.MultiReader(bytes.NewReader(make([]byte, 3<<19)), iotest.ErrReader(errBoom))); !errors.Is(err, errBoom) {
				t.Fatalf("Create(failing reader) = %v, want errBoom", err)
			}
			if b, p := stored(); b != 1 || p != wantParts {
				t.Errorf("after a failed Create: %d blobs, %d parts stored, want 1, %d (nothing left behind)", b, p, wantParts)
			}
			if cfg.DatabaseURL == "" {
				objects := filepath.Join(dir, store.S3ObjectsDir)
				for p, want := range map[string]fs.FileMode{
					objects: 0o700, filepath.Join(objects, id[:2]): 0o700, filepath.Join(objects, id[:2], id): 0o600,
				} {
					if fi, err := os.Stat(p); err != nil {
						t.Error(err)
					} else if fi.Mode().Perm() != want {
						t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), want)
					}
				}
			}

			// A bucket with a version, then test mode's reset.
			const acct = "123456789012"
			seed := store.TestSeed{
				Account: iam.Account{ID: acct, Email: "root@example.com", CreatedAt: time.Unix(1, 0)},
				Users:   []iam.User{{AccountID: acct, ID: acct, Name: iam.RootUserName, Path: "/", Root: true, CreatedAt: time.Unix(1, 0)}},
			}
			if err := st.ResetForTest(ctx, seed); err != nil {
				t.Fatal(err)
			}
			if err := st.CreateBucket(ctx, s3.Bucket{Name: "b", AccountID: acct, Region: "us-east-1"}); err != nil {
				t.Fatal(err)
			}
			if _, err := st.PutVersion(ctx, s3.Version{Bucket: "b", Key: "k", VersionID: s3.NullVersion, BlobID: id, Owner: acct}); err != nil {
				t.Fatal(err)
			}
			if err := st.ResetForTest(ctx, seed); err != nil {
				t.Fatalf("ResetForTest with S3 data = %v", err)
			}
			if b, p := stored(); b != 0 || p != 0 {
				t.Errorf("after the reset: %d blobs, %d parts stored, want none", b, p)
			}
			if _, err := bl.Open(ctx, id); !errors.Is(err, s3.ErrNoSuchBlob) {
				t.Errorf("Open after the reset = %v, want ErrNoSuchBlob", err)
			}
			if _, err := st.Bucket(ctx, "b"); !errors.Is(err, s3.ErrNoSuchBucket) {
				t.Errorf("Bucket after the reset = %v, want ErrNoSuchBucket", err)
			}
			// Blobs work again after the wipe.
			if _, _, err := bl.Create(ctx, strings.NewReader("hello")); err != nil {
				t.Errorf("Create after the reset = %v", err)
			}
		})
	}
}
