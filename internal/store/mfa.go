package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/iamd/iamd/internal/iam"
)

const deviceCols = `d.serial, d.account_id, d.kind, d.path, d.name, d.secret, d.digits, d.period, d.created_at,
	d.user_id, d.enabled_at, d.last_step, d.drift_steps, d.failures, d.blocked_until, d.otp_type, d.hash, d.time0`

func (s *Store) scanDevice(sc interface{ Scan(...any) error }, extra ...any) (*iam.MFADevice, error) {
	var d iam.MFADevice
	var sealed []byte
	var userID sql.NullString
	var created, enabled, blocked int64
	dest := []any{&d.Serial, &d.AccountID, &d.Kind, &d.Path, &d.Name, &sealed, &d.Digits, &d.Period, &created,
		&userID, &enabled, &d.LastStep, &d.DriftSteps, &d.Failures, &blocked, &d.OTPType, &d.Hash, &d.Time0}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, iam.ErrNotFound
		}
		return nil, err
	}
	secret, err := s.sealer.Open(sealed, "mfa-seed", d.AccountID, d.Serial)
	if err != nil {
		return nil, err
	}
	d.Secret = secret
	d.UserID = userID.String
	d.CreatedAt = fromMS(created)
	d.EnabledAt = fromMS(enabled)
	d.BlockedUntil = fromMS(blocked)
	return &d, nil
}

// CreateMFADevice stores a new unassigned device.
func (s *Store) CreateMFADevice(ctx context.Context, d *iam.MFADevice, maxDevices int) error {
	return s.insertWithin(ctx, d.AccountID, maxDevices, `SELECT COUNT(*) FROM mfa_devices WHERE account_id = $1 AND kind = $2`,
		[]any{d.AccountID, d.Kind}, func(tx *sql.Tx) error {
			_, err := s.insertDevice(ctx, tx, d)
			if isUnique(err) {
				return iam.ErrExists
			}
			return err
		})
}

// insertDevice writes a new device row with its seed sealed and its tags
// sorted, as MFADeviceTags returns them.
func (s *Store) insertDevice(ctx context.Context, tx *sql.Tx, d *iam.MFADevice) (sql.Result, error) {
	sealed := s.sealer.Seal(d.Secret, "mfa-seed", d.AccountID, d.Serial)
	otpType, hash := d.OTPType, d.Hash
	if otpType == "" {
		otpType = iam.OTPTypeTOTP
	}
	if hash == "" {
		hash = "SHA1"
	}
	return tx.ExecContext(ctx, `INSERT INTO mfa_devices (serial, account_id, kind, path, name, secret, digits, period, created_at,
		last_step, otp_type, hash, time0, tags) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		d.Serial, d.AccountID, d.Kind, d.Path, d.Name, sealed, d.Digits, d.Period, ms(d.CreatedAt), d.LastStep, otpType, hash, d.Time0,
		encodeTags(mergeTags(nil, d.Tags, false)))
}

// ImportHardwareTokens adds tokens to an account's inventory, all or none.
func (s *Store) ImportHardwareTokens(ctx context.Context, accountID string, tokens []iam.MFADevice) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
			if errors.Is(err, errNoAccount) {
				return iam.ErrNotFound
			}
			return err
		}
		for i := range tokens {
			if _, err := s.insertDevice(ctx, tx, &tokens[i]); err != nil {
				if isUnique(err) {
					return &iam.DuplicateSerialError{Serial: tokens[i].Serial}
				}
				return err
			}
		}
		return nil
	})
}

// ListHardwareTokens lists an account's hardware tokens with their users.
func (s *Store) ListHardwareTokens(ctx context.Context, accountID string) ([]iam.DeviceWithUser, error) {
	rows, err := s.query(ctx, `SELECT `+deviceCols+`,
		u.id, u.account_id, u.name, u.path, u.is_root, u.created_at, u.password_last_used
		FROM mfa_devices d LEFT JOIN users u ON u.id = d.user_id
		WHERE d.account_id = $1 AND d.kind = 'hardware' ORDER BY d.serial`, accountID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(r rowScanner) (*iam.DeviceWithUser, error) {
		dw, err := s.scanDeviceWithUser(r)
		if err != nil {
			return nil, err
		}
		dw.Device.Secret = nil
		return dw, nil
	})
}

// DeleteHardwareToken removes an unassigned hardware token.
func (s *Store) DeleteHardwareToken(ctx context.Context, accountID, serial string) error {
	return s.deleteDevice(ctx, accountID, serial, iam.DeviceHardware)
}

// MFADevice returns one device of an account.
func (s *Store) MFADevice(ctx context.Context, accountID, serial string) (*iam.MFADevice, error) {
	return s.scanDevice(s.queryRow(ctx, `SELECT `+deviceCols+` FROM mfa_devices d WHERE d.account_id = $1 AND d.serial = $2`,
		accountID, serial))
}

// CountMFADevices counts the devices serving one identity, without
// opening their seeds.
func (s *Store) CountMFADevices(ctx context.Context, accountID, userID string) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM mfa_devices WHERE account_id = $1 AND user_id = $2`, accountID, userID).Scan(&n)
	return n, err
}

