package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/iam"
)

// Tags of users, roles and MFA devices are a JSON array in a column of
// their row ([{"Key":…,"Value":…}], sorted by key: ignoring case for users
// and roles, exactly for devices), so reading an identity for
// authentication costs no extra query. Writes read, change and write the
// array inside the account's write transaction, which serialises them.

func encodeTags(tags []iam.Tag) string {
	if len(tags) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(tags) // cannot fail: strings only
	return string(b)
}

// decodeTags reads a tags column, sorted by key (ignoring case when fold).
// Writes store them sorted, so the sort changes nothing but arrays that
// came in another order (migration 00008 orders by the database's
// collation).
func decodeTags(raw string, fold bool) ([]iam.Tag, error) {
	if raw == "" || raw == "[]" {
		return nil, nil
	}
	var tags []iam.Tag
	if err := json.Unmarshal([]byte(raw), &tags); err != nil {
		return nil, fmt.Errorf("store: stored tags: %w", err)
	}
	iam.SortTags(tags, fold)
	return tags, nil
}

func tagKey(k string, fold bool) string {
	if fold {
		return strings.ToLower(k)
	}
	return k
}

// mergeTags adds tags to existing ones; a tag whose key is there already
// (ignoring case when fold) replaces it, key spelling included.
func mergeTags(existing, add []iam.Tag, fold bool) []iam.Tag {
	out := append([]iam.Tag(nil), existing...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if tagKey(out[i].Key, fold) == tagKey(t.Key, fold) {
				out[i], replaced = t, true
				break
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	iam.SortTags(out, fold)
	return out
}

// removeTags drops the tags with the given keys.
func removeTags(existing []iam.Tag, keys []string, fold bool) []iam.Tag {
	drop := make(map[string]bool, len(keys))
	for _, k := range keys {
		drop[tagKey(k, fold)] = true
	}
	out := existing[:0:0]
	for _, t := range existing {
		if !drop[tagKey(t.Key, fold)] {
			out = append(out, t)
		}
	}
	return out
}

// taggedUserCols are userCols followed by the tags column.
const taggedUserCols = userCols + `, tags`

// withTagsColumn scans one extra column, the tags, after what scanUser
// scans.
type withTagsColumn struct {
	sc  rowScanner
	raw *string
}

func (w withTagsColumn) Scan(dest ...any) error { return w.sc.Scan(append(dest, w.raw)...) }

// scanTaggedUser scans taggedUserCols.
func scanTaggedUser(sc rowScanner) (*iam.User, error) {
	var raw string
	u, err := scanUser(withTagsColumn{sc, &raw})
	if err != nil {
		return nil, err
	}
	if u.Tags, err = decodeTags(raw, true); err != nil {
		return nil, err
	}
	return u, nil
}

// editTags reads a row's tags for update, applies change, and writes them
// back, in the account's write transaction; fold says whether the keys
// ignore case. ErrNotFound when the select finds no row; ErrLimit when the
// result has more than maxTags tags (maxTags < 0: no limit).
func (s *Store) editTags(ctx context.Context, accountID, selectQ, updateQ string, args []any, fold bool, maxTags int,
	change func([]iam.Tag) []iam.Tag) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		var raw string
		err := tx.QueryRowContext(ctx, selectQ, args...).Scan(&raw)
		if errors.Is(err, sql.ErrNoRows) {
			return iam.ErrNotFound
		}
		if err != nil {
			return err
		}
		tags, err := decodeTags(raw, fold)
		if err != nil {
			return err
		}
		tags = change(tags)
		if maxTags >= 0 && len(tags) > maxTags {
			return iam.ErrLimit
		}
		_, err = tx.ExecContext(ctx, updateQ, append([]any{encodeTags(tags)}, args...)...)
		return err
	})
}

// TagUser adds or replaces a user's tags, keys ignoring case.
func (s *Store) TagUser(ctx context.Context, accountID, userID string, tags []iam.Tag, maxTags int) error {
	return s.editTags(ctx, accountID,
		`SELECT tags FROM users WHERE account_id = $1 AND id = $2 AND is_root = 0`,
		`UPDATE users SET tags = $1 WHERE account_id = $2 AND id = $3`,
		[]any{accountID, userID}, true, maxTags, func(old []iam.Tag) []iam.Tag { return mergeTags(old, tags, true) })
}

