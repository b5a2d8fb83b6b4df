package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/iam"
)

// Managed policies visible to an account are its own and AWS's; queries
// that read them take the account id as $1, which the attachment count
// also uses.

const policyCols = `p.arn, p.id, p.account_id, p.name, p.path, p.description, p.default_version, p.created_at, p.updated_at,
	(SELECT COUNT(*) FROM policy_attachments a WHERE a.policy_arn = p.arn AND a.account_id = $1)`

const visiblePolicy = `(p.account_id = $1 OR p.account_id = 'aws')`

func scanPolicy(sc interface{ Scan(...any) error }) (*iam.ManagedPolicy, error) {
	var p iam.ManagedPolicy
	var created, updated int64
	if err := sc.Scan(&p.ARN, &p.ID, &p.AccountID, &p.Name, &p.Path, &p.Description, &p.DefaultVersion,
		&created, &updated, &p.AttachmentCount); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, iam.ErrNotFound
		}
		return nil, err
	}
	p.CreatedAt = fromMS(created)
	p.UpdatedAt = fromMS(updated)
	return &p, nil
}

// pairMarker encodes a two-part sort key; names and ARNs hold no NUL.
func pairMarker(a, b string) string { return encodeMarker(a + "\x00" + b) }

func decodePairMarker(m string) (string, string, error) {
	s, err := decodeMarker(m)
	if err != nil || s == "" {
		return "", "", err
	}
	a, b, ok := strings.Cut(s, "\x00")
	if !ok {
		return "", "", iam.ErrInvalidMarker
	}
	return a, b, nil
}

func prefixOrRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// CreatePolicy stores a customer managed policy and its version v1.
func (s *Store) CreatePolicy(ctx context.Context, p *iam.ManagedPolicy, document string, maxPolicies int) error {
	return s.insertWithin(ctx, p.AccountID, maxPolicies, `SELECT COUNT(*) FROM policies WHERE account_id = $1`,
		[]any{p.AccountID}, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO policies (arn, id, account_id, name, name_key, path, description,
				default_version, next_version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'v1', 2, $8, $9)`,
				p.ARN, p.ID, p.AccountID, p.Name, strings.ToLower(p.Name), p.Path, p.Description, ms(p.CreatedAt), ms(p.UpdatedAt))
			if isUnique(err) {
				return iam.ErrExists
			}
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO policy_versions (policy_arn, version_id, document, created_at) VALUES ($1, 'v1', $2, $3)`,
				p.ARN, document, ms(p.CreatedAt))
			return err
		})
}

// Policy returns a managed policy visible to the account.
func (s *Store) Policy(ctx context.Context, accountID, arn string) (*iam.ManagedPolicy, error) {
	return scanPolicy(s.queryRow(ctx, `SELECT `+policyCols+` FROM policies p WHERE `+visiblePolicy+` AND p.arn = $2`,
		accountID, arn))
}

// ListPolicies lists managed policies by name, then ARN.
func (s *Store) ListPolicies(ctx context.Context, accountID string, f iam.PolicyFilter, page iam.Page) ([]iam.ManagedPolicy, string, error) {
	afterName, afterARN, err := decodePairMarker(page.Marker)
	if err != nil {
		return nil, "", err
	}
	scope := visiblePolicy
	switch f.Scope {
	case iam.ScopeAWS:
		scope = `p.account_id = 'aws'`
	case iam.ScopeLocal:
		scope = `p.account_id = $1`
	}
	if f.OnlyAttached {
		scope += ` AND EXISTS (SELECT 1 FROM policy_attachments a WHERE a.policy_arn = p.arn AND a.account_id = $1)`
	}
	prefix := prefixOrRoot(f.PathPrefix)
	rows, err := s.query(ctx, `SELECT `+policyCols+` FROM policies p
		WHERE `+scope+` AND substr(p.path, 1, $2) = $3 AND (p.name_key > $4 OR (p.name_key = $4 AND p.arn > $5))
		ORDER BY p.name_key, p.arn LIMIT $6`, accountID, len(prefix), prefix, afterName, afterARN, page.MaxItems+1)
	if err != nil {
		return nil, "", err
	}
	out, err := collect(rows, scanPolicy)
	if err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, page.MaxItems, func(last iam.ManagedPolicy) string { return pairMarker(strings.ToLower(last.Name), last.ARN) })
	return out, next, nil
}

