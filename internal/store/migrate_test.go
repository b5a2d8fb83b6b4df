package store_test

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pressly/goose/v3"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/storetest"
)

// TestMigrateRoleTagsIntoTheRow writes role tags the way migration 00002
// kept them, migrates, and reads them back through the store.
func TestMigrateRoleTagsIntoTheRow(t *testing.T) {
	ctx := context.Background()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := e.Config(t, dir)
			db, dialect := openRaw(t, cfg, dir)
			sub, err := fs.Sub(store.Migrations, "migrations")
			if err != nil {
				t.Fatal(err)
			}
			p, err := goose.NewProvider(dialect, db, sub)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.UpTo(ctx, 7); err != nil {
				t.Fatalf("migrate to 7: %v", err)
			}
			for _, q := range []string{
				`INSERT INTO accounts (id, email, email_key, created_at) VALUES ('123456789012', 'a@example.com', 'a@example.com', 1)`,
				`INSERT INTO roles (id, account_id, name, name_key, path, trust_policy, created_at)
					VALUES ('AROATAGGED', '123456789012', 'Tagged', 'tagged', '/', '{}', 1),
					('AROAPLAIN', '123456789012', 'Plain', 'plain', '/', '{}', 1)`,
				`INSERT INTO role_tags (role_id, tag_key, key_lc, value) VALUES
					('AROATAGGED', 'Team', 'team', 'a"b'),
					('AROATAGGED', 'Ünï', 'ünï', 'ç'),
					('AROATAGGED', 'b', 'b', ''),
					('AROATAGGED', 'env', 'env', 'pro\d\\')`,
			} {
				if _, err := db.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			db.Close()

			st, err := store.Open(ctx, cfg, storetest.Sealer(t))
			if err != nil {
				t.Fatalf("Open (migrating to the latest) = %v", err)
			}
			defer st.Close()
			want := []iam.Tag{{Key: "b", Value: ""}, {Key: "env", Value: `pro\d\\`}, {Key: "Team", Value: `a"b`}, {Key: "Ünï", Value: "ç"}}
			r, err := st.RoleByID(ctx, "123456789012", "AROATAGGED")
			if err != nil {
				t.Fatalf("RoleByID = %v", err)
			}
			if diff := cmp.Diff(want, r.Tags); diff != "" {
				t.Errorf("migrated role tags (-want +got):\n%s", diff)
			}
			page, next, err := st.ListRoleTags(ctx, "123456789012", "AROATAGGED", iam.Page{MaxItems: 3})
			if err != nil || next == "" {
				t.Fatalf("ListRoleTags(MaxItems 3) = next %q, %v", next, err)
			}
			rest, last, err := st.ListRoleTags(ctx, "123456789012", "AROATAGGED", iam.Page{Marker: next, MaxItems: 3})
			if err != nil || last != "" {
				t.Fatalf("ListRoleTags(second page) = next %q, %v", last, err)
			}
			if diff := cmp.Diff(want, append(page, rest...)); diff != "" {
				t.Errorf("migrated role tags in pages (-want +got):\n%s", diff)
			}
			plain, err := st.RoleByName(ctx, "123456789012", "plain")
			if err != nil || len(plain.Tags) != 0 {
				t.Errorf("RoleByName(a role without tags) = %+v, %v, want no tags", plain, err)
			}
			if err := st.TagRole(ctx, "123456789012", "AROATAGGED", []iam.Tag{{Key: "TEAM", Value: "c"}}, 50); err != nil {
				t.Fatalf("TagRole after the migration = %v", err)
			}
			r, err = st.RoleByID(ctx, "123456789012", "AROATAGGED")
			if err != nil {
				t.Fatal(err)
			}
			want[2] = iam.Tag{Key: "TEAM", Value: "c"}
			if diff := cmp.Diff(want, r.Tags); diff != "" {
				t.Errorf("tags after TagRole on a migrated role (-want +got):\n%s", diff)
			}
		})
	}
}

// openRaw opens the database a store config names, without the store.
func openRaw(t *testing.T, cfg store.Config, dir string) (*sql.DB, goose.Dialect) {
	t.Helper()
	if cfg.DatabaseURL != "" {
		db, err := sql.Open("pgx", cfg.DatabaseURL)
		if err != nil {
			t.Fatal(err)
		}
		return db, goose.DialectPostgres
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, store.SQLiteFileName)+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	return db, goose.DialectSQLite3
}