// UntagUser removes a user's tags by key, ignoring case.
func (s *Store) UntagUser(ctx context.Context, accountID, userID string, keys []string) error {
	return s.editTags(ctx, accountID,
		`SELECT tags FROM users WHERE account_id = $1 AND id = $2 AND is_root = 0`,
		`UPDATE users SET tags = $1 WHERE account_id = $2 AND id = $3`,
		[]any{accountID, userID}, true, -1, func(old []iam.Tag) []iam.Tag { return removeTags(old, keys, true) })
}

// MFADeviceTags returns a virtual device's tags.
func (s *Store) MFADeviceTags(ctx context.Context, accountID, serial string) ([]iam.Tag, error) {
	var raw string
	err := s.queryRow(ctx, `SELECT tags FROM mfa_devices WHERE account_id = $1 AND serial = $2 AND kind = 'virtual'`,
		accountID, serial).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, iam.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return decodeTags(raw, false)
}

// TagMFADevice adds or replaces a virtual device's tags, keys exact.
func (s *Store) TagMFADevice(ctx context.Context, accountID, serial string, tags []iam.Tag, maxTags int) error {
	return s.editTags(ctx, accountID,
		`SELECT tags FROM mfa_devices WHERE account_id = $1 AND serial = $2 AND kind = 'virtual'`,
		`UPDATE mfa_devices SET tags = $1 WHERE account_id = $2 AND serial = $3`,
		[]any{accountID, serial}, false, maxTags, func(old []iam.Tag) []iam.Tag { return mergeTags(old, tags, false) })
}

// UntagMFADevice removes a virtual device's tags by key.
func (s *Store) UntagMFADevice(ctx context.Context, accountID, serial string, keys []string) error {
	return s.editTags(ctx, accountID,
		`SELECT tags FROM mfa_devices WHERE account_id = $1 AND serial = $2 AND kind = 'virtual'`,
		`UPDATE mfa_devices SET tags = $1 WHERE account_id = $2 AND serial = $3`,
		[]any{accountID, serial}, false, -1, func(old []iam.Tag) []iam.Tag { return removeTags(old, keys, false) })
}

// UpdateUser renames and moves an IAM user.
func (s *Store) UpdateUser(ctx context.Context, accountID, userID, newName, newPath string) error {
	err := s.writeOne(ctx, accountID, `UPDATE users SET name = $1, name_key = $2, path = $3
		WHERE account_id = $4 AND id = $5 AND is_root = 0`, newName, strings.ToLower(newName), newPath, accountID, userID)
	if isUnique(err) {
		return iam.ErrExists
	}
	return err
}

// PasswordPolicy returns an account's password policy.
func (s *Store) PasswordPolicy(ctx context.Context, accountID string) (*iam.PasswordPolicy, error) {
	var pp iam.PasswordPolicy
	var sym, num, upper, lower, allow, hard int
	err := s.queryRow(ctx, `SELECT minimum_length, require_symbols, require_numbers, require_uppercase, require_lowercase,
		allow_users_to_change, max_age_days, reuse_prevention, hard_expiry FROM password_policies WHERE account_id = $1`, accountID).
		Scan(&pp.MinimumPasswordLength, &sym, &num, &upper, &lower, &allow, &pp.MaxPasswordAge, &pp.PasswordReusePrevention, &hard)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, iam.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	pp.RequireSymbols, pp.RequireNumbers = sym != 0, num != 0
	pp.RequireUppercaseCharacters, pp.RequireLowercaseCharacters = upper != 0, lower != 0
	pp.AllowUsersToChangePassword, pp.HardExpiry = allow != 0, hard != 0
	return &pp, nil
}

