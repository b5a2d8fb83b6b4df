package iam

import (
	"context"
	"time"
)

// GovernanceStore persists what account governance needs (tables and
// columns of migration 00005): the password policy and users' password
// history, user and MFA device tags, access keys' last use, credential
// reports and the account alias. User tags come back in User.Tags from
// UserByName, UserByID and AccessKey; lists of users leave them out, as AWS
// does.
type GovernanceStore interface {
	// PasswordPolicy returns the account's password policy; ErrNotFound
	// when it has none.
	PasswordPolicy(ctx context.Context, accountID string) (*PasswordPolicy, error)
	// PutPasswordPolicy sets or replaces the account's password policy.
	PutPasswordPolicy(ctx context.Context, accountID string, pp *PasswordPolicy) error
	// DeletePasswordPolicy removes it; ErrNotFound when there is none.
	DeletePasswordPolicy(ctx context.Context, accountID string) error
	// PasswordHistory returns up to n of a user's previous password hashes,
	// newest first (the current one is in the login profile, not here).
	PasswordHistory(ctx context.Context, accountID, userID string, n int) ([]string, error)
	// SetPassword replaces a user's password hash and reset flag and
	// records at as the time it changed, in one transaction: the replaced
	// hash joins the history, of which the newest keepHistory stay (0:
	// none). ErrNotFound when the user has no login profile.
	SetPassword(ctx context.Context, accountID, userID, hash string, resetRequired bool, at time.Time, keepHistory int) error
	// PasswordChangedAt returns when the user's current password was set
	// (the login profile's creation when it never changed); ErrNotFound
	// when the user has no login profile.
	PasswordChangedAt(ctx context.Context, accountID, userID string) (time.Time, error)

	// UpdateUser renames and/or moves an IAM user: ErrExists when newName
	// is another user's (ignoring case), ErrNotFound when the user is gone.
	// Everything else about the user (keys, devices, policies, groups)
	// follows its id and stays.
	UpdateUser(ctx context.Context, accountID, userID, newName, newPath string) error
	// TagUser adds tags or replaces the values of keys the user has,
	// ignoring case; ErrLimit, leaving the user unchanged, when it would
	// have more than maxTags tags.
	TagUser(ctx context.Context, accountID, userID string, tags []Tag, maxTags int) error
	// UntagUser removes tags by key, ignoring case; absent keys are ignored.
	UntagUser(ctx context.Context, accountID, userID string, keys []string) error

	// MFADeviceTags returns a virtual device's tags sorted by key;
	// ErrNotFound when there is no such virtual device.
	MFADeviceTags(ctx context.Context, accountID, serial string) ([]Tag, error)
	// TagMFADevice and UntagMFADevice are TagUser and UntagUser for a
	// virtual device, with case-sensitive keys.
	TagMFADevice(ctx context.Context, accountID, serial string, tags []Tag, maxTags int) error
	UntagMFADevice(ctx context.Context, accountID, serial string, keys []string) error

	// RecordAccessKeyUses stores when, where and with which service keys
	// were last used; a use older than the one stored is ignored, as are
	// keys that are gone.
	RecordAccessKeyUses(ctx context.Context, uses []AccessKeyUse) error
	// AccessKeyLastUsed returns a key's last recorded use (zero At when
	// never); ErrNotFound when there is no such key.
	AccessKeyLastUsed(ctx context.Context, keyID string) (AccessKeyUse, error)

	// CredentialReportData returns the root user and every IAM user of the
	// account (root first, then by name) with their credentials' state.
	CredentialReportData(ctx context.Context, accountID string) ([]UserCredentials, error)
	// PutCredentialReport stores the account's report, replacing any.
	PutCredentialReport(ctx context.Context, accountID string, r *CredentialReport) error
	// CredentialReport returns the stored report; ErrNotFound when none.
	CredentialReport(ctx context.Context, accountID string) (*CredentialReport, error)

	// SetAccountAlias sets the account's alias, replacing any: ErrExists
	// when another account has it.
	SetAccountAlias(ctx context.Context, accountID, alias string) error
	// DeleteAccountAlias removes the alias if it is the account's;
	// ErrNotFound otherwise.
	DeleteAccountAlias(ctx context.Context, accountID, alias string) error
}

// AccessKeyUse is one use of an access key: when, with which service (the
// SigV4 scope's, e.g. "iam") and in which region.
type AccessKeyUse struct {
	KeyID   string
	At      time.Time
	Service string
	Region  string
}

// UserCredentials is the state of one identity's credentials, as a
// credential report shows it.
type UserCredentials struct {
	User User
	// HasPassword tells whether the user has a login profile, and
	// PasswordChangedAt when its password was set.
	HasPassword       bool
	PasswordChangedAt time.Time
	// MFADevices counts the devices in use by the identity.
	MFADevices int
	// AccessKeys are the identity's keys, oldest first, without secrets.
	AccessKeys []AccessKeyInfo
}

// AccessKeyInfo is an access key's metadata and last use.
type AccessKeyInfo struct {
	ID        string
	Status    string
	CreatedAt time.Time
	LastUsed  AccessKeyUse // zero At when never used
}

// CredentialReport is a generated credential report: CSV in AWS's format.
type CredentialReport struct {
	GeneratedAt time.Time
	Content     []byte
}