// ownPolicy locks nothing but checks, inside a write transaction, that a
// customer managed policy of the account exists; it returns its default
// version and next version number.
func ownPolicy(ctx context.Context, tx *sql.Tx, accountID, arn string) (string, int, error) {
	var def string
	var next int
	err := tx.QueryRowContext(ctx, `SELECT default_version, next_version FROM policies WHERE account_id = $1 AND arn = $2`,
		accountID, arn).Scan(&def, &next)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, iam.ErrNotFound
	}
	return def, next, err
}

// DeletePolicy deletes an unattached customer managed policy that has only
// its default version.
func (s *Store) DeletePolicy(ctx context.Context, accountID, arn string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		if _, _, err := ownPolicy(ctx, tx, accountID, arn); err != nil {
			return err
		}
		var attached, versions int
		if err := tx.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM policy_attachments WHERE policy_arn = $1),
			(SELECT COUNT(*) FROM policy_versions WHERE policy_arn = $1)`, arn).Scan(&attached, &versions); err != nil {
			return err
		}
		if attached > 0 {
			return &iam.ConflictError{What: "attachments"}
		}
		if versions > 1 {
			return &iam.ConflictError{What: "versions"}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM policy_versions WHERE policy_arn = $1`, arn); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM policies WHERE account_id = $1 AND arn = $2`, accountID, arn)
		return err
	})
}

// CreatePolicyVersion adds version v<next_version> within maxVersions.
func (s *Store) CreatePolicyVersion(ctx context.Context, accountID, arn, document string, setDefault bool, now time.Time, maxVersions int) (*iam.PolicyVersion, error) {
	var v *iam.PolicyVersion
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		_, next, err := ownPolicy(ctx, tx, accountID, arn)
		if err != nil {
			return err
		}
		if err := underQuota(ctx, tx, maxVersions, `SELECT COUNT(*) FROM policy_versions WHERE policy_arn = $1`, arn); err != nil {
			return err
		}
		id := "v" + strconv.Itoa(next)
		if _, err := tx.ExecContext(ctx, `INSERT INTO policy_versions (policy_arn, version_id, document, created_at) VALUES ($1, $2, $3, $4)`,
			arn, id, document, ms(now)); err != nil {
			return err
		}
		q := `UPDATE policies SET next_version = next_version + 1, updated_at = $1 WHERE arn = $2`
		if setDefault {
			q = `UPDATE policies SET next_version = next_version + 1, updated_at = $1, default_version = $3 WHERE arn = $2`
			_, err = tx.ExecContext(ctx, q, ms(now), arn, id)
		} else {
			_, err = tx.ExecContext(ctx, q, ms(now), arn)
		}
		v = &iam.PolicyVersion{PolicyARN: arn, VersionID: id, Document: document, IsDefault: setDefault, CreatedAt: now}
		return err
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// PolicyVersion returns one version of a visible policy.
func (s *Store) PolicyVersion(ctx context.Context, accountID, arn, versionID string) (*iam.PolicyVersion, error) {
	v := iam.PolicyVersion{PolicyARN: arn}
	var def string
	var created int64
	err := s.queryRow(ctx, `SELECT v.version_id, v.document, v.created_at, p.default_version
		FROM policies p JOIN policy_versions v ON v.policy_arn = p.arn
		WHERE `+visiblePolicy+` AND p.arn = $2 AND v.version_id = $3`, accountID, arn, versionID).
		Scan(&v.VersionID, &v.Document, &created, &def)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, iam.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	v.IsDefault = v.VersionID == def
	v.CreatedAt = fromMS(created)
	return &v, nil
}

// versionNumber orders version ids numerically (v10 after v9).
const versionNumber = `CAST(substr(v.version_id, 2) AS BIGINT)`

// ListPolicyVersions lists a visible policy's versions, newest first.
func (s *Store) ListPolicyVersions(ctx context.Context, accountID, arn string, page iam.Page) ([]iam.PolicyVersion, string, error) {
	m, err := decodeMarker(page.Marker)
	if err != nil {
		return nil, "", err
	}
	before := int64(math.MaxInt64)
	if m != "" {
		if before, err = strconv.ParseInt(m, 10, 64); err != nil {
			return nil, "", iam.ErrInvalidMarker
		}
	}
	var def string
	err = s.queryRow(ctx, `SELECT p.default_version FROM policies p WHERE `+visiblePolicy+` AND p.arn = $2`,
		accountID, arn).Scan(&def)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", iam.ErrNotFound
	}
	if err != nil {
		return nil, "", err
	}
	rows, err := s.query(ctx, `SELECT v.version_id, v.created_at FROM policy_versions v
		WHERE v.policy_arn = $1 AND `+versionNumber+` < $2 ORDER BY `+versionNumber+` DESC LIMIT $3`,
		arn, before, page.MaxItems+1)
	if err != nil {
		return nil, "", err
	}
	out, err := collect(rows, func(r rowScanner) (*iam.PolicyVersion, error) {
		v := iam.PolicyVersion{PolicyARN: arn}
		var created int64
		err := r.Scan(&v.VersionID, &created)
		v.CreatedAt = fromMS(created)
		v.IsDefault = v.VersionID == def
		return &v, err
	})
	if err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, page.MaxItems, func(last iam.PolicyVersion) string { return encodeMarker(strings.TrimPrefix(last.VersionID, "v")) })
	return out, next, nil
}

// SetDefaultPolicyVersion makes an existing version the default.
func (s *Store) SetDefaultPolicyVersion(ctx context.Context, accountID, arn, versionID string) error {
	return s.writeOne(ctx, accountID, `UPDATE policies SET default_version = $1 WHERE account_id = $2 AND arn = $3
		AND EXISTS (SELECT 1 FROM policy_versions v WHERE v.policy_arn = $3 AND v.version_id = $1)`, versionID, accountID, arn)
}

// DeletePolicyVersion deletes a version other than the default.
func (s *Store) DeletePolicyVersion(ctx context.Context, accountID, arn, versionID string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		def, _, err := ownPolicy(ctx, tx, accountID, arn)
		if err != nil {
			return err
		}
		if def == versionID {
			return &iam.ConflictError{What: "default version"}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM policy_versions WHERE policy_arn = $1 AND version_id = $2`, arn, versionID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return iam.ErrNotFound
		}
		return nil
	})
}

