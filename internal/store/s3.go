package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/iamd/iamd/internal/s3"
)

// The s3 domain's metadata (s3.Store). Keys are bound as []byte because
// the schema keeps them as BYTEA, which both engines order byte by byte
// (see migration 00012). S3 writes do not lock the owner's account: they
// change nothing IAM caches, and bumping the account's generation on every
// PutObject would empty those caches for nothing. They lock the bucket row
// instead (lockBucket).

var _ s3.Store = (*Store)(nil)

// CreateBucket adds a bucket; s3.ErrBucketExists when any account has one
// of that name.
func (s *Store) CreateBucket(ctx context.Context, b s3.Bucket) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO s3_buckets (name, account_id, region, created_at, versioning, mfa_delete, seq)
			VALUES ($1, $2, $3, $4, $5, $6, 0)`, b.Name, b.AccountID, b.Region, ms(b.CreatedAt), b.Versioning, b.MFADelete)
		if isUnique(err) {
			return s3.ErrBucketExists
		}
		return err
	})
}

const bucketColumns = `name, account_id, region, created_at, versioning, mfa_delete`

func scanBucket(sc rowScanner) (*s3.Bucket, error) {
	var b s3.Bucket
	var created int64
	if err := sc.Scan(&b.Name, &b.AccountID, &b.Region, &created, &b.Versioning, &b.MFADelete); err != nil {
		return nil, err
	}
	b.CreatedAt = fromMS(created)
	return &b, nil
}

// Bucket finds a bucket by name; s3.ErrNoSuchBucket.
func (s *Store) Bucket(ctx context.Context, name string) (*s3.Bucket, error) {
	b, err := scanBucket(s.queryRow(ctx, `SELECT `+bucketColumns+` FROM s3_buckets WHERE name = $1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s3.ErrNoSuchBucket
	}
	return b, err
}

// Buckets lists an account's buckets by name, byte by byte: they are
// sorted here rather than in SQL, where PostgreSQL would compare TEXT in
// the database's collation. An account has few buckets.
func (s *Store) Buckets(ctx context.Context, accountID string) ([]s3.Bucket, error) {
	rows, err := s.query(ctx, `SELECT `+bucketColumns+` FROM s3_buckets WHERE account_id = $1`, accountID)
	if err != nil {
		return nil, err
	}
	out, err := collect(rows, scanBucket)
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// lockBucket starts every write to a bucket's versions: it locks the
// bucket row until tx ends (on PostgreSQL; SQLite's writers hold the
// database lock from BEGIN), so that the bucket's writers — PutVersion,
// DeleteVersion, DeleteBucket — run one after another. With next it also
// hands out the bucket's next version seq, higher than every seq before
// it. sql.ErrNoRows when the bucket is gone.
func lockBucket(ctx context.Context, tx *sql.Tx, bucket string, next bool) (int64, error) {
	q := `UPDATE s3_buckets SET seq = seq WHERE name = $1 RETURNING seq`
	if next {
		q = `UPDATE s3_buckets SET seq = seq + 1 WHERE name = $1 RETURNING seq`
	}
	var seq int64
	err := tx.QueryRowContext(ctx, q, bucket).Scan(&seq)
	return seq, err
}

// DeleteBucket removes an empty bucket; s3.ErrBucketNotEmpty while any
// version or delete marker remains. The bucket lock keeps a concurrent
// PutVersion from adding one between the check and the delete: it either
// commits first (and the bucket is not empty) or finds no bucket.
func (s *Store) DeleteBucket(ctx context.Context, name string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := lockBucket(ctx, tx, name, false); errors.Is(err, sql.ErrNoRows) {
			return s3.ErrNoSuchBucket
		} else if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM s3_versions WHERE bucket = $1 LIMIT 1) v`, name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return s3.ErrBucketNotEmpty
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM s3_buckets WHERE name = $1`, name)
		return err
	})
}

