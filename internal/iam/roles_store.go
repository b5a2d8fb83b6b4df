package iam

import "context"

// RoleStore persists roles and their tags (tables of migration 00002).
// Role names are unique per account case-insensitively, and so are the tag
// keys of one role.
type RoleStore interface {
	// CreateRole creates a role with its tags. It fails with ErrExists when
	// the name is taken and ErrLimit when the account already has maxRoles
	// roles.
	CreateRole(ctx context.Context, r *Role, maxRoles int) error
	// RoleByName and RoleByID return a role with its tags, sorted by key;
	// ErrNotFound when there is none.
	RoleByName(ctx context.Context, accountID, name string) (*Role, error)
	RoleByID(ctx context.Context, accountID, id string) (*Role, error)
	// ListRoles lists roles (without tags, as AWS does) by name; next is ""
	// on the last page.
	ListRoles(ctx context.Context, accountID, pathPrefix string, page Page) (roles []Role, next string, err error)
	// UpdateRole changes the fields that are not nil. ErrNotFound when the
	// role is gone.
	UpdateRole(ctx context.Context, accountID, roleID string, description *string, maxSessionDuration *int) error
	// UpdateAssumeRolePolicy replaces the trust policy document and the
	// unique ids its principals had (see Role.TrustPins).
	UpdateAssumeRolePolicy(ctx context.Context, accountID, roleID, document string, pins []TrustPin) error
	// DeleteRole deletes a role and its tags. It fails with *ConflictError
	// while the role has inline policies (What "inline policies") or
	// attached managed policies (What "managed policies").
	DeleteRole(ctx context.Context, accountID, roleID string) error
	// TagRole adds tags or replaces the values of existing keys; ErrLimit
	// when the role would have more than maxTags tags, leaving it unchanged.
	TagRole(ctx context.Context, accountID, roleID string, tags []Tag, maxTags int) error
	// UntagRole removes the tags with the given keys; absent keys are
	// ignored.
	UntagRole(ctx context.Context, accountID, roleID string, keys []string) error
	// ListRoleTags lists a role's tags by key; next is "" on the last page.
	ListRoleTags(ctx context.Context, accountID, roleID string, page Page) (tags []Tag, next string, err error)
}
