package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/iamd/iamd/internal/iam"
)

func insertUser(ctx context.Context, tx *sql.Tx, u *iam.User) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO users (id, account_id, name, name_key, path, is_root, created_at, tags)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		u.ID, u.AccountID, u.Name, strings.ToLower(u.Name), u.Path, boolInt(u.Root), ms(u.CreatedAt), encodeTags(mergeTags(nil, u.Tags, true)))
	if isUnique(err) {
		return iam.ErrExists
	}
	return err
}

// CreateUser creates an IAM user within the account's user quota.
func (s *Store) CreateUser(ctx context.Context, u *iam.User, maxUsers int) error {
	return s.insertWithin(ctx, u.AccountID, maxUsers, `SELECT COUNT(*) FROM users WHERE account_id = $1 AND is_root = 0`,
		[]any{u.AccountID}, func(tx *sql.Tx) error { return insertUser(ctx, tx, u) })
}

const userCols = `id, account_id, name, path, is_root, created_at, password_last_used`

func scanUser(sc interface{ Scan(...any) error }) (*iam.User, error) {
	var u iam.User
	var root int
	var created, pwUsed int64
	if err := sc.Scan(&u.ID, &u.AccountID, &u.Name, &u.Path, &root, &created, &pwUsed); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, iam.ErrNotFound
		}
		return nil, err
	}
	u.Root = root != 0
	u.CreatedAt = fromMS(created)
	u.PasswordLastUsed = fromMS(pwUsed)
	return &u, nil
}

// UserByName finds an IAM user by name, ignoring case as IAM does, with
// its tags.
func (s *Store) UserByName(ctx context.Context, accountID, name string) (*iam.User, error) {
	return scanTaggedUser(s.queryRow(ctx, `SELECT `+taggedUserCols+` FROM users WHERE account_id = $1 AND name_key = $2 AND is_root = 0`,
		accountID, strings.ToLower(name)))
}

// UserByID finds the root user or an IAM user by id, with its tags.
func (s *Store) UserByID(ctx context.Context, accountID, id string) (*iam.User, error) {
	return scanTaggedUser(s.queryRow(ctx, `SELECT `+taggedUserCols+` FROM users WHERE account_id = $1 AND id = $2`, accountID, id))
}

// ListUsers lists IAM users ordered by name.
func (s *Store) ListUsers(ctx context.Context, accountID, pathPrefix string, page iam.Page) ([]iam.User, string, error) {
	after, err := decodeMarker(page.Marker)
	if err != nil {
		return nil, "", err
	}
	if pathPrefix == "" {
		pathPrefix = "/"
	}
	rows, err := s.query(ctx, `SELECT `+userCols+` FROM users
		WHERE account_id = $1 AND is_root = 0 AND name_key > $2 AND substr(path, 1, $3) = $4
		ORDER BY name_key LIMIT $5`, accountID, after, len(pathPrefix), pathPrefix, page.MaxItems+1)
	if err != nil {
		return nil, "", err
	}
	out, err := collect(rows, scanUser)
	if err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, page.MaxItems, func(last iam.User) string { return encodeMarker(strings.ToLower(last.Name)) })
	return out, next, nil
}

// DeleteUser deletes an IAM user that has nothing left attached.
func (s *Store) DeleteUser(ctx context.Context, accountID, userID string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		checks := []struct{ what, query string }{
			{"login profile", `SELECT COUNT(*) FROM login_profiles WHERE user_id = $1`},
			{"access keys", `SELECT COUNT(*) FROM access_keys WHERE user_id = $1`},
			{"MFA device", `SELECT COUNT(*) FROM mfa_devices WHERE user_id = $1`},
			{"inline policies", `SELECT COUNT(*) FROM inline_policies WHERE entity_kind = 'user' AND entity_id = $1`},
			{"managed policies", `SELECT COUNT(*) FROM policy_attachments WHERE entity_kind = 'user' AND entity_id = $1`},
			{"groups", `SELECT COUNT(*) FROM group_members WHERE user_id = $1`},
		}
		for _, c := range checks {
			var n int
			if err := tx.QueryRowContext(ctx, c.query, userID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return &iam.ConflictError{What: c.what}
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE account_id = $1 AND id = $2 AND is_root = 0`, accountID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return iam.ErrNotFound
		}
		return nil
	})
}

// Markers are opaque to clients: the sort key of the last item returned.
func encodeMarker(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

func decodeMarker(m string) (string, error) {
	if m == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil {
		return "", iam.ErrInvalidMarker
	}
	return string(b), nil
}
