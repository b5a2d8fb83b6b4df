package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/iamd/iamd/internal/iam"
)

const groupCols = `g.id, g.account_id, g.name, g.path, g.created_at`

func scanGroup(sc interface{ Scan(...any) error }) (*iam.Group, error) {
	var g iam.Group
	var created int64
	if err := sc.Scan(&g.ID, &g.AccountID, &g.Name, &g.Path, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, iam.ErrNotFound
		}
		return nil, err
	}
	g.CreatedAt = fromMS(created)
	return &g, nil
}

// CreateGroup creates a group within the account's group quota.
func (s *Store) CreateGroup(ctx context.Context, g *iam.Group, maxGroups int) error {
	return s.insertWithin(ctx, g.AccountID, maxGroups, `SELECT COUNT(*) FROM groups WHERE account_id = $1`,
		[]any{g.AccountID}, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO groups (id, account_id, name, name_key, path, created_at)
				VALUES ($1, $2, $3, $4, $5, $6)`, g.ID, g.AccountID, g.Name, strings.ToLower(g.Name), g.Path, ms(g.CreatedAt))
			if isUnique(err) {
				return iam.ErrExists
			}
			return err
		})
}

// GroupByName finds a group by name, ignoring case.
func (s *Store) GroupByName(ctx context.Context, accountID, name string) (*iam.Group, error) {
	return scanGroup(s.queryRow(ctx, `SELECT `+groupCols+` FROM groups g WHERE g.account_id = $1 AND g.name_key = $2`,
		accountID, strings.ToLower(name)))
}

// collectGroups reads groups from rows and cuts one page.
func collectGroups(rows *sql.Rows, max int) ([]iam.Group, string, error) {
	out, err := collect(rows, scanGroup)
	if err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, max, func(last iam.Group) string { return encodeMarker(strings.ToLower(last.Name)) })
	return out, next, nil
}

// ListGroups lists groups ordered by name.
func (s *Store) ListGroups(ctx context.Context, accountID, pathPrefix string, page iam.Page) ([]iam.Group, string, error) {
	after, err := decodeMarker(page.Marker)
	if err != nil {
		return nil, "", err
	}
	if pathPrefix == "" {
		pathPrefix = "/"
	}
	rows, err := s.query(ctx, `SELECT `+groupCols+` FROM groups g
		WHERE g.account_id = $1 AND g.name_key > $2 AND substr(g.path, 1, $3) = $4
		ORDER BY g.name_key LIMIT $5`, accountID, after, len(pathPrefix), pathPrefix, page.MaxItems+1)
	if err != nil {
		return nil, "", err
	}
	return collectGroups(rows, page.MaxItems)
}

// UpdateGroup renames and moves a group.
func (s *Store) UpdateGroup(ctx context.Context, accountID, groupID, newName, newPath string) error {
	err := s.writeOne(ctx, accountID, `UPDATE groups SET name = $1, name_key = $2, path = $3 WHERE account_id = $4 AND id = $5`,
		newName, strings.ToLower(newName), newPath, accountID, groupID)
	if isUnique(err) {
		return iam.ErrExists
	}
	return err
}

// DeleteGroup deletes a group that has no members and no policies.
func (s *Store) DeleteGroup(ctx context.Context, accountID, groupID string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		if err := entityExists(ctx, tx, accountID, iam.EntityGroup, groupID); err != nil {
			return err
		}
		checks := []struct{ what, query string }{
			{"users", `SELECT COUNT(*) FROM group_members WHERE group_id = $1`},
			{"inline policies", `SELECT COUNT(*) FROM inline_policies WHERE entity_kind = 'group' AND entity_id = $1`},
			{"managed policies", `SELECT COUNT(*) FROM policy_attachments WHERE entity_kind = 'group' AND entity_id = $1`},
		}
		for _, c := range checks {
			var n int
			if err := tx.QueryRowContext(ctx, c.query, groupID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return &iam.ConflictError{What: c.what}
			}
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM groups WHERE account_id = $1 AND id = $2`, accountID, groupID)
		return err
	})
}

// entityExists reports ErrNotFound unless the account has the user, group
// or role with this id.
func entityExists(ctx context.Context, tx *sql.Tx, accountID string, kind iam.EntityKind, id string) error {
	var q string
	switch kind {
	case iam.EntityUser:
		q = `SELECT COUNT(*) FROM users WHERE account_id = $1 AND id = $2 AND is_root = 0`
	case iam.EntityGroup:
		q = `SELECT COUNT(*) FROM groups WHERE account_id = $1 AND id = $2`
	case iam.EntityRole:
		q = `SELECT COUNT(*) FROM roles WHERE account_id = $1 AND id = $2`
	default:
		return iam.ErrNotFound
	}
	var n int
	if err := tx.QueryRowContext(ctx, q, accountID, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return iam.ErrNotFound
	}
	return nil
}

// AddUserToGroup adds a membership within the user's group quota.
func (s *Store) AddUserToGroup(ctx context.Context, accountID, groupID, userID string, maxGroupsPerUser int) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		if err := entityExists(ctx, tx, accountID, iam.EntityGroup, groupID); err != nil {
			return err
		}
		if err := entityExists(ctx, tx, accountID, iam.EntityUser, userID); err != nil {
			return err
		}
		var member int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM group_members WHERE group_id = $1 AND user_id = $2`,
			groupID, userID).Scan(&member); err != nil {
			return err
		}
		if member > 0 {
			return nil
		}
		if err := underQuota(ctx, tx, maxGroupsPerUser, `SELECT COUNT(*) FROM group_members WHERE user_id = $1`, userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO group_members (group_id, user_id, account_id) VALUES ($1, $2, $3)`,
			groupID, userID, accountID)
		return err
	})
}

// RemoveUserFromGroup removes a membership.
func (s *Store) RemoveUserFromGroup(ctx context.Context, accountID, groupID, userID string) error {
	return s.writeOne(ctx, accountID, `DELETE FROM group_members WHERE account_id = $1 AND group_id = $2 AND user_id = $3`,
		accountID, groupID, userID)
}

// GroupMembers lists a group's users by name.
func (s *Store) GroupMembers(ctx context.Context, accountID, groupID string, page iam.Page) ([]iam.User, string, error) {
	after, err := decodeMarker(page.Marker)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.query(ctx, `SELECT u.id, u.account_id, u.name, u.path, u.is_root, u.created_at, u.password_last_used
		FROM group_members m JOIN users u ON u.id = m.user_id
		WHERE m.account_id = $1 AND m.group_id = $2 AND u.name_key > $3 ORDER BY u.name_key LIMIT $4`,
		accountID, groupID, after, page.MaxItems+1)
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

// GroupsForUser lists a user's groups by name.
func (s *Store) GroupsForUser(ctx context.Context, accountID, userID string, page iam.Page) ([]iam.Group, string, error) {
	after, err := decodeMarker(page.Marker)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.query(ctx, `SELECT `+groupCols+` FROM group_members m JOIN groups g ON g.id = m.group_id
		WHERE m.account_id = $1 AND m.user_id = $2 AND g.name_key > $3 ORDER BY g.name_key LIMIT $4`,
		accountID, userID, after, page.MaxItems+1)
	if err != nil {
		return nil, "", err
	}
	return collectGroups(rows, page.MaxItems)
}
