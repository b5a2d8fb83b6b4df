package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/iamd/iamd/internal/iam"
)

// BulkUser is one user of a bulk load with, optionally, an access key and
// an MFA device. Device is a virtual TOTP device already assigned to the
// user: Device.UserID and EnabledAt set, LastStep usually 0.
type BulkUser struct {
	User   iam.User
	Key    *iam.AccessKey
	Device *iam.MFADevice
}

// maxBulkParams caps the bound parameters of one multi-row INSERT, well
// under SQLite's limit (32766) and PostgreSQL's (65535).
const maxBulkParams = 8000

// BulkCreateUsers writes users, their keys and their devices into an
// account in one transaction: all of them or, on any error, none. A name,
// key id or serial that exists already, or comes twice in users, is
// iam.ErrExists; an account that does not exist is iam.ErrNotFound.
//
// It is the operator's bulk path (iamd bench seed) and deliberately checks
// no per-account quota: not the users quota, nor access keys or MFA
// devices per user. Rows are written exactly as CreateUser,
// CreateAccessKey, CreateMFADevice and EnableMFADevice write them (same
// columns, sealed secrets, sorted tags), with multi-row INSERTs. The
// account's generation is bumped, so every node's cache drops the account.
func (s *Store) BulkCreateUsers(ctx context.Context, accountID string, users []BulkUser) error {
	if len(users) == 0 {
		return nil
	}
	for i := range users {
		b := &users[i]
		if b.User.AccountID != accountID || b.User.Root ||
			(b.Key != nil && (b.Key.AccountID != accountID || b.Key.UserID != b.User.ID)) ||
			(b.Device != nil && (b.Device.AccountID != accountID || b.Device.UserID != b.User.ID)) {
			return fmt.Errorf("store: bulk user %q: user, key and device must be of account %s and of the user, and not root",
				b.User.Name, accountID)
		}
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, accountID); err != nil {
			if errors.Is(err, errNoAccount) {
				return iam.ErrNotFound
			}
			return err
		}
		// SQLite: the tables' random keys (user ids, key ids) put each row
		// of a batch on another page, so a load of many batches touches far
		// more pages than the 2 MiB default page cache holds, and every
		// multi-row INSERT keeps a statement journal of the pages it
		// changes, in a temporary file by default. For the connection this
		// transaction holds: a page cache of up to 256 MiB, the statement
		// journal in memory, and a checkpoint every 64 MiB of WAL instead of
		// every 4 MiB, so that pages rewritten by successive batches are
		// copied back once. Profiled on 100,000 users: 5,500 users/s
		// without these, 9,000–10,000 with.
		if s.engine == "sqlite" {
			for _, p := range []string{`PRAGMA cache_size = -262144`, `PRAGMA temp_store = MEMORY`, `PRAGMA wal_autocheckpoint = 16384`} {
				if _, err := tx.ExecContext(ctx, p); err != nil {
					return err
				}
			}
		}
		// As insertUser.
		err := s.bulkInsert(ctx, tx, `users (id, account_id, name, name_key, path, is_root, created_at, tags)`, 8, len(users),
			func(i int, args []any) []any {
				u := &users[i].User
				return append(args, u.ID, u.AccountID, u.Name, strings.ToLower(u.Name), u.Path, boolInt(u.Root), ms(u.CreatedAt),
					encodeTags(mergeTags(nil, u.Tags, true)))
			})
		if err != nil {
			return err
		}
		var keys []*iam.AccessKey
		var devices []*iam.MFADevice
		for i := range users {
			if users[i].Key != nil {
				keys = append(keys, users[i].Key)
			}
			if users[i].Device != nil {
				devices = append(devices, users[i].Device)
			}
		}
		// As insertAccessKey.
		err = s.bulkInsert(ctx, tx, `access_keys (id, account_id, user_id, secret, status, created_at)`, 6, len(keys),
			func(i int, args []any) []any {
				k := keys[i]
				sealed := s.sealer.Seal([]byte(k.Secret), "access-key", k.AccountID, k.ID)
				return append(args, k.ID, k.AccountID, k.UserID, sealed, k.Status, ms(k.CreatedAt))
			})
		if err != nil {
			return err
		}
		// As insertDevice, with the assignment EnableMFADevice writes.
		return s.bulkInsert(ctx, tx, `mfa_devices (serial, account_id, kind, path, name, secret, digits, period, created_at,
			last_step, otp_type, hash, time0, tags, user_id, enabled_at, drift_steps)`, 17, len(devices),
			func(i int, args []any) []any {
				d := devices[i]
				sealed := s.sealer.Seal(d.Secret, "mfa-seed", d.AccountID, d.Serial)
				otpType, hash := d.OTPType, d.Hash
				if otpType == "" {
					otpType = iam.OTPTypeTOTP
				}
				if hash == "" {
					hash = "SHA1"
				}
				return append(args, d.Serial, d.AccountID, d.Kind, d.Path, d.Name, sealed, d.Digits, d.Period, ms(d.CreatedAt),
					d.LastStep, otpType, hash, d.Time0, encodeTags(mergeTags(nil, d.Tags, false)), d.UserID, ms(d.EnabledAt), d.DriftSteps)
			})
	})
}

// bulkInsert inserts n rows of cols columns into table (with its column
// list) with as few statements as the parameter cap allows; row appends
// row i's values to args. A unique violation is iam.ErrExists.
//
// SQLite gets anonymous "?" parameters: it keeps "$N" (and "?N") in a list
// it searches linearly for each one, when parsing and again when the
// driver asks each parameter's name, which made a statement of 8,000
// parameters cost most of a second (profiled: 1,100 users/s).
func (s *Store) bulkInsert(ctx context.Context, tx *sql.Tx, table string, cols, n int, row func(i int, args []any) []any) error {
	per := maxBulkParams / cols
	var q strings.Builder
	args := make([]any, 0, min(n, per)*cols)
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		q.Reset()
		args = args[:0]
		q.WriteString("INSERT INTO ")
		q.WriteString(table)
		q.WriteString(" VALUES ")
		p := 1
		for i := start; i < end; i++ {
			if i > start {
				q.WriteByte(',')
			}
			q.WriteByte('(')
			for c := range cols {
				if c > 0 {
					q.WriteByte(',')
				}
				if s.engine == "sqlite" {
					q.WriteByte('?')
				} else {
					q.WriteByte('$')
					q.WriteString(strconv.Itoa(p))
				}
				p++
			}
			q.WriteByte(')')
			args = row(i, args)
		}
		if len(args) != (end-start)*cols {
			return fmt.Errorf("store: bulk insert into %s: %d values for %d rows of %d columns", table, len(args), end-start, cols)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			if isUnique(err) {
				return iam.ErrExists
			}
			return err
		}
	}
	return nil
}
