package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/iamd/iamd/internal/iam"
)

// CreateConsoleSession stores a new console session.
func (s *Store) CreateConsoleSession(ctx context.Context, cs *iam.ConsoleSession) error {
	_, err := s.exec(ctx, `INSERT INTO console_sessions (id, account_id, user_id, mfa_pending, mfa_at, created_at, last_seen)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		cs.ID, cs.AccountID, cs.UserID, boolInt(cs.MFAPending), ms(cs.MFAAuthenticatedAt), ms(cs.CreatedAt), ms(cs.LastSeen))
	if isUnique(err) {
		return iam.ErrExists
	}
	return err
}

// ConsoleSession reads a console session (iam.ErrNotFound when there is
// none).
func (s *Store) ConsoleSession(ctx context.Context, id string) (*iam.ConsoleSession, error) {
	var (
		cs                   iam.ConsoleSession
		pending              int
		mfaAt, created, seen int64
	)
	err := s.queryRow(ctx, `SELECT id, account_id, user_id, mfa_pending, mfa_at, created_at, last_seen
		FROM console_sessions WHERE id = $1`, id).Scan(&cs.ID, &cs.AccountID, &cs.UserID, &pending, &mfaAt, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, iam.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	cs.MFAPending = pending != 0
	cs.MFAAuthenticatedAt, cs.CreatedAt, cs.LastSeen = fromMS(mfaAt), fromMS(created), fromMS(seen)
	return &cs, nil
}

// TouchConsoleSession records a session's latest use; it never moves
// last_seen back, so nodes with slightly different clocks agree.
func (s *Store) TouchConsoleSession(ctx context.Context, id string, lastSeen time.Time) error {
	_, err := s.exec(ctx, `UPDATE console_sessions SET last_seen = $1 WHERE id = $2 AND last_seen < $1`, ms(lastSeen), id)
	return err
}

// DeleteConsoleSession removes a session; removing one that is gone is
// not an error.
func (s *Store) DeleteConsoleSession(ctx context.Context, id string) error {
	_, err := s.exec(ctx, `DELETE FROM console_sessions WHERE id = $1`, id)
	return err
}

// DeleteExpiredConsoleSessions removes the sessions that can no longer be
// used: idle since before idleBefore, created before createdBefore, or
// waiting for their MFA code since before pendingBefore.
func (s *Store) DeleteExpiredConsoleSessions(ctx context.Context, idleBefore, createdBefore, pendingBefore time.Time) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM console_sessions WHERE last_seen < $1 OR created_at < $2 OR (mfa_pending = 1 AND created_at < $3)`,
		ms(idleBefore), ms(createdBefore), ms(pendingBefore))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// DeleteUserConsoleSessions ends every console session of a user, pending
// or not, except the one whose id is keepID ("" keeps none), and returns
// how many it ended: a changed or removed password ends the sessions it
// opened.
func (s *Store) DeleteUserConsoleSessions(ctx context.Context, accountID, userID, keepID string) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM console_sessions WHERE account_id = $1 AND user_id = $2 AND id <> $3`, accountID, userID, keepID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// RecordPasswordUsed sets a user's (or root's) password_last_used, as a
// console sign-in with the password does; it never moves it back. It is
// an account write (lockAccount), so caches of the user notice the
// change. iam.ErrNotFound when there is no such user.
func (s *Store) RecordPasswordUsed(ctx context.Context, accountID, userID string, at time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
			if errors.Is(err, errNoAccount) {
				return iam.ErrNotFound
			}
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_last_used = $1 WHERE account_id = $2 AND id = $3 AND password_last_used < $1`,
			ms(at), accountID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE account_id = $1 AND id = $2`, accountID, userID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
				return iam.ErrNotFound
			} else if err != nil {
				return err
			}
		}
		return nil
	})
}
