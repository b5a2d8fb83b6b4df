package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/iamd/iamd/internal/iam"
)

// CreateRole creates a role and its tags within the account's role quota.
func (s *Store) CreateRole(ctx context.Context, r *iam.Role, maxRoles int) error {
	return s.insertWithin(ctx, r.AccountID, maxRoles, `SELECT COUNT(*) FROM roles WHERE account_id = $1`,
		[]any{r.AccountID}, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO roles (id, account_id, name, name_key, path, description, trust_policy,
				max_session_duration, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
				r.ID, r.AccountID, r.Name, strings.ToLower(r.Name), r.Path, r.Description, r.AssumeRolePolicy,
				r.MaxSessionDuration, ms(r.CreatedAt))
			if isUnique(err) {
				return iam.ErrExists
			}
			if err != nil {
				return err
			}
			return upsertRoleTags(ctx, tx, r.ID, r.Tags)
		})
}

func upsertRoleTags(ctx context.Context, tx *sql.Tx, roleID string, tags []iam.Tag) error {
	for _, t := range tags {
		if _, err := tx.ExecContext(ctx, `INSERT INTO role_tags (role_id, tag_key, key_lc, value) VALUES ($1, $2, $3, $4)
			ON CONFLICT (role_id, key_lc) DO UPDATE SET tag_key = excluded.tag_key, value = excluded.value`,
			roleID, t.Key, strings.ToLower(t.Key), t.Value); err != nil {
			return err
		}
	}
	return nil
}

const roleCols = `id, account_id, name, path, description, trust_policy, max_session_duration, created_at`

func scanRole(sc interface{ Scan(...any) error }) (*iam.Role, error) {
	var r iam.Role
	var created int64
	if err := sc.Scan(&r.ID, &r.AccountID, &r.Name, &r.Path, &r.Description, &r.AssumeRolePolicy, &r.MaxSessionDuration, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, iam.ErrNotFound
		}
		return nil, err
	}
	r.CreatedAt = fromMS(created)
	return &r, nil
}

// withTags loads a role's tags into it.
func (s *Store) withTags(ctx context.Context, r *iam.Role, err error) (*iam.Role, error) {
	if err != nil {
		return nil, err
	}
	tags, _, err := s.roleTags(ctx, r.ID, "", -1)
	if err != nil {
		return nil, err
	}
	r.Tags = tags
	return r, nil
}

// RoleByName finds a role by name, ignoring case as IAM does.
func (s *Store) RoleByName(ctx context.Context, accountID, name string) (*iam.Role, error) {
	r, err := scanRole(s.queryRow(ctx, `SELECT `+roleCols+` FROM roles WHERE account_id = $1 AND name_key = $2`,
		accountID, strings.ToLower(name)))
	return s.withTags(ctx, r, err)
}

// RoleByID finds a role by its id.
func (s *Store) RoleByID(ctx context.Context, accountID, id string) (*iam.Role, error) {
	r, err := scanRole(s.queryRow(ctx, `SELECT `+roleCols+` FROM roles WHERE account_id = $1 AND id = $2`, accountID, id))
	return s.withTags(ctx, r, err)
}

// ListRoles lists roles ordered by name.
func (s *Store) ListRoles(ctx context.Context, accountID, pathPrefix string, page iam.Page) ([]iam.Role, string, error) {
	after, err := decodeMarker(page.Marker)
	if err != nil {
		return nil, "", err
	}
	if pathPrefix == "" {
		pathPrefix = "/"
	}
	rows, err := s.query(ctx, `SELECT `+roleCols+` FROM roles
		WHERE account_id = $1 AND name_key > $2 AND substr(path, 1, $3) = $4
		ORDER BY name_key LIMIT $5`, accountID, after, len(pathPrefix), pathPrefix, page.MaxItems+1)
	if err != nil {
		return nil, "", err
	}
	out, err := collect(rows, scanRole)
	if err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, page.MaxItems, func(last iam.Role) string { return encodeMarker(strings.ToLower(last.Name)) })
	return out, next, nil
}