// PutPasswordPolicy sets or replaces an account's password policy.
func (s *Store) PutPasswordPolicy(ctx context.Context, accountID string, pp *iam.PasswordPolicy) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO password_policies (account_id, minimum_length, require_symbols,
			require_numbers, require_uppercase, require_lowercase, allow_users_to_change, max_age_days, reuse_prevention, hard_expiry)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (account_id) DO UPDATE SET minimum_length = excluded.minimum_length,
				require_symbols = excluded.require_symbols, require_numbers = excluded.require_numbers,
				require_uppercase = excluded.require_uppercase, require_lowercase = excluded.require_lowercase,
				allow_users_to_change = excluded.allow_users_to_change, max_age_days = excluded.max_age_days,
				reuse_prevention = excluded.reuse_prevention, hard_expiry = excluded.hard_expiry`,
			accountID, pp.MinimumPasswordLength, boolInt(pp.RequireSymbols), boolInt(pp.RequireNumbers),
			boolInt(pp.RequireUppercaseCharacters), boolInt(pp.RequireLowercaseCharacters),
			boolInt(pp.AllowUsersToChangePassword), pp.MaxPasswordAge, pp.PasswordReusePrevention, boolInt(pp.HardExpiry))
		return err
	})
}

// DeletePasswordPolicy removes an account's password policy.
func (s *Store) DeletePasswordPolicy(ctx context.Context, accountID string) error {
	return s.writeOne(ctx, accountID, `DELETE FROM password_policies WHERE account_id = $1`, accountID)
}

// PasswordHistory returns a user's previous password hashes, newest first.
func (s *Store) PasswordHistory(ctx context.Context, accountID, userID string, n int) ([]string, error) {
	if n <= 0 {
		return nil, nil
	}
	rows, err := s.query(ctx, `SELECT password_hash FROM password_history WHERE account_id = $1 AND user_id = $2
		ORDER BY seq DESC LIMIT $3`, accountID, userID, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// SetPassword replaces a user's password, moving the old hash into the
// history and trimming it to keepHistory entries.
func (s *Store) SetPassword(ctx context.Context, accountID, userID, hash string, resetRequired bool, at time.Time, keepHistory int) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		if keepHistory > 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO password_history (user_id, seq, account_id, password_hash, retired_at)
				SELECT lp.user_id, COALESCE((SELECT MAX(h.seq) FROM password_history h WHERE h.user_id = lp.user_id), 0) + 1,
					lp.account_id, lp.password_hash, CAST($3 AS BIGINT)
				FROM login_profiles lp WHERE lp.account_id = $1 AND lp.user_id = $2`, accountID, userID, ms(at)); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE login_profiles SET password_hash = $1, reset_required = $2, password_changed_at = $3
			WHERE account_id = $4 AND user_id = $5`, hash, boolInt(resetRequired), ms(at), accountID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return iam.ErrNotFound
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM password_history WHERE user_id = $1
			AND seq <= (SELECT COALESCE(MAX(h.seq), 0) FROM password_history h WHERE h.user_id = $1) - CAST($2 AS BIGINT)`,
			userID, keepHistory)
		return err
	})
}

// PasswordChangedAt returns when a user's current password was set.
func (s *Store) PasswordChangedAt(ctx context.Context, accountID, userID string) (time.Time, error) {
	var created, changed int64
	err := s.queryRow(ctx, `SELECT created_at, password_changed_at FROM login_profiles WHERE account_id = $1 AND user_id = $2`,
		accountID, userID).Scan(&created, &changed)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, iam.ErrNotFound
	}
	if err != nil {
		return time.Time{}, err
	}
	if changed == 0 {
		return fromMS(created), nil
	}
	return fromMS(changed), nil
}

// RecordAccessKeyUses writes a batch of key uses in one transaction; a
// use older than the stored one (another node's, say) changes nothing.
func (s *Store) RecordAccessKeyUses(ctx context.Context, uses []iam.AccessKeyUse) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, u := range uses {
			if _, err := tx.ExecContext(ctx, `UPDATE access_keys SET last_used_at = $1, last_used_service = $2, last_used_region = $3
				WHERE id = $4 AND last_used_at < $1`, ms(u.At), u.Service, u.Region, u.KeyID); err != nil {
				return err
			}
		}
		return nil
	})
}

// AccessKeyLastUsed returns a key's last recorded use.
func (s *Store) AccessKeyLastUsed(ctx context.Context, keyID string) (iam.AccessKeyUse, error) {
	u := iam.AccessKeyUse{KeyID: keyID}
	var at int64
	err := s.queryRow(ctx, `SELECT last_used_at, last_used_service, last_used_region FROM access_keys WHERE id = $1`, keyID).
		Scan(&at, &u.Service, &u.Region)
	if errors.Is(err, sql.ErrNoRows) {
		return u, iam.ErrNotFound
	}
	if err != nil {
		return u, err
	}
	u.At = fromMS(at)
	return u, nil
}