// SetVersioning sets both states as given: the caller passes the current
// MFA Delete state to leave it as it is.
func (s *Store) SetVersioning(ctx context.Context, name, versioning, mfaDelete string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE s3_buckets SET versioning = $2, mfa_delete = $3 WHERE name = $1`, name, versioning, mfaDelete)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return s3.ErrNoSuchBucket
		}
		return nil
	})
}

// SetVersioningFrom sets both states while they are still the ones the
// caller read; s3.ErrVersioningChanged when another write came first.
func (s *Store) SetVersioningFrom(ctx context.Context, name, wasVersioning, wasMFADelete, versioning, mfaDelete string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE s3_buckets SET versioning = $2, mfa_delete = $3
			WHERE name = $1 AND versioning = $4 AND mfa_delete = $5`, name, versioning, mfaDelete, wasVersioning, wasMFADelete)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		var one int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM s3_buckets WHERE name = $1`, name).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return s3.ErrNoSuchBucket
		}
		if err != nil {
			return err
		}
		return s3.ErrVersioningChanged
	})
}

const versionColumns = `bucket, object_key, version_id, seq, latest, delete_marker, last_modified, size, etag, content_type,
	metadata, checksum_algorithm, checksum, blob_id, owner`

func scanVersion(sc rowScanner) (*s3.Version, error) {
	var (
		v              s3.Version
		key            []byte
		latest, marker int
		modified       int64
		meta           string
	)
	if err := sc.Scan(&v.Bucket, &key, &v.VersionID, &v.Seq, &latest, &marker, &modified, &v.Size, &v.ETag, &v.ContentType,
		&meta, &v.ChecksumAlgorithm, &v.Checksum, &v.BlobID, &v.Owner); err != nil {
		return nil, err
	}
	v.Key = string(key)
	v.IsLatest = latest == 1
	v.DeleteMarker = marker == 1
	v.LastModified = fromMS(modified)
	if meta != "" && meta != "{}" {
		if err := json.Unmarshal([]byte(meta), &v.Metadata); err != nil {
			return nil, fmt.Errorf("store: s3 metadata of %s/%s: %w", v.Bucket, v.Key, err)
		}
	}
	return &v, nil
}

// PutVersion stores v as its key's latest version with the bucket's next
// seq. A null version replaces the key's null version, if any, which it
// returns (IsLatest as it was before the put).
func (s *Store) PutVersion(ctx context.Context, v s3.Version) (*s3.Version, error) {
	meta := []byte("{}")
	if len(v.Metadata) > 0 {
		var err error
		if meta, err = json.Marshal(v.Metadata); err != nil {
			return nil, err
		}
	}
	key := []byte(v.Key)
	var replaced *s3.Version
	err := s.tx(ctx, func(tx *sql.Tx) error {
		seq, err := lockBucket(ctx, tx, v.Bucket, true)
		if errors.Is(err, sql.ErrNoRows) {
			return s3.ErrNoSuchBucket
		}
		if err != nil {
			return err
		}
		if v.VersionID == s3.NullVersion {
			old, err := scanVersion(tx.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM s3_versions
				WHERE bucket = $1 AND object_key = $2 AND version_id = $3`, v.Bucket, key, s3.NullVersion))
			switch {
			case errors.Is(err, sql.ErrNoRows):
			case err != nil:
				return err
			default:
				if _, err := tx.ExecContext(ctx, `DELETE FROM s3_versions WHERE bucket = $1 AND object_key = $2 AND version_id = $3`,
					v.Bucket, key, s3.NullVersion); err != nil {
					return err
				}
				replaced = old
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE s3_versions SET latest = 0 WHERE bucket = $1 AND object_key = $2 AND latest = 1`,
			v.Bucket, key); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO s3_versions (`+versionColumns+`)
			VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			v.Bucket, key, v.VersionID, seq, boolInt(v.DeleteMarker), ms(v.LastModified), v.Size, v.ETag, v.ContentType,
			string(meta), v.ChecksumAlgorithm, v.Checksum, v.BlobID, v.Owner)
		return err
	})
	if err != nil {
		return nil, err
	}
	return replaced, nil
}

// Version finds one version of a key, or with versionID "" the one with
// the highest seq.
func (s *Store) Version(ctx context.Context, bucket, key, versionID string) (*s3.Version, error) {
	var row rowScanner
	if versionID == "" {
		row = s.queryRow(ctx, `SELECT `+versionColumns+` FROM s3_versions WHERE bucket = $1 AND object_key = $2
			ORDER BY seq DESC LIMIT 1`, bucket, []byte(key))
	} else {
		row = s.queryRow(ctx, `SELECT `+versionColumns+` FROM s3_versions WHERE bucket = $1 AND object_key = $2 AND version_id = $3`,
			bucket, []byte(key), versionID)
	}
	v, err := scanVersion(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s3.ErrNoSuchVersion
	}
	return v, err
}

// DeleteVersion removes one version and returns it (IsLatest as it was).
// When it was the latest, the key's next newest version becomes the
// latest. s3.ErrNoSuchVersion also when the bucket is gone.
func (s *Store) DeleteVersion(ctx context.Context, bucket, key, versionID string) (*s3.Version, error) {
	k := []byte(key)
	var v *s3.Version
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := lockBucket(ctx, tx, bucket, false); errors.Is(err, sql.ErrNoRows) {
			return s3.ErrNoSuchVersion
		} else if err != nil {
			return err
		}
		var err error
		v, err = scanVersion(tx.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM s3_versions
			WHERE bucket = $1 AND object_key = $2 AND version_id = $3`, bucket, k, versionID))
		if errors.Is(err, sql.ErrNoRows) {
			return s3.ErrNoSuchVersion
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM s3_versions WHERE bucket = $1 AND object_key = $2 AND version_id = $3`,
			bucket, k, versionID); err != nil {
			return err
		}
		if !v.IsLatest {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE s3_versions SET latest = 1 WHERE bucket = $1 AND object_key = $2
			AND seq = (SELECT MAX(seq) FROM s3_versions WHERE bucket = $1 AND object_key = $2)`, bucket, k)
		return err
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// ListVersions lists versions and delete markers in key order, newest
// first within a key. With q.VersionIDMarker (only with q.StartAfter) it
// resumes after that version of the StartAfter key; when that version has
// been deleted since the previous page, it lists all of that key's
// versions again rather than skip any that remain. s3.ErrNoSuchBucket
// when the list is empty because there is no bucket.
func (s *Store) ListVersions(ctx context.Context, bucket string, q s3.ListQuery) ([]s3.Version, error) {
	return s.listVersions(ctx, bucket, q, false)
}