// ListMFADevices lists the devices serving one identity, by serial.
func (s *Store) ListMFADevices(ctx context.Context, accountID, userID string, page iam.Page) ([]iam.MFADevice, string, error) {
	after, err := decodeMarker(page.Marker)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.query(ctx, `SELECT `+deviceCols+` FROM mfa_devices d
		WHERE d.account_id = $1 AND d.user_id = $2 AND d.serial > $3 ORDER BY d.serial LIMIT $4`,
		accountID, userID, after, page.MaxItems+1)
	if err != nil {
		return nil, "", err
	}
	out, err := collect(rows, func(r rowScanner) (*iam.MFADevice, error) { return s.scanDevice(r) })
	if err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, page.MaxItems, func(last iam.MFADevice) string { return encodeMarker(last.Serial) })
	return out, next, nil
}

// MFADeviceList is ListMFADevices without seeds or counters (see
// iam.Store).
func (s *Store) MFADeviceList(ctx context.Context, accountID, userID string, page iam.Page) ([]iam.MFADevice, string, error) {
	ds, next, err := s.ListMFADevices(ctx, accountID, userID, page)
	for i := range ds {
		d := &ds[i]
		clear(d.Secret)
		d.Secret, d.LastStep, d.DriftSteps, d.Failures, d.BlockedUntil = nil, 0, 0, 0, time.Time{}
	}
	return ds, next, err
}

// ListVirtualMFADevices lists virtual devices with their users, by serial.
func (s *Store) ListVirtualMFADevices(ctx context.Context, accountID string, assigned *bool, page iam.Page) ([]iam.DeviceWithUser, string, error) {
	after, err := decodeMarker(page.Marker)
	if err != nil {
		return nil, "", err
	}
	filter := ""
	if assigned != nil {
		if *assigned {
			filter = " AND d.user_id IS NOT NULL"
		} else {
			filter = " AND d.user_id IS NULL"
		}
	}
	rows, err := s.query(ctx, `SELECT `+deviceCols+`,
		u.id, u.account_id, u.name, u.path, u.is_root, u.created_at, u.password_last_used
		FROM mfa_devices d LEFT JOIN users u ON u.id = d.user_id
		WHERE d.account_id = $1 AND d.kind = 'virtual' AND d.serial > $2`+filter+` ORDER BY d.serial LIMIT $3`,
		accountID, after, page.MaxItems+1)
	if err != nil {
		return nil, "", err
	}
	out, err := collect(rows, s.scanDeviceWithUser)
	if err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, page.MaxItems, func(last iam.DeviceWithUser) string { return encodeMarker(last.Device.Serial) })
	return out, next, nil
}

// scanDeviceWithUser scans deviceCols followed by the LEFT JOINed user.
func (s *Store) scanDeviceWithUser(sc rowScanner) (*iam.DeviceWithUser, error) {
	var uid, uacct, uname, upath sql.NullString
	var uroot, ucreated, upw sql.NullInt64
	d, err := s.scanDevice(sc, &uid, &uacct, &uname, &upath, &uroot, &ucreated, &upw)
	if err != nil {
		return nil, err
	}
	dw := iam.DeviceWithUser{Device: *d}
	if uid.Valid {
		dw.User = &iam.User{ID: uid.String, AccountID: uacct.String, Name: uname.String, Path: upath.String,
			Root: uroot.Int64 != 0, CreatedAt: fromMS(ucreated.Int64), PasswordLastUsed: fromMS(upw.Int64)}
	}
	return &dw, nil
}

