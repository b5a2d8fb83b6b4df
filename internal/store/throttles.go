package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Throttle returns when a caller-level throttle lets attempts through
// again (zero when it does now).
func (s *Store) Throttle(ctx context.Context, accountID, subject string) (time.Time, error) {
	var blocked int64
	err := s.queryRow(ctx, `SELECT blocked_until FROM throttles WHERE account_id = $1 AND subject = $2`, accountID, subject).Scan(&blocked)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	return fromMS(blocked), err
}

// RecordThrottleFailure counts one failure for a subject and, from the
// threshold on, blocks it until now + backoff(failures).
func (s *Store) RecordThrottleFailure(ctx context.Context, accountID, subject string, now time.Time, backoff func(int) time.Duration) (int, error) {
	var failures int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO throttles (account_id, subject, failures) VALUES ($1, $2, 1)
			ON CONFLICT (account_id, subject) DO UPDATE SET failures = throttles.failures + 1
			RETURNING failures`, accountID, subject).Scan(&failures)
		if err != nil {
			return err
		}
		if d := backoff(failures); d > 0 {
			_, err = tx.ExecContext(ctx, `UPDATE throttles SET blocked_until = $1 WHERE account_id = $2 AND subject = $3`,
				ms(now.Add(d)), accountID, subject)
		}
		return err
	})
	return failures, err
}

// ResetThrottle clears a subject's failures after a success.
func (s *Store) ResetThrottle(ctx context.Context, accountID, subject string) error {
	_, err := s.exec(ctx, `DELETE FROM throttles WHERE account_id = $1 AND subject = $2`, accountID, subject)
	return err
}
