// Package iam is iamd's identity domain: accounts, root and IAM users, access
// keys, login profiles, MFA devices and quotas. It declares the Store it needs
// and returns awserr errors; it knows nothing of HTTP or SQL.
package iam

import (
	"github.com/iamd/iamd/internal/authz"
	"sort"
	"time"
)

// Account is one isolated AWS-style account.
type Account struct {
	ID        string // 12 digits
	Email     string // root user's sign-in email
	Alias     string // "" when none; replaces the id in new QR labels
	CreatedAt time.Time
}

// User is the root user or an IAM user. The root user's ID is the account
// id, its Name is RootUserName and its ARN ends in ":root".
type User struct {
	AccountID        string
	ID               string // AIDA… for IAM users
	Name             string
	Path             string
	Root             bool
	CreatedAt        time.Time
	PasswordLastUsed time.Time // zero when never
	// Tags are an IAM user's tags, sorted by key; loaded when the user is
	// read alone (not in lists).
	Tags []Tag
}

// RootUserName is the root user's name in the store and in credential
// reports. It is not a valid IAM user name, so it never collides with one.
const RootUserName = "<root_account>"

// ARN returns the user's ARN.
func (u *User) ARN() string {
	if u.Root {
		return "arn:aws:iam::" + u.AccountID + ":root"
	}
	return "arn:aws:iam::" + u.AccountID + ":user" + u.Path + u.Name
}

// Role is an IAM role.
type Role struct {
	AccountID          string
	ID                 string // AROA…
	Name               string
	Path               string
	Description        string
	AssumeRolePolicy   string // the trust policy document
	MaxSessionDuration int    // seconds, 3600..43200
	CreatedAt          time.Time
	Tags               []Tag
	// TrustPins are the unique ids that the user and role ARNs of the trust
	// policy named when it was written: a principal deleted and created
	// again under the same ARN is another principal, and is not trusted.
	TrustPins []TrustPin
}

// TrustPin is the unique id a trust policy's principal ARN had when the
// policy was written.
type TrustPin struct {
	ARN string
	ID  string
}

// ARN returns the role's ARN.
func (r *Role) ARN() string { return "arn:aws:iam::" + r.AccountID + ":role" + r.Path + r.Name }

// Tag is a key and value on an IAM resource. It is authz's Tag, so that
// resource, request and principal tags reach policies as they are.
type Tag = authz.Tag

// Access key statuses.
const (
	KeyActive   = "Active"
	KeyInactive = "Inactive"
)

// AccessKey is a long-term access key. Secret is the plaintext secret; the
// store seals it at rest.
type AccessKey struct {
	ID        string // AKIA…
	AccountID string
	UserID    string
	Secret    string
	Status    string
	CreatedAt time.Time
}

// LoginProfile is a user's console password.
type LoginProfile struct {
	UserID                string
	PasswordHash          string // argon2id, PHC string format
	PasswordResetRequired bool
	CreatedAt             time.Time
}

// Device kinds.
const (
	DeviceVirtual  = "virtual"
	DeviceHardware = "hardware"
)

// OTP types of a device.
const (
	OTPTypeTOTP = "totp"
	OTPTypeHOTP = "hotp"
)

// MFADevice is a virtual or hardware OATH device and its verification state.
// Secret is the plaintext seed; the store seals it at rest.
type MFADevice struct {
	Serial    string
	AccountID string
	Kind      string
	Path      string // virtual devices
	Name      string // virtual devices
	Secret    []byte
	Digits    int
	Period    int // seconds; TOTP only
	// OTPType is "totp" (every virtual device) or "hotp" (some hardware
	// tokens); Hash is the HMAC hash ("SHA1", "SHA256", "SHA512"); Time0 is
	// the TOTP epoch T0 in Unix seconds.
	OTPType   string
	Hash      string
	Time0     int64
	CreatedAt time.Time
	// Tags are written with a new virtual device (CreateVirtualMFADevice's
	// Tags); they are read with MFADeviceTags.
	Tags []Tag

	UserID    string // "" when unassigned
	EnabledAt time.Time

	// LastStep is the highest time step (TOTP) or counter value (HOTP)
	// accepted so far; any code at or before it is refused. It survives deactivation so a device that is
	// enabled again cannot accept an old code.
	LastStep int64
	// DriftSteps is the device clock's offset from the server's, in steps,
	// learned at enable/resync and at each accepted code.
	DriftSteps int64
	// Failures counts consecutive failed code checks; BlockedUntil is when
	// the device accepts attempts again.
	Failures     int
	BlockedUntil time.Time
}

// Assigned tells whether the device serves an identity now.
func (d *MFADevice) Assigned() bool { return d.UserID != "" }

// DeviceWithUser is a device listed with the identity it serves.
type DeviceWithUser struct {
	Device MFADevice
	User   *User // nil when unassigned
}

// Page asks for one page of a list.
type Page struct {
	Marker   string // "" for the first page
	MaxItems int
}

// Quota names, as GetAccountSummary reports them.
const (
	QuotaUsers             = "UsersQuota"
	QuotaAccessKeysPerUser = "AccessKeysPerUserQuota"
	QuotaMFADevicesPerUser = "MFADevicesPerUserQuota"
)

// MaxMFADevicesPerUser is AWS's hard limit of MFA devices in use per identity.
const MaxMFADevicesPerUser = 8

// defaultQuotas are the quotas of a new account (reference §3.3 and §5).
// Read it only through DefaultQuota.
var defaultQuotas = map[string]int{
	QuotaUsers:                        5000,
	QuotaAccessKeysPerUser:            2,
	QuotaMFADevicesPerUser:            1,
	"GroupsQuota":                     300,
	"RolesQuota":                      1000,
	"PoliciesQuota":                   1500,
	"InstanceProfilesQuota":           1000,
	"ServerCertificatesQuota":         20,
	"SigningCertificatesPerUserQuota": 2,
	"GroupsPerUserQuota":              10,
	"AttachedPoliciesPerUserQuota":    10,
	"AttachedPoliciesPerGroupQuota":   10,
	"AttachedPoliciesPerRoleQuota":    10,
	"UserPolicySizeQuota":             2048,
	"GroupPolicySizeQuota":            5120,
	"RolePolicySizeQuota":             10240,
	"PolicySizeQuota":                 6144,
	"AssumeRolePolicySizeQuota":       2048,
	"VersionsPerPolicyQuota":          5,
	"PolicyVersionsInUseQuota":        10000,
}

// DefaultQuota returns the default value of a quota by its summary key.
func DefaultQuota(name string) (int, bool) {
	v, ok := defaultQuotas[name]
	return v, ok
}

// QuotaNames lists every quota key with a default, sorted.
func QuotaNames() []string {
	names := make([]string, 0, len(defaultQuotas))
	for k := range defaultQuotas {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Usage is what GetAccountSummary counts from the store.
type Usage struct {
	Users, Roles, MFADevices, MFADevicesInUse int
	RootMFADevices                            int
	RootAccessKeys                            int
	RootPassword                              bool
}
