package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/iamd/iamd/internal/iam"
)

// CreateRole creates a role and its tags within the account's role quota.
func (s *Store) CreateRole(ctx context.Context, r *iam.Role, maxRoles int) error {
	return s.insertWithin(ctx, r.AccountID, maxRoles, `SELECT COUNT(*) FROM roles WHERE account_id = $1`,
		[]any{r.AccountID}, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO roles (id, account_id, name, name_key, path, description, trust_policy,
				max_session_duration, created_at, tags, trust_pins) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
				r.ID, r.AccountID, r.Name, strings.ToLower(r.Name), r.Path, r.Description, r.AssumeRolePolicy,
				r.MaxSessionDuration, ms(r.CreatedAt), encodeTags(mergeTags(nil, r.Tags, true)), encodePins(r.TrustPins))
			if isUnique(err) {
				return iam.ErrExists
			}
			return err
		})
}

const roleCols = `id, account_id, name, path, description, trust_policy, max_session_duration, created_at, trust_pins`

func scanRole(sc interface{ Scan(...any) error }) (*iam.Role, error) {
	var r iam.Role
	var created int64
	var pins string
	if err := sc.Scan(&r.ID, &r.AccountID, &r.Name, &r.Path, &r.Description, &r.AssumeRolePolicy, &r.MaxSessionDuration, &created, &pins); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, iam.ErrNotFound
		}
		return nil, err
	}
	r.CreatedAt = fromMS(created)
	if pins != "" && pins != "[]" {
		if err := json.Unmarshal([]byte(pins), &r.TrustPins); err != nil {
			return nil, fmt.Errorf("role %s: trust pins: %w", r.ID, err)
		}
	}
	return &r, nil
}

// encodePins is the trust_pins column of a role.
func encodePins(pins []iam.TrustPin) string {
	if len(pins) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(pins)
	return string(b)
}

// scanTaggedRole scans roleCols followed by the tags column.
func scanTaggedRole(sc rowScanner) (*iam.Role, error) {
	var raw string
	r, err := scanRole(withTagsColumn{sc, &raw})
	if err != nil {
		return nil, err
	}
	if r.Tags, err = decodeTags(raw, true); err != nil {
		return nil, err
	}
	return r, nil
}

// RoleByName finds a role by name, ignoring case as IAM does, with its
// tags.
func (s *Store) RoleByName(ctx context.Context, accountID, name string) (*iam.Role, error) {
	return scanTaggedRole(s.queryRow(ctx, `SELECT `+roleCols+`, tags FROM roles WHERE account_id = $1 AND name_key = $2`,
		accountID, strings.ToLower(name)))
}

// RoleByID finds a role by its id, with its tags.
func (s *Store) RoleByID(ctx context.Context, accountID, id string) (*iam.Role, error) {
	return scanTaggedRole(s.queryRow(ctx, `SELECT `+roleCols+`, tags FROM roles WHERE account_id = $1 AND id = $2`, accountID, id))
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
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
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

// UpdateAssumeRolePolicy replaces a role's trust policy and its pins.
func (s *Store) UpdateAssumeRolePolicy(ctx context.Context, accountID, roleID, document string, pins []iam.TrustPin) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE roles SET trust_policy = $1, trust_pins = $2 WHERE account_id = $3 AND id = $4`,
			document, encodePins(pins), accountID, roleID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return iam.ErrNotFound
		}
		return nil
	})
}

// DeleteRole deletes a role without policies, and with it its tags.
func (s *Store) DeleteRole(ctx context.Context, accountID, roleID string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
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
		_, err := tx.ExecContext(ctx, `DELETE FROM roles WHERE account_id = $1 AND id = $2`, accountID, roleID)
		return err
	})
}

// TagRole adds or replaces tags, keys ignoring case.
func (s *Store) TagRole(ctx context.Context, accountID, roleID string, tags []iam.Tag, maxTags int) error {
	return s.editTags(ctx, accountID, roleTagsSelect, roleTagsUpdate, []any{accountID, roleID}, true, maxTags,
		func(old []iam.Tag) []iam.Tag { return mergeTags(old, tags, true) })
}

// UntagRole removes tags by key, ignoring case.
func (s *Store) UntagRole(ctx context.Context, accountID, roleID string, keys []string) error {
	return s.editTags(ctx, accountID, roleTagsSelect, roleTagsUpdate, []any{accountID, roleID}, true, -1,
		func(old []iam.Tag) []iam.Tag { return removeTags(old, keys, true) })
}

const (
	roleTagsSelect = `SELECT tags FROM roles WHERE account_id = $1 AND id = $2`
	roleTagsUpdate = `UPDATE roles SET tags = $1 WHERE account_id = $2 AND id = $3`
)

// ListRoleTags lists a role's tags ordered by key, ignoring case; the
// marker is the last key in lower case.
func (s *Store) ListRoleTags(ctx context.Context, accountID, roleID string, page iam.Page) ([]iam.Tag, string, error) {
	var raw string
	err := s.queryRow(ctx, roleTagsSelect, accountID, roleID).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", iam.ErrNotFound
	}
	if err != nil {
		return nil, "", err
	}
	after, err := decodeMarker(page.Marker)
	if err != nil {
		return nil, "", err
	}
	tags, err := decodeTags(raw, true)
	if err != nil {
		return nil, "", err
	}
	var out []iam.Tag
	for _, t := range tags {
		if strings.ToLower(t.Key) > after {
			out = append(out, t)
		}
	}
	out, next := trimPage(out, page.MaxItems, func(last iam.Tag) string { return encodeMarker(strings.ToLower(last.Key)) })
	return out, next, nil
}