// PutInlinePolicy creates or replaces an inline policy within the entity's
// aggregate size quota, summed in the transaction.
func (s *Store) PutInlinePolicy(ctx context.Context, accountID string, e iam.Entity, name, document string, size func(string) int, maxTotalSize int) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		if err := entityExists(ctx, tx, accountID, e.Kind, e.ID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT document FROM inline_policies WHERE entity_kind = $1 AND entity_id = $2 AND name <> $3`,
			string(e.Kind), e.ID, name)
		if err != nil {
			return err
		}
		total := size(document)
		for rows.Next() {
			var doc string
			if err := rows.Scan(&doc); err != nil {
				rows.Close()
				return err
			}
			total += size(doc)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if total > maxTotalSize {
			return iam.ErrLimit
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO inline_policies (account_id, entity_kind, entity_id, name, document)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (entity_kind, entity_id, name) DO UPDATE SET document = excluded.document`,
			accountID, string(e.Kind), e.ID, name, document)
		return err
	})
}

// InlinePolicy returns an inline policy's document.
func (s *Store) InlinePolicy(ctx context.Context, accountID string, e iam.Entity, name string) (string, error) {
	var doc string
	err := s.queryRow(ctx, `SELECT document FROM inline_policies
		WHERE account_id = $1 AND entity_kind = $2 AND entity_id = $3 AND name = $4`, accountID, string(e.Kind), e.ID, name).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", iam.ErrNotFound
	}
	return doc, err
}