// CredentialReportData gathers every identity's credentials. The queries
// run one after another, not in one transaction: a report is a snapshot
// only to within the time it takes, as on AWS.
func (s *Store) CredentialReportData(ctx context.Context, accountID string) ([]iam.UserCredentials, error) {
	rows, err := s.query(ctx, `SELECT `+userCols+` FROM users WHERE account_id = $1 ORDER BY is_root DESC, name_key`, accountID)
	if err != nil {
		return nil, err
	}
	var out []iam.UserCredentials
	index := map[string]int{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		index[u.ID] = len(out)
		out = append(out, iam.UserCredentials{User: *u})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	each := func(query string, scan func(*sql.Rows) error) error {
		rows, err := s.query(ctx, query, accountID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	err = each(`SELECT user_id, created_at, password_changed_at FROM login_profiles WHERE account_id = $1`, func(r *sql.Rows) error {
		var id string
		var created, changed int64
		if err := r.Scan(&id, &created, &changed); err != nil {
			return err
		}
		if i, ok := index[id]; ok {
			out[i].HasPassword = true
			out[i].PasswordChangedAt = fromMS(created)
			if changed != 0 {
				out[i].PasswordChangedAt = fromMS(changed)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each(`SELECT user_id, COUNT(*) FROM mfa_devices WHERE account_id = $1 AND user_id IS NOT NULL GROUP BY user_id`, func(r *sql.Rows) error {
		var id string
		var n int
		if err := r.Scan(&id, &n); err != nil {
			return err
		}
		if i, ok := index[id]; ok {
			out[i].MFADevices = n
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each(`SELECT id, user_id, status, created_at, last_used_at, last_used_service, last_used_region
		FROM access_keys WHERE account_id = $1 ORDER BY created_at, id`, func(r *sql.Rows) error {
		var k iam.AccessKeyInfo
		var userID string
		var created, used int64
		if err := r.Scan(&k.ID, &userID, &k.Status, &created, &used, &k.LastUsed.Service, &k.LastUsed.Region); err != nil {
			return err
		}
		k.CreatedAt, k.LastUsed.KeyID, k.LastUsed.At = fromMS(created), k.ID, fromMS(used)
		if i, ok := index[userID]; ok {
			out[i].AccessKeys = append(out[i].AccessKeys, k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PutCredentialReport stores an account's report, replacing any.
func (s *Store) PutCredentialReport(ctx context.Context, accountID string, r *iam.CredentialReport) error {
	_, err := s.exec(ctx, `INSERT INTO credential_reports (account_id, generated_at, content) VALUES ($1, $2, $3)
		ON CONFLICT (account_id) DO UPDATE SET generated_at = excluded.generated_at, content = excluded.content`,
		accountID, ms(r.GeneratedAt), r.Content)
	return err
}

// CredentialReport returns an account's stored report.
func (s *Store) CredentialReport(ctx context.Context, accountID string) (*iam.CredentialReport, error) {
	var r iam.CredentialReport
	var at int64
	err := s.queryRow(ctx, `SELECT generated_at, content FROM credential_reports WHERE account_id = $1`, accountID).Scan(&at, &r.Content)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, iam.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	r.GeneratedAt = fromMS(at)
	return &r, nil
}

// SetAccountAlias sets an account's alias; the partial unique index on
// non-empty aliases refuses one another account has.
func (s *Store) SetAccountAlias(ctx context.Context, accountID, alias string) error {
	err := s.writeOne(ctx, accountID, `UPDATE accounts SET alias = $1 WHERE id = $2`, alias, accountID)
	if isUnique(err) {
		return iam.ErrExists
	}
	return err
}

// DeleteAccountAlias clears an account's alias if it is the one named.
func (s *Store) DeleteAccountAlias(ctx context.Context, accountID, alias string) error {
	return s.writeOne(ctx, accountID, `UPDATE accounts SET alias = '' WHERE id = $1 AND alias = $2 AND alias <> ''`, accountID, alias)
}
