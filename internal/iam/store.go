package iam

import (
	"context"
	"errors"
	"github.com/iamd/iamd/internal/mfa"
	"time"
)

// Errors a Store returns. The domain turns them into AWS errors with the
// message that fits the operation.
var (
	ErrNotFound = errors.New("iam store: not found")
	ErrExists   = errors.New("iam store: already exists")
	ErrLimit    = errors.New("iam store: quota reached")
	// ErrStale means a code's step is at or before the device's last used
	// step (a replay, or a concurrent request that won), or the device is
	// blocked by throttling, or it no longer serves the identity; or, for
	// quota requests, that the request was decided already. It is mfa's
	// error, so that one store answers both.
	ErrStale = mfa.ErrStale
	// ErrInvalidMarker is returned for a pagination marker the store did
	// not make.
	ErrInvalidMarker = errors.New("iam store: invalid pagination marker")
)

// ConflictError is returned when an entity cannot be deleted or changed
// while it still has dependents (a user's keys, a group's members, an
// assigned device); What names the first kind found.
type ConflictError struct {
	What string // "login profile", "access keys", "MFA device"
}

func (e *ConflictError) Error() string { return "iam store: user still has " + e.What }

// DuplicateSerialError names a device serial that exists already.
type DuplicateSerialError struct{ Serial string }

func (e *DuplicateSerialError) Error() string {
	return "a device with serial " + e.Serial + " exists already"
}

// Store is the persistence iam needs. Every method is atomic: a call that
// fails leaves nothing written. Quota checks run in the same transaction as
// the write they guard. Implementations seal secrets at rest.
type Store interface {
	PolicyStore
	RoleStore
	GovernanceStore
	// mfa.Store is the device state codes are checked against:
	// AcceptMFACode, RecordMFAFailure and the caller throttles.
	mfa.Store

	// CreateAccount creates an account with its root user, the root
	// password hash and, when rootKey is not nil, a root access key.
	CreateAccount(ctx context.Context, a *Account, root *User, rootPasswordHash string, rootKey *AccessKey) error
	Account(ctx context.Context, id string) (*Account, error)
	Accounts(ctx context.Context) ([]Account, error)
	// Quotas returns the quotas set for the account (not the defaults).
	Quotas(ctx context.Context, accountID string) (map[string]int, error)
	SetQuota(ctx context.Context, accountID, name string, value int) error
	Usage(ctx context.Context, accountID string) (*Usage, error)

	// CreateUser fails with ErrExists when the name is taken (names are
	// unique per account case-insensitively) and ErrLimit when the account
	// already has maxUsers users.
	CreateUser(ctx context.Context, u *User, maxUsers int) error
	UserByName(ctx context.Context, accountID, name string) (*User, error)
	UserByID(ctx context.Context, accountID, id string) (*User, error)
	// ListUsers lists IAM users (not root) by name; next is "" on the last page.
	ListUsers(ctx context.Context, accountID, pathPrefix string, page Page) (users []User, next string, err error)
	// DeleteUser fails with *ConflictError while the user has a login
	// profile, access keys or MFA devices.
	DeleteUser(ctx context.Context, accountID, userID string) error

	// CreateAccessKey fails with ErrLimit when the user already has max keys.
	CreateAccessKey(ctx context.Context, k *AccessKey, max int) error
	// AccessKey finds a key in any account, with its owner.
	AccessKey(ctx context.Context, id string) (*AccessKey, *User, error)
	ListAccessKeys(ctx context.Context, accountID, userID string) ([]AccessKey, error)
	UpdateAccessKey(ctx context.Context, accountID, userID, keyID, status string) error
	DeleteAccessKey(ctx context.Context, accountID, userID, keyID string) error

	CreateLoginProfile(ctx context.Context, accountID string, lp *LoginProfile) error
	LoginProfile(ctx context.Context, accountID, userID string) (*LoginProfile, error)
	UpdateLoginProfile(ctx context.Context, accountID string, lp *LoginProfile) error
	DeleteLoginProfile(ctx context.Context, accountID, userID string) error

	// CreateMFADevice fails with ErrExists when the serial is taken and with
	// ErrLimit when the account has maxDevices virtual devices.
	CreateMFADevice(ctx context.Context, d *MFADevice, maxDevices int) error
	MFADevice(ctx context.Context, accountID, serial string) (*MFADevice, error)
	// CountMFADevices counts the devices that serve one identity.
	CountMFADevices(ctx context.Context, accountID, userID string) (int, error)
	// ListMFADevices lists the devices that serve one identity.
	ListMFADevices(ctx context.Context, accountID, userID string, page Page) (devices []MFADevice, next string, err error)
	// MFADeviceList is ListMFADevices for showing: no seed, and the
	// counters (LastStep, DriftSteps, Failures, BlockedUntil) zero. What
	// it returns changes only when a device is enabled, deactivated or
	// deleted, so a cache may keep it; code checks use MFADevice or
	// ListMFADevices, never this.
	MFADeviceList(ctx context.Context, accountID, userID string, page Page) (devices []MFADevice, next string, err error)
	// ListVirtualMFADevices lists virtual devices; assigned nil means all.
	ListVirtualMFADevices(ctx context.Context, accountID string, assigned *bool, page Page) (devices []DeviceWithUser, next string, err error)
	// EnableMFADevice assigns an unassigned device to a user and accepts
	// step as its last used step, in one conditional write: ErrExists when
	// the device is assigned, ErrLimit when the user already has
	// maxPerUser devices, ErrStale when step is not after the device's last
	// step or the device is blocked at now.
	EnableMFADevice(ctx context.Context, accountID, serial, userID string, step, drift int64, now time.Time, maxPerUser int) error
	// DeactivateMFADevice unassigns a device from userID (ErrNotFound when
	// it does not serve that user).
	DeactivateMFADevice(ctx context.Context, accountID, serial, userID string) error
	// DeleteMFADevice deletes an unassigned virtual device.
	DeleteMFADevice(ctx context.Context, accountID, serial string) error
	// ImportHardwareTokens adds unassigned hardware tokens to an account's
	// inventory, all or none: *DuplicateSerialError when a serial exists.
	ImportHardwareTokens(ctx context.Context, accountID string, tokens []MFADevice) error
	// ListHardwareTokens lists an account's hardware tokens (no secrets).
	ListHardwareTokens(ctx context.Context, accountID string) ([]DeviceWithUser, error)
	// DeleteHardwareToken removes an unassigned hardware token
	// (*ConflictError while assigned).
	DeleteHardwareToken(ctx context.Context, accountID, serial string) error

	Ping(ctx context.Context) error
	Close() error
}