// DeleteInlinePolicy deletes an inline policy.
func (s *Store) DeleteInlinePolicy(ctx context.Context, accountID string, e iam.Entity, name string) error {
	return s.writeOne(ctx, accountID, `DELETE FROM inline_policies WHERE account_id = $1 AND entity_kind = $2 AND entity_id = $3 AND name = $4`,
		accountID, string(e.Kind), e.ID, name)
}

// ListInlinePolicies lists an entity's inline policy names in order.
func (s *Store) ListInlinePolicies(ctx context.Context, accountID string, e iam.Entity, page iam.Page) ([]string, string, error) {
	after, err := decodeMarker(page.Marker)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.query(ctx, `SELECT name FROM inline_policies
		WHERE account_id = $1 AND entity_kind = $2 AND entity_id = $3 AND name > $4 ORDER BY name LIMIT $5`,
		accountID, string(e.Kind), e.ID, after, page.MaxItems+1)
	if err != nil {
		return nil, "", err
	}
	out, err := collect(rows, func(r rowScanner) (*string, error) {
		var n string
		return &n, r.Scan(&n)
	})
	if err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, page.MaxItems, encodeMarker)
	return out, next, nil
}

// AttachPolicy attaches a visible managed policy within the entity's quota.
func (s *Store) AttachPolicy(ctx context.Context, accountID string, e iam.Entity, arn string, maxAttached int) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		if err := entityExists(ctx, tx, accountID, e.Kind, e.ID); err != nil {
			return err
		}
		var visible, attached int
		if err := tx.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM policies p WHERE `+visiblePolicy+` AND p.arn = $2),
			(SELECT COUNT(*) FROM policy_attachments WHERE entity_kind = $3 AND entity_id = $4 AND policy_arn = $2)`,
			accountID, arn, string(e.Kind), e.ID).Scan(&visible, &attached); err != nil {
			return err
		}
		switch {
		case visible == 0:
			return iam.ErrNotFound
		case attached > 0:
			return nil
		}
		if err := underQuota(ctx, tx, maxAttached, `SELECT COUNT(*) FROM policy_attachments WHERE entity_kind = $1 AND entity_id = $2`,
			string(e.Kind), e.ID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO policy_attachments (account_id, entity_kind, entity_id, policy_arn) VALUES ($1, $2, $3, $4)`,
			accountID, string(e.Kind), e.ID, arn)
		return err
	})
}

// DetachPolicy removes an attachment.
func (s *Store) DetachPolicy(ctx context.Context, accountID string, e iam.Entity, arn string) error {
	return s.writeOne(ctx, accountID, `DELETE FROM policy_attachments WHERE account_id = $1 AND entity_kind = $2 AND entity_id = $3 AND policy_arn = $4`,
		accountID, string(e.Kind), e.ID, arn)
}

// ListAttachedPolicies lists an entity's attached policies by name, then
// ARN.
func (s *Store) ListAttachedPolicies(ctx context.Context, accountID string, e iam.Entity, pathPrefix string, page iam.Page) ([]iam.AttachedPolicy, string, error) {
	afterName, afterARN, err := decodePairMarker(page.Marker)
	if err != nil {
		return nil, "", err
	}
	prefix := prefixOrRoot(pathPrefix)
	rows, err := s.query(ctx, `SELECT p.name, p.arn FROM policy_attachments a JOIN policies p ON p.arn = a.policy_arn
		WHERE a.account_id = $1 AND a.entity_kind = $2 AND a.entity_id = $3 AND substr(p.path, 1, $4) = $5
		AND (p.name_key > $6 OR (p.name_key = $6 AND p.arn > $7))
		ORDER BY p.name_key, p.arn LIMIT $8`,
		accountID, string(e.Kind), e.ID, len(prefix), prefix, afterName, afterARN, page.MaxItems+1)
	if err != nil {
		return nil, "", err
	}
	out, err := collect(rows, func(r rowScanner) (*iam.AttachedPolicy, error) {
		var ap iam.AttachedPolicy
		return &ap, r.Scan(&ap.Name, &ap.ARN)
	})
	if err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, page.MaxItems, func(last iam.AttachedPolicy) string { return pairMarker(strings.ToLower(last.Name), last.ARN) })
	return out, next, nil
}

