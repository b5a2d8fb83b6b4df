package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/quotas"
)

// The store implements quotas.Store with the quota_requests table of
// migration 00006 and the quotas table of 00001.
var _ quotas.Store = (*Store)(nil)

// CreateQuotaRequest stores a quota increase request; one stored as
// APPROVED raises its quota in the same transaction.
func (s *Store) CreateQuotaRequest(ctx context.Context, r *quotas.Request) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, r.AccountID); err != nil {
			if errors.Is(err, errNoAccount) {
				return iam.ErrNotFound
			}
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO quota_requests
			(id, account_id, quota_name, desired_value, status, requester, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			r.ID, r.AccountID, r.QuotaKey, r.DesiredValue, r.Status, r.Requester, ms(r.CreatedAt), ms(r.UpdatedAt))
		if isUnique(err) {
			return iam.ErrExists
		}
		if err != nil {
			return err
		}
		if r.Status == quotas.StatusApproved {
			return raiseQuota(ctx, tx, r.AccountID, r.QuotaKey, r.DesiredValue)
		}
		return nil
	})
}

// raiseQuota sets a quota to value unless it is set higher already.
func raiseQuota(ctx context.Context, tx *sql.Tx, accountID, name string, value int) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO quotas (account_id, name, value) VALUES ($1, $2, $3)
		ON CONFLICT (account_id, name) DO UPDATE
		SET value = CASE WHEN quotas.value > excluded.value THEN quotas.value ELSE excluded.value END`,
		accountID, name, value)
	return err
}

const quotaRequestCols = `id, account_id, quota_name, desired_value, status, requester, created_at, updated_at`

func scanQuotaRequest(sc rowScanner) (*quotas.Request, error) {
	var r quotas.Request
	var created, updated int64
	if err := sc.Scan(&r.ID, &r.AccountID, &r.QuotaKey, &r.DesiredValue, &r.Status, &r.Requester, &created, &updated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, iam.ErrNotFound
		}
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
	return &r, nil
}

// QuotaRequest returns one request of any account.
func (s *Store) QuotaRequest(ctx context.Context, id string) (*quotas.Request, error) {
	return scanQuotaRequest(s.queryRow(ctx, `SELECT `+quotaRequestCols+` FROM quota_requests WHERE id = $1`, id))
}

// ListQuotaRequests lists requests newest first, paged by (created_at, id).
func (s *Store) ListQuotaRequests(ctx context.Context, f quotas.RequestFilter, page quotas.Page) ([]quotas.Request, string, error) {
	before, beforeID := int64(math.MaxInt64), ""
	if page.Token != "" {
		var err error
		if before, beforeID, err = decodeRequestToken(page.Token); err != nil {
			return nil, "", err
		}
	}
	max := page.Max
	if max <= 0 {
		max = 100
	}
	rows, err := s.query(ctx, `SELECT `+quotaRequestCols+` FROM quota_requests
		WHERE ($1 = '' OR account_id = $1) AND ($2 = '' OR quota_name = $2) AND ($3 = '' OR status = $3)
		AND (created_at < $4 OR (created_at = $4 AND id < $5))
		ORDER BY created_at DESC, id DESC LIMIT $6`,
		f.AccountID, f.QuotaKey, f.Status, before, beforeID, max+1)
	if err != nil {
		return nil, "", err
	}
	out, err := collect(rows, scanQuotaRequest)
	if err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, max, func(last quotas.Request) string {
		return base64.StdEncoding.EncodeToString([]byte(strconv.FormatInt(ms(last.CreatedAt), 10) + ":" + last.ID))
	})
	return out, next, nil
}

// decodeRequestToken reads a ListQuotaRequests token: base64 (standard,
// as Service Quotas' NextToken pattern wants) of "created_ms:id".
func decodeRequestToken(tok string) (int64, string, error) {
	b, err := base64.StdEncoding.DecodeString(tok)
	if err != nil {
		return 0, "", iam.ErrInvalidMarker
	}
	at, id, ok := strings.Cut(string(b), ":")
	n, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || id == "" {
		return 0, "", iam.ErrInvalidMarker
	}
	return n, id, nil
}

// ResolveQuotaRequest decides an open request in one conditional update,
// raising its quota when approved.
func (s *Store) ResolveQuotaRequest(ctx context.Context, id, status string, now time.Time) (*quotas.Request, error) {
	var out *quotas.Request
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var accountID string
		err := tx.QueryRowContext(ctx, `SELECT account_id FROM quota_requests WHERE id = $1`, id).Scan(&accountID)
		if errors.Is(err, sql.ErrNoRows) {
			return iam.ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE quota_requests SET status = $1, updated_at = $2
			WHERE id = $3 AND status IN ('PENDING', 'CASE_OPENED')`, status, ms(now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return iam.ErrStale
		}
		r, err := scanQuotaRequest(tx.QueryRowContext(ctx, `SELECT `+quotaRequestCols+` FROM quota_requests WHERE id = $1`, id))
		if err != nil {
			return err
		}
		if status == quotas.StatusApproved {
			if err := raiseQuota(ctx, tx, r.AccountID, r.QuotaKey, r.DesiredValue); err != nil {
				return err
			}
		}
		out = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
