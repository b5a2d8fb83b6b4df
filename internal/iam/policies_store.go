package iam

import (
	"context"
	"time"
)

// PolicyStore persists groups, managed policies and their versions, inline
// policies and attachments (tables of migration 00002). AWS managed
// policies are rows of the pseudo-account AWSAccount, visible to every
// account; every other row belongs to one account. Group and policy names
// are unique per account case-insensitively.
//
// Conflicts are *ConflictError with What "users" (a group's members),
// "groups" (a user's memberships), "inline policies", "managed policies",
// "attachments" (a policy's), "versions" (a policy's non-default ones) or
// "default version".
type PolicyStore interface {
	// CreateGroup fails with ErrExists when the name is taken and ErrLimit
	// when the account already has maxGroups groups.
	CreateGroup(ctx context.Context, g *Group, maxGroups int) error
	GroupByName(ctx context.Context, accountID, name string) (*Group, error)
	// ListGroups lists groups by name; next is "" on the last page.
	ListGroups(ctx context.Context, accountID, pathPrefix string, page Page) (groups []Group, next string, err error)
	// UpdateGroup renames and/or moves a group (ErrExists when newName is
	// taken by another group).
	UpdateGroup(ctx context.Context, accountID, groupID, newName, newPath string) error
	// DeleteGroup fails with *ConflictError while the group has members,
	// inline policies or attached policies.
	DeleteGroup(ctx context.Context, accountID, groupID string) error
	// AddUserToGroup adds a membership; adding an existing one does nothing.
	// ErrLimit when the user is already in maxGroupsPerUser groups.
	AddUserToGroup(ctx context.Context, accountID, groupID, userID string, maxGroupsPerUser int) error
	// RemoveUserFromGroup fails with ErrNotFound when the user is not a
	// member.
	RemoveUserFromGroup(ctx context.Context, accountID, groupID, userID string) error
	// GroupMembers lists a group's users by name.
	GroupMembers(ctx context.Context, accountID, groupID string, page Page) (users []User, next string, err error)
	// GroupsForUser lists the groups a user is in, by name.
	GroupsForUser(ctx context.Context, accountID, userID string, page Page) (groups []Group, next string, err error)

	// CreatePolicy stores a customer managed policy with document as its
	// default version v1. ErrExists when the name is taken, ErrLimit when
	// the account has maxPolicies customer managed policies.
	CreatePolicy(ctx context.Context, p *ManagedPolicy, document string, maxPolicies int) error
	// Policy returns a managed policy of the account, or an AWS managed
	// one, with the account's attachment count; ErrNotFound otherwise.
	Policy(ctx context.Context, accountID, arn string) (*ManagedPolicy, error)
	// ListPolicies lists managed policies by name, then ARN.
	ListPolicies(ctx context.Context, accountID string, f PolicyFilter, page Page) (policies []ManagedPolicy, next string, err error)
	// DeletePolicy deletes a customer managed policy with its default
	// version: *ConflictError while it is attached ("attachments") or has
	// other versions ("versions").
	DeletePolicy(ctx context.Context, accountID, arn string) error
	// CreatePolicyVersion adds the next version of a customer managed
	// policy, as its default when setDefault. ErrLimit when it has
	// maxVersions versions already.
	CreatePolicyVersion(ctx context.Context, accountID, arn, document string, setDefault bool, now time.Time, maxVersions int) (*PolicyVersion, error)
	// PolicyVersion returns one version of a visible policy.
	PolicyVersion(ctx context.Context, accountID, arn, versionID string) (*PolicyVersion, error)
	// ListPolicyVersions lists a policy's versions, newest first, without
	// documents.
	ListPolicyVersions(ctx context.Context, accountID, arn string, page Page) (versions []PolicyVersion, next string, err error)
	// SetDefaultPolicyVersion makes an existing version the default.
	SetDefaultPolicyVersion(ctx context.Context, accountID, arn, versionID string) error
	// DeletePolicyVersion deletes a version that is not the default
	// (*ConflictError "default version" otherwise).
	DeletePolicyVersion(ctx context.Context, accountID, arn, versionID string) error

	// PutInlinePolicy creates or replaces an entity's inline policy. It
	// fails with ErrLimit when the sizes (as size counts them) of the
	// entity's inline policies, with this one, would exceed maxTotalSize.
	PutInlinePolicy(ctx context.Context, accountID string, e Entity, name, document string, size func(string) int, maxTotalSize int) error
	// InlinePolicy returns the document of an entity's inline policy.
	InlinePolicy(ctx context.Context, accountID string, e Entity, name string) (string, error)
	DeleteInlinePolicy(ctx context.Context, accountID string, e Entity, name string) error
	// ListInlinePolicies lists the names of an entity's inline policies.
	ListInlinePolicies(ctx context.Context, accountID string, e Entity, page Page) (names []string, next string, err error)

	// AttachPolicy attaches a visible managed policy to an entity;
	// attaching it again does nothing. ErrNotFound when there is no such
	// policy, ErrLimit when the entity has maxAttached policies already.
	AttachPolicy(ctx context.Context, accountID string, e Entity, arn string, maxAttached int) error
	// DetachPolicy fails with ErrNotFound when the policy is not attached.
	DetachPolicy(ctx context.Context, accountID string, e Entity, arn string) error
	// ListAttachedPolicies lists the policies attached to an entity whose
	// path starts with pathPrefix, by name then ARN.
	ListAttachedPolicies(ctx context.Context, accountID string, e Entity, pathPrefix string, page Page) (policies []AttachedPolicy, next string, err error)
	// ListEntitiesForPolicy lists the account's groups, roles and users
	// (in that order, each by name) that a policy is attached to; kinds
	// empty means all three.
	ListEntitiesForPolicy(ctx context.Context, accountID, arn string, kinds []EntityKind, pathPrefix string, page Page) (entities []PolicyEntity, next string, err error)

	// IdentityPolicies returns every policy that applies to an IAM user:
	// its inline policies, the default versions of its attached managed
	// policies, and the same for each group it is in. A managed policy
	// reached twice is returned once.
	IdentityPolicies(ctx context.Context, accountID, userID string) ([]PolicyDocument, error)
	// RolePolicies returns a role's inline policies and the default
	// versions of its attached managed policies.
	RolePolicies(ctx context.Context, accountID, roleID string) ([]PolicyDocument, error)
	// ManagedPolicyDocuments returns the default versions of the given
	// managed policies (the account's or AWS's), in the order asked. An
	// unknown ARN fails the call with a *PolicyNotFoundError.
	ManagedPolicyDocuments(ctx context.Context, accountID string, arns []string) ([]PolicyDocument, error)

	// PolicyUsage counts what GetAccountSummary reports of groups and
	// policies.
	PolicyUsage(ctx context.Context, accountID string) (*PolicyUsage, error)
}

// PolicyNotFoundError names a managed policy ARN that does not exist or is
// not visible to the account. It matches ErrNotFound with errors.Is.
type PolicyNotFoundError struct {
	ARN string
}

func (e *PolicyNotFoundError) Error() string { return "iam store: no managed policy " + e.ARN }

// Is makes errors.Is(err, ErrNotFound) true.
func (e *PolicyNotFoundError) Is(target error) bool { return target == ErrNotFound }