// ListEntitiesForPolicy lists the account's groups, roles and users a
// policy is attached to, ordered by kind then name.
func (s *Store) ListEntitiesForPolicy(ctx context.Context, accountID, arn string, kinds []iam.EntityKind, pathPrefix string, page iam.Page) ([]iam.PolicyEntity, string, error) {
	afterKind, afterName, err := decodePairMarker(page.Marker)
	if err != nil {
		return nil, "", err
	}
	prefix := prefixOrRoot(pathPrefix)
	kindFilter := ""
	if len(kinds) > 0 {
		var ks []string
		for _, k := range kinds {
			switch k {
			case iam.EntityUser, iam.EntityGroup, iam.EntityRole:
				ks = append(ks, "'"+string(k)+"'")
			}
		}
		kindFilter = " AND x.kind IN (" + strings.Join(ks, ", ") + ")"
	}
	rows, err := s.query(ctx, `SELECT x.kind, x.name, x.id FROM (
			SELECT 'group' AS kind, g.name, g.id, g.name_key, g.path FROM policy_attachments a
				JOIN groups g ON a.entity_kind = 'group' AND g.id = a.entity_id
				WHERE a.account_id = $1 AND a.policy_arn = $2
			UNION ALL
			SELECT 'role' AS kind, r.name, r.id, r.name_key, r.path FROM policy_attachments a
				JOIN roles r ON a.entity_kind = 'role' AND r.id = a.entity_id
				WHERE a.account_id = $1 AND a.policy_arn = $2
			UNION ALL
			SELECT 'user' AS kind, u.name, u.id, u.name_key, u.path FROM policy_attachments a
				JOIN users u ON a.entity_kind = 'user' AND u.id = a.entity_id
				WHERE a.account_id = $1 AND a.policy_arn = $2
		) x
		WHERE substr(x.path, 1, $3) = $4 AND (x.kind > $5 OR (x.kind = $5 AND x.name_key > $6))`+kindFilter+`
		ORDER BY x.kind, x.name_key LIMIT $7`,
		accountID, arn, len(prefix), prefix, afterKind, afterName, page.MaxItems+1)
	if err != nil {
		return nil, "", err
	}
	out, err := collect(rows, func(r rowScanner) (*iam.PolicyEntity, error) {
		var e iam.PolicyEntity
		var kind string
		err := r.Scan(&kind, &e.Name, &e.ID)
		e.Kind = iam.EntityKind(kind)
		return &e, err
	})
	if err != nil {
		return nil, "", err
	}
	// Every entity's name_key is its name in lower case.
	out, next := trimPage(out, page.MaxItems, func(last iam.PolicyEntity) string {
		return pairMarker(string(last.Kind), strings.ToLower(last.Name))
	})
	return out, next, nil
}

// attachedDocuments selects (kind, entity name, policy name or ARN,
// document) of the managed policies attached to the entities that the
// condition (on a) selects, at their default versions.
const attachedDocuments = `SELECT 'managed' AS kind, '' AS entity, p.arn AS name, v.document FROM policy_attachments a
	JOIN policies p ON p.arn = a.policy_arn
	JOIN policy_versions v ON v.policy_arn = p.arn AND v.version_id = p.default_version
	WHERE a.account_id = $1 AND `

// collectDocuments reads (kind, entity, name, document) rows: inline
// policies get KIND/ENTITY/inline/NAME ids, managed ones their ARN, once.
func collectDocuments(rows *sql.Rows) ([]iam.PolicyDocument, error) {
	defer rows.Close()
	var out []iam.PolicyDocument
	seen := map[string]bool{}
	for rows.Next() {
		var kind, entity, name, doc string
		if err := rows.Scan(&kind, &entity, &name, &doc); err != nil {
			return nil, err
		}
		id := name
		if kind != "managed" {
			id = iam.InlinePolicyID(iam.EntityKind(kind), entity, name)
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, iam.PolicyDocument{ID: id, Document: doc})
	}
	return out, rows.Err()
}