// roleExists checks, inside a write transaction, that the role is there.
func roleExists(ctx context.Context, tx *sql.Tx, accountID, roleID string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM roles WHERE account_id = $1 AND id = $2`, accountID, roleID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return iam.ErrNotFound
	}
	return nil
}

// UpdateRole changes a role's description and maximum session duration.
func (s *Store) UpdateRole(ctx context.Context, accountID, roleID string, description *string, maxSessionDuration *int) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		if err := roleExists(ctx, tx, accountID, roleID); err != nil {
			return err
		}
		if description != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE roles SET description = $1 WHERE account_id = $2 AND id = $3`,
				*description, accountID, roleID); err != nil {
				return err
			}
		}
		if maxSessionDuration != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE roles SET max_session_duration = $1 WHERE account_id = $2 AND id = $3`,
				*maxSessionDuration, accountID, roleID); err != nil {
				return err
			}
		}
		return nil
	})
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Store) UpdateAssumeRolePolicy(ctx context.Context, accountID, roleID, document string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE roles SET trust_policy = $1 WHERE account_id = $2 AND id = $3`, document, accountID, roleID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return iam.ErrNotFound
		}
		return nil
	})
}

// DeleteRole deletes a role without policies, and its tags.
func (s *Store) DeleteRole(ctx context.Context, accountID, roleID string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		if err := roleExists(ctx, tx, accountID, roleID); err != nil {
			return err
		}
		checks := []struct{ what, query string }{
			{"inline policies", `SELECT COUNT(*) FROM inline_policies WHERE entity_kind = 'role' AND entity_id = $1`},
			{"managed policies", `SELECT COUNT(*) FROM policy_attachments WHERE entity_kind = 'role' AND entity_id = $1`},
		}
		for _, c := range checks {
			var n int
			if err := tx.QueryRowContext(ctx, c.query, roleID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return &iam.ConflictError{What: c.what}
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM role_tags WHERE role_id = $1`, roleID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM roles WHERE account_id = $1 AND id = $2`, accountID, roleID)
		return err
	})
}

// TagRole adds or replaces tags; the count is checked after the write, in
// the same transaction, so concurrent calls cannot exceed maxTags together.
func (s *Store) TagRole(ctx context.Context, accountID, roleID string, tags []iam.Tag, maxTags int) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		if err := roleExists(ctx, tx, accountID, roleID); err != nil {
			return err
		}
		if err := upsertRoleTags(ctx, tx, roleID, tags); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM role_tags WHERE role_id = $1`, roleID).Scan(&n); err != nil {
			return err
		}
		if n > maxTags {
			return iam.ErrLimit
		}
		return nil
	})
}

// UntagRole removes tags by key, ignoring case.
func (s *Store) UntagRole(ctx context.Context, accountID, roleID string, keys []string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		if err := roleExists(ctx, tx, accountID, roleID); err != nil {
			return err
		}
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `DELETE FROM role_tags WHERE role_id = $1 AND key_lc = $2`, roleID, strings.ToLower(k)); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListRoleTags lists a role's tags ordered by key.
func (s *Store) ListRoleTags(ctx context.Context, accountID, roleID string, page iam.Page) ([]iam.Tag, string, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM roles WHERE account_id = $1 AND id = $2`, accountID, roleID).Scan(&n); err != nil {
		return nil, "", err
	}
	if n == 0 {
		return nil, "", iam.ErrNotFound
	}
	return s.roleTags(ctx, roleID, page.Marker, page.MaxItems)
}

// roleTags reads tags by key after the marker; max < 0 means all.
func (s *Store) roleTags(ctx context.Context, roleID, marker string, max int) ([]iam.Tag, string, error) {
	after, err := decodeMarker(marker)
	if err != nil {
		return nil, "", err
	}
	limit := max + 1
	if max < 0 {
		limit = -1
	}
	q := `SELECT tag_key, key_lc, value FROM role_tags WHERE role_id = $1 AND key_lc > $2 ORDER BY key_lc`
	args := []any{roleID, after}
	if limit > 0 {
		q += ` LIMIT $3`
		args = append(args, limit)
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var (
		out  []iam.Tag
		keys []string
	)
	for rows.Next() {
		var t iam.Tag
		var lc string
		if err := rows.Scan(&t.Key, &lc, &t.Value); err != nil {
			return nil, "", err
		}
		out = append(out, t)
		keys = append(keys, lc)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if max >= 0 && len(out) > max {
		out = out[:max]
		next = encodeMarker(keys[max-1])
	}
	return out, next, nil
}
