package quotas

import (
	"strings"

	"github.com/iamd/iamd/internal/iam"
)

// ServiceCode and ServiceName are how Service Quotas names IAM.
const (
	ServiceCode = "iam"
	ServiceName = "AWS Identity and Access Management (IAM)"
)

// Region is the region of every IAM quota's ARN: IAM is a global service,
// and AWS serves its quotas from us-east-1.
const Region = "us-east-1"

// Quota is one IAM quota: a row of the table.
type Quota struct {
	// Key is the quota's GetAccountSummary key, such as "UsersQuota"; it is
	// also the name stored per account and the NAME of "iamd quota set".
	Key string
	// Code is the Service Quotas quota code: AWS's own ("L-F55AF5E4") where
	// AWS lists the quota in Service Quotas and the code could be
	// confirmed, else an iamd code, "iamd-" and the key without "Quota".
	Code string
	// Name is the quota's name in Service Quotas (QuotaName).
	Name string
	// Description says what the quota limits (at most 350 characters).
	Description string
	// LimitName is the quota's name in IAM's LimitExceeded message "Cannot
	// exceed quota for <LimitName>: <n>"; "" when IAM words the refusal
	// otherwise (Message) or iamd has no such entities yet.
	LimitName string
	// Message is the refusal when it is not the "Cannot exceed quota"
	// pattern: AWS's own wording, with N for the quota.
	Message string
	// UsageKey is the GetAccountSummary key of what the quota limits, for
	// quotas on the account as a whole; "" for per-entity quotas.
	UsageKey string
	// Max is a hard maximum no request or operator can exceed; 0 means
	// none.
	Max int
}

// Default returns the quota's value in a new account.
func (q Quota) Default() int {
	v, _ := iam.DefaultQuota(q.Key)
	return v
}

// AWSCode tells whether Code is AWS's own quota code.
func (q Quota) AWSCode() bool { return strings.HasPrefix(q.Code, "L-") }

// ARN returns the quota's ARN in an account, as Service Quotas writes it
// for a global quota.
func (q Quota) ARN(accountID string) string { return ARN(accountID, q.Code) }

// ARN returns the ARN of the IAM quota with code in an account.
func ARN(accountID, code string) string {
	return "arn:aws:servicequotas:" + Region + ":" + accountID + ":" + ServiceCode + "/" + code
}