// IdentityPolicies returns a user's inline and attached policies and those
// of its groups, in one query.
func (s *Store) IdentityPolicies(ctx context.Context, accountID, userID string) ([]iam.PolicyDocument, error) {
	rows, err := s.query(ctx, `SELECT x.kind, x.entity, x.name, x.document FROM (
			SELECT 'user' AS kind, u.name AS entity, i.name AS name, i.document, 1 AS ord FROM inline_policies i
				JOIN users u ON u.id = i.entity_id
				WHERE i.account_id = $1 AND i.entity_kind = 'user' AND i.entity_id = $2
			UNION ALL
			SELECT 'managed', '', y.name, y.document, 2 FROM (`+attachedDocuments+`a.entity_kind = 'user' AND a.entity_id = $2) y
			UNION ALL
			SELECT 'group', g.name, i.name, i.document, 3 FROM group_members m
				JOIN groups g ON g.id = m.group_id
				JOIN inline_policies i ON i.entity_kind = 'group' AND i.entity_id = g.id
				WHERE m.account_id = $1 AND m.user_id = $2
			UNION ALL
			SELECT 'managed', '', y.name, y.document, 4 FROM (`+attachedDocuments+`a.entity_kind = 'group' AND a.entity_id IN
				(SELECT group_id FROM group_members WHERE user_id = $2)) y
		) x ORDER BY x.ord, x.entity, x.name`, accountID, userID)
	if err != nil {
		return nil, err
	}
	return collectDocuments(rows)
}

// RolePolicies returns a role's inline and attached policies.
func (s *Store) RolePolicies(ctx context.Context, accountID, roleID string) ([]iam.PolicyDocument, error) {
	rows, err := s.query(ctx, `SELECT x.kind, x.entity, x.name, x.document FROM (
			SELECT 'role' AS kind, r.name AS entity, i.name AS name, i.document, 1 AS ord FROM inline_policies i
				JOIN roles r ON r.id = i.entity_id
				WHERE i.account_id = $1 AND i.entity_kind = 'role' AND i.entity_id = $2
			UNION ALL
			SELECT 'managed', '', y.name, y.document, 2 FROM (`+attachedDocuments+`a.entity_kind = 'role' AND a.entity_id = $2) y
		) x ORDER BY x.ord, x.name`, accountID, roleID)
	if err != nil {
		return nil, err
	}
	return collectDocuments(rows)
}

// ManagedPolicyDocuments returns the default versions of visible managed
// policies, in the order asked.
func (s *Store) ManagedPolicyDocuments(ctx context.Context, accountID string, arns []string) ([]iam.PolicyDocument, error) {
	out := make([]iam.PolicyDocument, 0, len(arns))
	for _, arn := range arns {
		var doc string
		err := s.queryRow(ctx, `SELECT v.document FROM policies p
			JOIN policy_versions v ON v.policy_arn = p.arn AND v.version_id = p.default_version
			WHERE `+visiblePolicy+` AND p.arn = $2`, accountID, arn).Scan(&doc)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, &iam.PolicyNotFoundError{ARN: arn}
		}
		if err != nil {
			return nil, fmt.Errorf("policy %s: %w", arn, err)
		}
		out = append(out, iam.PolicyDocument{ID: arn, Document: doc})
	}
	return out, nil
}

// PolicyUsage counts groups, customer managed policies and attachments.
func (s *Store) PolicyUsage(ctx context.Context, accountID string) (*iam.PolicyUsage, error) {
	var u iam.PolicyUsage
	err := s.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM groups WHERE account_id = $1),
		(SELECT COUNT(*) FROM policies WHERE account_id = $1),
		(SELECT COUNT(*) FROM policy_attachments WHERE account_id = $1)`, accountID).
		Scan(&u.Groups, &u.Policies, &u.PolicyVersionsInUse)
	if err != nil {
		return nil, err
	}
	return &u, nil
}
