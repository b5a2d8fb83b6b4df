package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"github.com/iamd/iamd/internal/iam"
)

// TestSeed is what ResetForTest re-creates after the wipe: one account, its
// users (the root user among them), their password hashes and access keys,
// and managed policies attached to users. Test mode only.
type TestSeed struct {
	Account iam.Account
	Users   []iam.User
	// Passwords are argon2id hashes by user id.
	Passwords   map[string]string
	Keys        []iam.AccessKey
	Attachments []TestAttachment
}

// TestAttachment attaches a managed policy (an AWS-managed one, which the
// wipe keeps) to a seeded user.
type TestAttachment struct {
	UserID    string
	PolicyARN string
}

// wipeOrder is every table ResetForTest empties, children before parents
// so that no foreign key is broken on the way. policies and policy_versions
// lose only the rows of accounts: AWS-managed policies (account 'aws') come
// from the migrations and stay.
var wipeOrder = []string{
	"s3_blob_parts", "s3_blobs", "s3_versions", "s3_buckets",
	"audit_event_resources", "audit_events",
	"console_sessions", "credential_reports",
	"group_members", "inline_policies", "policy_attachments",
	"policy_versions", "policies",
	"password_history", "password_policies", "login_profiles", "access_keys",
	"mfa_devices", "throttles", "quota_requests", "quotas",
	"groups", "role_tags", "roles", "users", "accounts",
}

// keptTables are the schema's bookkeeping, which a reset leaves alone: the
// migration version, the master key's id and check value, and test mode's
// mark.
var keptTables = []string{"goose_db_version", "meta"}

// ResetForTest deletes every entity of every account — identities, keys,
// devices, policies, sessions, throttles, quotas, audit events, S3 buckets
// and objects — and creates seed, in one transaction: a reader sees the
// old state or the new one. It refuses, changing nothing, when the schema
// has a table it does not know, so a new migration cannot leave rows
// behind. A SQLite store's S3 object files are removed after the commit
// (files are outside the transaction; no version names them any more).
// For test mode only: nothing else calls it.
func (s *Store) ResetForTest(ctx context.Context, seed TestSeed) error {
	if err := s.resetTables(ctx, seed); err != nil {
		return err
	}
	if hooks := s.onReset.Load(); hooks != nil {
		for _, h := range *hooks {
			h() // a cache forgets everything: accounts were made anew
		}
	}
	return s.wipeBlobFiles()
}

// resetTables is ResetForTest's transaction.
func (s *Store) resetTables(ctx context.Context, seed TestSeed) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		tables, err := s.tableNames(ctx, tx)
		if err != nil {
			return err
		}
		known := map[string]bool{}
		for _, t := range append(append([]string{}, wipeOrder...), keptTables...) {
			known[t] = true
		}
		present := map[string]bool{}
		var unknown []string
		for _, t := range tables {
			present[t] = true
			if !known[t] {
				unknown = append(unknown, t)
			}
		}
		if len(unknown) > 0 {
			sort.Strings(unknown)
			return fmt.Errorf("store: reset: tables %s are neither wiped nor kept (add them to wipeOrder in testmode.go)", strings.Join(unknown, ", "))
		}
		// The account comes back with a generation above any it had, so
		// that another node's cache, which compares generations for
		// equality, cannot miss the reset however many writes follow it
		// within one poll.
		var gen int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(generation), 0) FROM accounts`).Scan(&gen); err != nil {
			return fmt.Errorf("store: reset: generations: %w", err)
		}
		for _, t := range wipeOrder {
			if !present[t] {
				continue // dropped by a later migration (role_tags)
			}
			q := `DELETE FROM ` + t
			switch t {
			case "policies":
				q += ` WHERE account_id <> 'aws'`
			case "policy_versions":
				q += ` WHERE policy_arn IN (SELECT arn FROM policies WHERE account_id <> 'aws')`
			}
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("store: reset: %s: %w", t, err)
			}
		}
		a := seed.Account
		if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, email, email_key, alias, created_at, generation) VALUES ($1, $2, $3, $4, $5, $6)`,
			a.ID, a.Email, strings.ToLower(a.Email), a.Alias, ms(a.CreatedAt), gen+1); err != nil {
			return fmt.Errorf("store: reset: account: %w", err)
		}
		for i := range seed.Users {
			u := &seed.Users[i]
			if err := insertUser(ctx, tx, u); err != nil {
				return fmt.Errorf("store: reset: user %s: %w", u.Name, err)
			}
			if h := seed.Passwords[u.ID]; h != "" {
				if err := s.insertLoginProfile(ctx, tx, u.AccountID, &iam.LoginProfile{UserID: u.ID, PasswordHash: h, CreatedAt: u.CreatedAt}); err != nil {
					return fmt.Errorf("store: reset: login profile of %s: %w", u.Name, err)
				}
			}
		}
		for i := range seed.Keys {
			if err := s.insertAccessKey(ctx, tx, &seed.Keys[i]); err != nil {
				return fmt.Errorf("store: reset: access key %s: %w", seed.Keys[i].ID, err)
			}
		}
		// The mark that lets the next start in test mode wipe this store.
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (name, value) VALUES ('test_mode', '1') ON CONFLICT (name) DO NOTHING`); err != nil {
			return fmt.Errorf("store: reset: mark: %w", err)
		}
		for _, at := range seed.Attachments {
			if _, err := tx.ExecContext(ctx, `INSERT INTO policy_attachments (account_id, entity_kind, entity_id, policy_arn) VALUES ($1, $2, $3, $4)`,
				a.ID, string(iam.EntityUser), at.UserID, at.PolicyARN); err != nil {
				return fmt.Errorf("store: reset: attach %s: %w", at.PolicyARN, err)
			}
		}
		return nil
	})
}

// WipeableForTest tells whether test mode may wipe the store: it holds no
// account, or its accounts are test mode's own (ResetForTest marked it).
// A store with data of a real server is not, so test mode pointed at it by
// mistake refuses to start instead of deleting it.
func (s *Store) WipeableForTest(ctx context.Context) (bool, error) {
	var mark int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM meta WHERE name = 'test_mode'`).Scan(&mark); err != nil {
		return false, err
	}
	// Only test mode's own account may be there: a real account added
	// to a marked store (by a server started without test mode, which
	// refuses such a store, or by iamd account create) is never wiped.
	var others int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts WHERE id <> $1`, testModeAccountID).Scan(&others); err != nil {
		return false, err
	}
	if mark > 0 {
		return others == 0, nil
	}
	var accounts int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&accounts); err != nil {
		return false, err
	}
	return accounts == 0, nil
}

// testModeAccountID is the account test mode creates.
const testModeAccountID = "123456789012"

// MarkedForTest tells whether test mode has reset this store. A server
// started without test mode refuses such a store: it holds test mode's
// published keys (FOOBARKEY), which must never be served beyond loopback.
func (s *Store) MarkedForTest(ctx context.Context) (bool, error) {
	var mark int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM meta WHERE name = 'test_mode'`).Scan(&mark); err != nil {
		return false, err
	}
	return mark > 0, nil
}

// tableNames lists the schema's tables.
func (s *Store) tableNames(ctx context.Context, tx *sql.Tx) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if s.engine == "postgres" {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
