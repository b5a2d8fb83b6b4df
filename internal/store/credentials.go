package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/iamd/iamd/internal/iam"
)

func (s *Store) insertAccessKey(ctx context.Context, tx *sql.Tx, k *iam.AccessKey) error {
	sealed := s.sealer.Seal([]byte(k.Secret), "access-key", k.AccountID, k.ID)
	_, err := tx.ExecContext(ctx, `INSERT INTO access_keys (id, account_id, user_id, secret, status, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, k.ID, k.AccountID, k.UserID, sealed, k.Status, ms(k.CreatedAt))
	if isUnique(err) {
		return iam.ErrExists
	}
	return err
}

// CreateAccessKey stores a new key within the per-user limit.
func (s *Store) CreateAccessKey(ctx context.Context, k *iam.AccessKey, max int) error {
	return s.insertWithin(ctx, k.AccountID, max, `SELECT COUNT(*) FROM access_keys WHERE user_id = $1`,
		[]any{k.UserID}, func(tx *sql.Tx) error { return s.insertAccessKey(ctx, tx, k) })
}

const keyCols = `k.id, k.account_id, k.user_id, k.secret, k.status, k.created_at`

func (s *Store) scanKey(sc interface{ Scan(...any) error }, extra ...any) (*iam.AccessKey, error) {
	var k iam.AccessKey
	var sealed []byte
	var created int64
	if err := sc.Scan(append([]any{&k.ID, &k.AccountID, &k.UserID, &sealed, &k.Status, &created}, extra...)...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, iam.ErrNotFound
		}
		return nil, err
	}
	secret, err := s.sealer.Open(sealed, "access-key", k.AccountID, k.ID)
	if err != nil {
		return nil, err
	}
	k.Secret = string(secret)
	k.CreatedAt = fromMS(created)
	return &k, nil
}

// AccessKey finds a key and its owner (with the owner's tags) in any
// account.
func (s *Store) AccessKey(ctx context.Context, id string) (*iam.AccessKey, *iam.User, error) {
	var u iam.User
	var root int
	var created, pwUsed int64
	var tags string
	k, err := s.scanKey(s.queryRow(ctx, `SELECT `+keyCols+`, u.id, u.account_id, u.name, u.path, u.is_root, u.created_at, u.password_last_used,
		u.tags FROM access_keys k JOIN users u ON u.id = k.user_id WHERE k.id = $1`, id),
		&u.ID, &u.AccountID, &u.Name, &u.Path, &root, &created, &pwUsed, &tags)
	if err != nil {
		return nil, nil, err
	}
	u.Root = root != 0
	u.CreatedAt = fromMS(created)
	u.PasswordLastUsed = fromMS(pwUsed)
	if u.Tags, err = decodeTags(tags, true); err != nil {
		return nil, nil, err
	}
	return k, &u, nil
}

// ListAccessKeys lists a user's keys, oldest first.
func (s *Store) ListAccessKeys(ctx context.Context, accountID, userID string) ([]iam.AccessKey, error) {
	rows, err := s.query(ctx, `SELECT `+keyCols+` FROM access_keys k WHERE k.account_id = $1 AND k.user_id = $2
		ORDER BY k.created_at, k.id`, accountID, userID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(r rowScanner) (*iam.AccessKey, error) { return s.scanKey(r) })
}

// UpdateAccessKey sets a key's status.
func (s *Store) UpdateAccessKey(ctx context.Context, accountID, userID, keyID, status string) error {
	return s.writeOne(ctx, accountID, `UPDATE access_keys SET status = $1 WHERE account_id = $2 AND user_id = $3 AND id = $4`,
		status, accountID, userID, keyID)
}

// DeleteAccessKey deletes a key.
func (s *Store) DeleteAccessKey(ctx context.Context, accountID, userID, keyID string) error {
	return s.writeOne(ctx, accountID, `DELETE FROM access_keys WHERE account_id = $1 AND user_id = $2 AND id = $3`,
		accountID, userID, keyID)
}

// writeOne runs one statement in an account's write transaction and
// reports ErrNotFound when it changed no row.
func (s *Store) writeOne(ctx context.Context, accountID, query string, args ...any) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return iam.ErrNotFound
		}
		return nil
	})
}

func (s *Store) insertLoginProfile(ctx context.Context, tx *sql.Tx, accountID string, lp *iam.LoginProfile) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO login_profiles (user_id, account_id, password_hash, reset_required, created_at)
		VALUES ($1, $2, $3, $4, $5)`, lp.UserID, accountID, lp.PasswordHash, boolInt(lp.PasswordResetRequired), ms(lp.CreatedAt))
	if isUnique(err) {
		return iam.ErrExists
	}
	return err
}

// CreateLoginProfile gives a user a password.
func (s *Store) CreateLoginProfile(ctx context.Context, accountID string, lp *iam.LoginProfile) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		return s.insertLoginProfile(ctx, tx, accountID, lp)
	})
}

// LoginProfile returns a user's password record.
func (s *Store) LoginProfile(ctx context.Context, accountID, userID string) (*iam.LoginProfile, error) {
	var lp iam.LoginProfile
	var reset int
	var created int64
	err := s.queryRow(ctx, `SELECT user_id, password_hash, reset_required, created_at FROM login_profiles
		WHERE account_id = $1 AND user_id = $2`, accountID, userID).Scan(&lp.UserID, &lp.PasswordHash, &reset, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, iam.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	lp.PasswordResetRequired = reset != 0
	lp.CreatedAt = fromMS(created)
	return &lp, nil
}

// UpdateLoginProfile replaces a user's password hash and reset flag.
func (s *Store) UpdateLoginProfile(ctx context.Context, accountID string, lp *iam.LoginProfile) error {
	return s.writeOne(ctx, accountID, `UPDATE login_profiles SET password_hash = $1, reset_required = $2
		WHERE account_id = $3 AND user_id = $4`, lp.PasswordHash, boolInt(lp.PasswordResetRequired), accountID, lp.UserID)
}

// DeleteLoginProfile removes a user's password.
func (s *Store) DeleteLoginProfile(ctx context.Context, accountID, userID string) error {
	return s.writeOne(ctx, accountID, `DELETE FROM login_profiles WHERE account_id = $1 AND user_id = $2`, accountID, userID)
}
