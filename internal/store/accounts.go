package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/iamd/iamd/internal/iam"
)

// CreateAccount creates an account, its root user and optional root key.
func (s *Store) CreateAccount(ctx context.Context, a *iam.Account, root *iam.User, rootPasswordHash string, rootKey *iam.AccessKey) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, email, email_key, alias, created_at) VALUES ($1, $2, $3, $4, $5)`,
			a.ID, a.Email, strings.ToLower(a.Email), a.Alias, ms(a.CreatedAt))
		if err != nil {
			if isUnique(err) {
				return iam.ErrExists
			}
			return err
		}
		if err := insertUser(ctx, tx, root); err != nil {
			return err
		}
		if rootPasswordHash != "" {
			if err := s.insertLoginProfile(ctx, tx, a.ID, &iam.LoginProfile{UserID: root.ID, PasswordHash: rootPasswordHash, CreatedAt: a.CreatedAt}); err != nil {
				return err
			}
		}
		if rootKey != nil {
			return s.insertAccessKey(ctx, tx, rootKey)
		}
		return nil
	})
}

const accountCols = `id, email, alias, created_at`

func scanAccount(sc interface{ Scan(...any) error }) (*iam.Account, error) {
	var a iam.Account
	var created int64
	if err := sc.Scan(&a.ID, &a.Email, &a.Alias, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, iam.ErrNotFound
		}
		return nil, err
	}
	a.CreatedAt = fromMS(created)
	return &a, nil
}

// Account returns one account.
func (s *Store) Account(ctx context.Context, id string) (*iam.Account, error) {
	return scanAccount(s.queryRow(ctx, `SELECT `+accountCols+` FROM accounts WHERE id = $1`, id))
}

// Accounts lists every account by id.
func (s *Store) Accounts(ctx context.Context) ([]iam.Account, error) {
	rows, err := s.query(ctx, `SELECT `+accountCols+` FROM accounts ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanAccount)
}

// Quotas returns the quotas set for an account.
func (s *Store) Quotas(ctx context.Context, accountID string) (map[string]int, error) {
	rows, err := s.query(ctx, `SELECT name, value FROM quotas WHERE account_id = $1`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var name string
		var v int
		if err := rows.Scan(&name, &v); err != nil {
			return nil, err
		}
		out[name] = v
	}
	return out, rows.Err()
}

// SetQuota sets one quota of an account.
func (s *Store) SetQuota(ctx context.Context, accountID, name string, value int) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
			if errors.Is(err, errNoAccount) {
				return iam.ErrNotFound
			}
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO quotas (account_id, name, value) VALUES ($1, $2, $3)
			ON CONFLICT (account_id, name) DO UPDATE SET value = excluded.value`, accountID, name, value)
		return err
	})
}

// Usage counts what GetAccountSummary reports.
func (s *Store) Usage(ctx context.Context, accountID string) (*iam.Usage, error) {
	var u iam.Usage
	var rootPw int
	err := s.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM users WHERE account_id = $1 AND is_root = 0),
		(SELECT COUNT(*) FROM roles WHERE account_id = $1),
		(SELECT COUNT(*) FROM mfa_devices WHERE account_id = $1 AND (kind = 'virtual' OR user_id IS NOT NULL)),
		(SELECT COUNT(*) FROM mfa_devices WHERE account_id = $1 AND user_id IS NOT NULL),
		(SELECT COUNT(*) FROM mfa_devices WHERE account_id = $1 AND user_id = $1),
		(SELECT COUNT(*) FROM access_keys WHERE account_id = $1 AND user_id = $1),
		(SELECT COUNT(*) FROM login_profiles WHERE account_id = $1 AND user_id = $1)`, accountID).
		Scan(&u.Users, &u.Roles, &u.MFADevices, &u.MFADevicesInUse, &u.RootMFADevices, &u.RootAccessKeys, &rootPw)
	if err != nil {
		return nil, err
	}
	u.RootPassword = rootPw > 0
	return &u, nil
}