// EnableMFADevice assigns a device to a user if the codes' step is fresh.
func (s *Store) EnableMFADevice(ctx context.Context, accountID, serial, userID string, step, drift int64, now time.Time, maxPerUser int) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		var owner sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT user_id FROM mfa_devices WHERE account_id = $1 AND serial = $2`,
			accountID, serial).Scan(&owner)
		if errors.Is(err, sql.ErrNoRows) {
			return iam.ErrNotFound
		}
		if err != nil {
			return err
		}
		if owner.Valid {
			return iam.ErrExists
		}
		if err := underQuota(ctx, tx, maxPerUser, `SELECT COUNT(*) FROM mfa_devices WHERE account_id = $1 AND user_id = $2`,
			accountID, userID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE mfa_devices SET user_id = $1, enabled_at = $2, last_step = $3, drift_steps = $4,
			failures = 0, blocked_until = 0
			WHERE account_id = $5 AND serial = $6 AND user_id IS NULL AND last_step < $3 AND blocked_until <= $2`,
			userID, ms(now), step, drift, accountID, serial)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return iam.ErrStale
		}
		return nil
	})
}

// AcceptMFACode is the single-use compare-and-set: one statement, no read.
func (s *Store) AcceptMFACode(ctx context.Context, accountID, serial, userID string, step, drift int64, now time.Time) error {
	res, err := s.exec(ctx, `UPDATE mfa_devices SET last_step = $1, drift_steps = $2, failures = 0, blocked_until = 0
		WHERE account_id = $3 AND serial = $4 AND user_id = $5 AND last_step < $1 AND blocked_until <= $6`,
		step, drift, accountID, serial, userID, ms(now))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return iam.ErrStale
	}
	return nil
}

// RecordMFAFailure counts a failed check and sets the back-off.
func (s *Store) RecordMFAFailure(ctx context.Context, accountID, serial string, now time.Time, backoff func(int) time.Duration) (int, error) {
	var failures int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE mfa_devices SET failures = failures + 1 WHERE account_id = $1 AND serial = $2
			RETURNING failures`, accountID, serial).Scan(&failures)
		if errors.Is(err, sql.ErrNoRows) {
			return iam.ErrNotFound
		}
		if err != nil {
			return err
		}
		if d := backoff(failures); d > 0 {
			_, err = tx.ExecContext(ctx, `UPDATE mfa_devices SET blocked_until = $1 WHERE account_id = $2 AND serial = $3`,
				ms(now.Add(d)), accountID, serial)
		}
		return err
	})
	return failures, err
}

// DeactivateMFADevice unassigns a device from a user.
func (s *Store) DeactivateMFADevice(ctx context.Context, accountID, serial, userID string) error {
	return s.writeOne(ctx, accountID, `UPDATE mfa_devices SET user_id = NULL, enabled_at = 0, failures = 0, blocked_until = 0
		WHERE account_id = $1 AND serial = $2 AND user_id = $3`, accountID, serial, userID)
}

// DeleteMFADevice deletes an unassigned virtual device.
func (s *Store) DeleteMFADevice(ctx context.Context, accountID, serial string) error {
	return s.deleteDevice(ctx, accountID, serial, iam.DeviceVirtual)
}

func (s *Store) deleteDevice(ctx context.Context, accountID, serial, kind string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		var owner sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT user_id FROM mfa_devices WHERE account_id = $1 AND serial = $2 AND kind = $3`,
			accountID, serial, kind).Scan(&owner)
		if errors.Is(err, sql.ErrNoRows) {
			return iam.ErrNotFound
		}
		if err != nil {
			return err
		}
		if owner.Valid {
			return &iam.ConflictError{What: "user"}
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM mfa_devices WHERE account_id = $1 AND serial = $2`, accountID, serial)
		return err
	})
}

var _ iam.Store = (*Store)(nil)