// table is every IAM quota iamd knows, in the order Service Quotas lists
// them: those with AWS codes first. Defaults live in iam (DefaultQuota),
// which enforces them; TestTable checks that the two name the same keys.
//
// AWS codes were confirmed in public Service Quotas listings; quotas that
// AWS does not list in Service Quotas, or whose code could not be
// confirmed, have iamd codes. Every quota can be raised in iamd, whatever
// AWS's adjustability; only MFADevicesPerUserQuota has a hard maximum, AWS's
// limit of 8 MFA devices per identity.
var table = []Quota{
	{Key: iam.QuotaUsers, Code: "L-F55AF5E4", Name: "Users per account", LimitName: "UsersPerAccount", UsageKey: "Users",
		Description: "The maximum number of IAM users in the account. It also limits the virtual MFA devices (assigned and unassigned) in the account."},
	{Key: iam.QuotaGroups, Code: "L-F4A5425F", Name: "Groups per account", LimitName: "GroupsPerAccount", UsageKey: "Groups",
		Description: "The maximum number of IAM groups in the account."},
	{Key: iam.QuotaRoles, Code: "L-FE177D64", Name: "Roles per account", LimitName: "RolesPerAccount", UsageKey: "Roles",
		Description: "The maximum number of IAM roles in the account."},
	{Key: iam.QuotaPolicies, Code: "L-E95E4862", Name: "Customer managed policies per account", LimitName: "PoliciesPerAccount", UsageKey: "Policies",
		Description: "The maximum number of customer managed policies in the account."},
	{Key: "InstanceProfilesQuota", Code: "L-6E65F664", Name: "Instance profiles per account", UsageKey: "InstanceProfiles",
		Description: "The maximum number of instance profiles in the account (iamd has no instance profiles yet)."},
	{Key: "ServerCertificatesQuota", Code: "L-BF35879D", Name: "Server certificates per account", UsageKey: "ServerCertificates",
		Description: "The maximum number of server certificates in the account (iamd has no server certificates yet)."},
	{Key: iam.QuotaAttachedPoliciesPerUser, Code: "L-4019AD8B", Name: "Managed policies per user", LimitName: "PoliciesPerUser",
		Description: "The maximum number of managed policies attached to one IAM user."},
	{Key: iam.QuotaAttachedPoliciesPerGroup, Code: "L-384571C4", Name: "Managed policies per group", LimitName: "PoliciesPerGroup",
		Description: "The maximum number of managed policies attached to one IAM group."},
	{Key: iam.QuotaAttachedPoliciesPerRole, Code: "L-0DA4ABF3", Name: "Managed policies per role", LimitName: "PoliciesPerRole",
		Description: "The maximum number of managed policies attached to one IAM role."},
	{Key: iam.QuotaAssumeRolePolicySize, Code: "L-C07B4B0D", Name: "Role trust policy length", LimitName: "ACLSizePerRole",
		Description: "The maximum length of a role's trust policy, in characters not counting white space."},

	{Key: iam.QuotaAccessKeysPerUser, Code: "iamd-AccessKeysPerUser", Name: "Access keys per user", LimitName: "AccessKeysPerUser",
		Description: "The maximum number of access keys of one IAM user or the root user."},
	{Key: iam.QuotaMFADevicesPerUser, Code: "iamd-MFADevicesPerUser", Name: "MFA devices per user", LimitName: "MFADevicesPerUser",
		Max:         iam.MaxMFADevicesPerUser,
		Description: "The maximum number of MFA devices in use by one IAM user or the root user. iamd's default is 1; AWS's limit, 8, is the most it can be."},
	{Key: iam.QuotaGroupsPerUser, Code: "iamd-GroupsPerUser", Name: "Groups per user", LimitName: "GroupsPerUser",
		Description: "The maximum number of IAM groups one IAM user can be in."},
	{Key: "SigningCertificatesPerUserQuota", Code: "iamd-SigningCertificatesPerUser", Name: "Signing certificates per user",
		Description: "The maximum number of signing certificates of one IAM user (iamd has no signing certificates yet)."},
	{Key: iam.QuotaPolicySize, Code: "iamd-PolicySize", Name: "Managed policy length", LimitName: "PolicySize",
		Description: "The maximum length of a managed policy document, in characters not counting white space."},
	{Key: iam.QuotaVersionsPerPolicy, Code: "iamd-VersionsPerPolicy", Name: "Versions per managed policy",
		Message:     "A managed policy can have up to N versions. Before you create a new version, you must delete an existing version.",
		Description: "The maximum number of stored versions of one customer managed policy."},
	{Key: iam.QuotaUserPolicySize, Code: "iamd-UserPolicySize", Name: "User inline policy length",
		Message:     "Maximum policy size of N bytes exceeded for user NAME",
		Description: "The maximum total length of one IAM user's inline policies, in characters not counting white space."},
	{Key: iam.QuotaGroupPolicySize, Code: "iamd-GroupPolicySize", Name: "Group inline policy length",
		Message:     "Maximum policy size of N bytes exceeded for group NAME",
		Description: "The maximum total length of one IAM group's inline policies, in characters not counting white space."},
	{Key: iam.QuotaRolePolicySize, Code: "iamd-RolePolicySize", Name: "Role inline policy length",
		Message:     "Maximum policy size of N bytes exceeded for role NAME",
		Description: "The maximum total length of one IAM role's inline policies, in characters not counting white space."},
	{Key: iam.QuotaPolicyVersionsInUse, Code: "iamd-PolicyVersionsInUse", Name: "Managed policy attachments per account",
		LimitName: "PolicyVersionsInUse", UsageKey: "PolicyVersionsInUse",
		Description: "The maximum number of managed policy attachments to the account's users, groups and roles."},
}

// Table returns every IAM quota, in Service Quotas' order.
func Table() []Quota { return append([]Quota(nil), table...) }

// ByKey finds a quota by its GetAccountSummary key, ignoring case.
func ByKey(key string) (Quota, bool) {
	for _, q := range table {
		if strings.EqualFold(q.Key, key) {
			return q, true
		}
	}
	return Quota{}, false
}

// ByCode finds a quota by its quota code (exactly, as Service Quotas
// does).
func ByCode(code string) (Quota, bool) {
	for _, q := range table {
		if q.Code == code {
			return q, true
		}
	}
	return Quota{}, false
}

// Lookup finds a quota by its key or its code, for operators who may type
// either.
func Lookup(name string) (Quota, bool) {
	if q, ok := ByCode(name); ok {
		return q, true
	}
	return ByKey(name)
}