// ListLatest lists each key's latest version, in key order, skipping the
// keys whose latest version is a delete marker. s3.ErrNoSuchBucket when
// the list is empty because there is no bucket.
func (s *Store) ListLatest(ctx context.Context, bucket string, q s3.ListQuery) ([]s3.Version, error) {
	q.VersionIDMarker = ""
	return s.listVersions(ctx, bucket, q, true)
}

// listVersions is both lists: one statement, so that a page is read from
// one snapshot. Prefixes are ranges over the key's bytes, never LIKE, so
// that % and _ in keys are plain bytes.
func (s *Store) listVersions(ctx context.Context, bucket string, q s3.ListQuery, latestOnly bool) ([]s3.Version, error) {
	args := []any{bucket}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where := []string{"bucket = $1"}
	order := " ORDER BY object_key, seq DESC"
	if latestOnly {
		// Written as in the partial index s3_versions_current, which
		// SQLite uses only for a WHERE that repeats its terms.
		where = append(where, "latest = 1 AND delete_marker = 0")
		order = " ORDER BY object_key"
	}
	if q.Prefix != "" {
		p := []byte(q.Prefix)
		where = append(where, "object_key >= "+arg(p))
		if end := prefixEnd(p); end != nil {
			where = append(where, "object_key < "+arg(end))
		}
	}
	if q.StartAfter != "" {
		k := arg([]byte(q.StartAfter))
		if q.VersionIDMarker == "" {
			where = append(where, "object_key > "+k)
		} else {
			// A marker version that is gone resumes at the key's newest
			// version (the largest BIGINT): repeat rather than skip. The
			// redundant >= lets PostgreSQL start the index scan at the
			// key instead of filtering the bucket's earlier keys.
			where = append(where, "object_key >= "+k, "(object_key > "+k+" OR (object_key = "+k+" AND seq < COALESCE((SELECT m.seq FROM s3_versions m"+
				" WHERE m.bucket = $1 AND m.object_key = "+k+" AND m.version_id = "+arg(q.VersionIDMarker)+"), 9223372036854775807)))")
		}
	}
	limit := max(q.MaxKeys, 0) + 1
	rows, err := s.query(ctx, `SELECT `+versionColumns+` FROM s3_versions WHERE `+strings.Join(where, " AND ")+order+
		` LIMIT `+arg(limit), args...)
	if err != nil {
		return nil, err
	}
	out, err := collect(rows, scanVersion)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		if _, err := s.Bucket(ctx, bucket); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// prefixEnd returns the smallest byte string greater than every string
// that starts with p, or nil when there is none (p empty or all 0xff).
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
