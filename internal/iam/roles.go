package iam

import (
	"context"
	"errors"
	"github.com/iamd/iamd/internal/authz"
	"regexp"
	"time"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/policy"
)

// Role limits (reference §5).
const (
	// DefaultMaxSessionDuration is a new role's MaxSessionDuration, and
	// MinMaxSessionDuration and MaxMaxSessionDuration bound it (seconds).
	DefaultMaxSessionDuration = 3600
	MinMaxSessionDuration     = 3600
	MaxMaxSessionDuration     = 43200
	// MaxTagsPerResource is AWS's fixed limit of tags on one IAM resource.
	MaxTagsPerResource = 50
)

// Quota names for roles, as GetAccountSummary reports them.
const (
	QuotaRoles                = "RolesQuota"
	QuotaAssumeRolePolicySize = "AssumeRolePolicySizeQuota"
)

// Quota names as LimitExceeded messages spell them.
const (
	quotaNameRolesPerAccount = "RolesPerAccount"
	quotaNameACLSizePerRole  = "ACLSizePerRole"
	quotaNameTagsPerRole     = "TagsPerRole"
)

// RoleARN returns the ARN of a role in an account.
func RoleARN(accountID, path, name string) string {
	return "arn:aws:iam::" + accountID + ":role" + path + name
}

var roleARNPattern = regexp.MustCompile(`^arn:aws:iam::([0-9]{12}):role(/|/[\x21-\x7e]*/)([\w+=,.@-]{1,64})$`)

// ParseRoleARN splits a role ARN into account, path and name. ok is false
// when arn is not the ARN of an IAM role.
func ParseRoleARN(arn string) (accountID, path, name string, ok bool) {
	m := roleARNPattern.FindStringSubmatch(arn)
	if m == nil {
		return "", "", "", false
	}
	return m[1], m[2], m[3], true
}

// AuthorizeAction asks the service's authoriser whether p may perform
// action on resource, for domains outside IAM that share its policies (STS
// AssumeRole). It returns an awserr AccessDenied error when not.
func (s *Service) AuthorizeAction(ctx context.Context, p *authz.Principal, action, resource string) error {
	return s.authz.Authorize(ctx, p, action, resource)
}

// CreateRoleInput is what CreateRole takes.
type CreateRoleInput struct {
	Path, RoleName           string
	AssumeRolePolicyDocument string
	Description              string
	// MaxSessionDuration is in seconds; 0 means the default, 3600.
	MaxSessionDuration  int
	PermissionsBoundary string
	Tags                []Tag
}

func noSuchRole(name string) error {
	return awserr.New(awserr.NoSuchEntity, "The role with name %s cannot be found.", name)
}

// checkTrustPolicy validates a trust policy document and its size.
func (s *Service) checkTrustPolicy(ctx context.Context, accountID, doc string) error {
	max, err := s.quota(ctx, accountID, QuotaAssumeRolePolicySize)
	if err != nil {
		return err
	}
	if policy.Size(doc) > max {
		return limitExceeded(quotaNameACLSizePerRole, max)
	}
	d, err := policy.Parse(doc, policy.TrustPolicy)
	if err != nil {
		return awserr.New(awserr.MalformedPolicyDocument, "%s", err.Error())
	}
	return checkKeys(d)
}

// CreateRole creates a role with a trust policy.
func (s *Service) CreateRole(ctx context.Context, p *authz.Principal, in CreateRoleInput) (*Role, error) {
	path := in.Path
	if path == "" {
		path = "/"
	}
	arn := RoleARN(p.AccountID, path, in.RoleName)
	ctx = authz.WithRequestTags(ctx, in.Tags)
	if err := s.authz.Authorize(ctx, p, "iam:CreateRole", arn); err != nil {
		return nil, err
	}
	if len(in.Tags) > 0 {
		// As with users and devices, tagging at creation needs the tagging
		// permission too.
		if err := s.authz.Authorize(ctx, p, "iam:TagRole", arn); err != nil {
			return nil, err
		}
	}
	if in.PermissionsBoundary != "" {
		return nil, awserr.New(awserr.InvalidInput, "iamd does not support permissions boundaries.")
	}
	maxSession := in.MaxSessionDuration
	if maxSession == 0 {
		maxSession = DefaultMaxSessionDuration
	}
	if maxSession < MinMaxSessionDuration || maxSession > MaxMaxSessionDuration {
		return nil, awserr.New(awserr.ValidationError, "1 validation error detected: Value '%d' at 'maxSessionDuration' failed to "+
			"satisfy constraint: Member must have value between %d and %d", maxSession, MinMaxSessionDuration, MaxMaxSessionDuration)
	}
	if err := validateTags(in.Tags, true, quotaNameTagsPerRole); err != nil {
		return nil, err
	}
	if err := s.checkTrustPolicy(ctx, p.AccountID, in.AssumeRolePolicyDocument); err != nil {
		return nil, err
	}
	max, err := s.quota(ctx, p.AccountID, QuotaRoles)
	if err != nil {
		return nil, err
	}
	id, err := NewID(s.rand, "AROA", 17)
	if err != nil {
		return nil, internal("new id", err)
	}
	pins, err := s.pinTrust(ctx, p.AccountID, in.AssumeRolePolicyDocument)
	if err != nil {
		return nil, err
	}
	r := &Role{AccountID: p.AccountID, ID: id, Name: in.RoleName, Path: path, Description: in.Description,
		AssumeRolePolicy: in.AssumeRolePolicyDocument, MaxSessionDuration: maxSession,
		CreatedAt: s.clock.Now().UTC().Truncate(time.Second), Tags: in.Tags, TrustPins: pins}
	switch err := s.store.CreateRole(ctx, r, max); {
	case errors.Is(err, ErrExists):
		return nil, awserr.New(awserr.EntityAlreadyExists, "Role with name %s already exists.", in.RoleName)
	case errors.Is(err, ErrLimit):
		return nil, limitExceeded(quotaNameRolesPerAccount, max)
	case err != nil:
		return nil, internal("create role", err)
	}
	s.log.Info("role created", "account", p.AccountID, "role", arn, "by", p.ARN())
	return r, nil
}

// GetRole returns a role with its tags, its trust policy as it applies
// now (a deleted principal shows as its unique id).
func (s *Service) GetRole(ctx context.Context, p *authz.Principal, name string) (*Role, error) {
	r, err := s.authorizedRole(ctx, p, name, "iam:GetRole")
	if err != nil {
		return nil, err
	}
	return s.effectiveTrust(ctx, r)
}

// ListRoles lists roles under a path prefix, without their tags.
func (s *Service) ListRoles(ctx context.Context, p *authz.Principal, pathPrefix, marker string, maxItems int) ([]Role, string, error) {
	if err := s.authz.Authorize(ctx, p, "iam:ListRoles", "*"); err != nil {
		return nil, "", err
	}
	roles, next, err := s.store.ListRoles(ctx, p.AccountID, pathPrefix, page(marker, maxItems))
	if err != nil {
		return nil, "", markerError(err)
	}
	for i := range roles {
		r, err := s.effectiveTrust(ctx, &roles[i])
		if err != nil {
			return nil, "", err
		}
		roles[i] = *r
	}
	return roles, next, nil
}

// UpdateRole changes a role's description and maximum session duration;
// nil leaves a field as it is.
func (s *Service) UpdateRole(ctx context.Context, p *authz.Principal, name string, description *string, maxSessionDuration *int) error {
	r, err := s.authorizedRole(ctx, p, name, "iam:UpdateRole")
	if err != nil {
		return err
	}
	if d := maxSessionDuration; d != nil && (*d < MinMaxSessionDuration || *d > MaxMaxSessionDuration) {
		return awserr.New(awserr.ValidationError, "1 validation error detected: Value '%d' at 'maxSessionDuration' failed to "+
			"satisfy constraint: Member must have value between %d and %d", *d, MinMaxSessionDuration, MaxMaxSessionDuration)
	}
	switch err := s.store.UpdateRole(ctx, p.AccountID, r.ID, description, maxSessionDuration); {
	case errors.Is(err, ErrNotFound):
		return noSuchRole(name)
	case err != nil:
		return internal("update role", err)
	}
	s.log.Info("role updated", "account", p.AccountID, "role", r.ARN(), "by", p.ARN())
	return nil
}

// UpdateRoleDescription changes a role's description and returns the role.
func (s *Service) UpdateRoleDescription(ctx context.Context, p *authz.Principal, name, description string) (*Role, error) {
	r, err := s.authorizedRole(ctx, p, name, "iam:UpdateRoleDescription")
	if err != nil {
		return nil, err
	}
	switch err := s.store.UpdateRole(ctx, p.AccountID, r.ID, &description, nil); {
	case errors.Is(err, ErrNotFound):
		return nil, noSuchRole(name)
	case err != nil:
		return nil, internal("update role", err)
	}
	r.Description = description
	s.log.Info("role updated", "account", p.AccountID, "role", r.ARN(), "by", p.ARN())
	return r, nil
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, p *authz.Principal, name, doc string) error {
	r, err := s.authorizedRole(ctx, p, name, "iam:UpdateAssumeRolePolicy")
	if err != nil {
		return err
	}
	if err := s.checkTrustPolicy(ctx, p.AccountID, doc); err != nil {
		return err
	}
	pins, err := s.pinTrust(ctx, p.AccountID, doc)
	if err != nil {
		return err
	}
	switch err := s.store.UpdateAssumeRolePolicy(ctx, p.AccountID, r.ID, doc, pins); {
	case errors.Is(err, ErrNotFound):
		return noSuchRole(name)
	case err != nil:
		return internal("update trust policy", err)
	}
	s.log.Info("role trust policy updated", "account", p.AccountID, "role", r.ARN(), "by", p.ARN())
	return nil
}

// DeleteRole deletes a role that has no inline or attached policies. Its
// sessions stop working at once: authentication loads the role by id.
func (s *Service) DeleteRole(ctx context.Context, p *authz.Principal, name string) error {
	r, err := s.authorizedRole(ctx, p, name, "iam:DeleteRole")
	if err != nil {
		return err
	}
	err = s.store.DeleteRole(ctx, p.AccountID, r.ID)
	var conflict *ConflictError
	switch {
	case errors.As(err, &conflict) && conflict.What == "managed policies":
		return awserr.New(awserr.DeleteConflict, "Cannot delete entity, must detach all policies first.")
	case errors.As(err, &conflict):
		return awserr.New(awserr.DeleteConflict, "Cannot delete entity, must delete policies first.")
	case errors.Is(err, ErrNotFound):
		return noSuchRole(name)
	case err != nil:
		return internal("delete role", err)
	}
	s.log.Info("role deleted", "account", p.AccountID, "role", r.ARN(), "by", p.ARN())
	return nil
}

// TagRole adds tags to a role, replacing the values of keys it has.
func (s *Service) TagRole(ctx context.Context, p *authz.Principal, name string, tags []Tag) error {
	r, err := s.authorizedRole(authz.WithRequestTags(ctx, tags), p, name, "iam:TagRole")
	if err != nil {
		return err
	}
	if err := validateTags(tags, true, quotaNameTagsPerRole); err != nil {
		return err
	}
	switch err := s.store.TagRole(ctx, p.AccountID, r.ID, tags, MaxTagsPerResource); {
	case errors.Is(err, ErrLimit):
		return limitExceeded(quotaNameTagsPerRole, MaxTagsPerResource)
	case errors.Is(err, ErrNotFound):
		return noSuchRole(name)
	case err != nil:
		return internal("tag role", err)
	}
	return nil
}

// UntagRole removes tags from a role by key.
func (s *Service) UntagRole(ctx context.Context, p *authz.Principal, name string, keys []string) error {
	r, err := s.authorizedRole(authz.WithTagKeys(ctx, keys), p, name, "iam:UntagRole")
	if err != nil {
		return err
	}
	switch err := s.store.UntagRole(ctx, p.AccountID, r.ID, keys); {
	case errors.Is(err, ErrNotFound):
		return noSuchRole(name)
	case err != nil:
		return internal("untag role", err)
	}
	return nil
}

// ListRoleTags lists a role's tags by key.
func (s *Service) ListRoleTags(ctx context.Context, p *authz.Principal, name, marker string, maxItems int) ([]Tag, string, error) {
	r, err := s.authorizedRole(ctx, p, name, "iam:ListRoleTags")
	if err != nil {
		return nil, "", err
	}
	tags, next, err := s.store.ListRoleTags(ctx, p.AccountID, r.ID, page(marker, maxItems))
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, "", noSuchRole(name)
	case err != nil:
		return nil, "", markerError(err)
	}
	return tags, next, nil
}

// RoleForSession finds a role of any account by name (ErrNotFound when
// there is none) for STS's AssumeRole, which authorises the caller on the
// role and checks its trust policy before it tells anything about it. The
// trust policy is the one that applies now: a principal deleted since it
// was written, and perhaps created again, no longer matches.
func (s *Service) RoleForSession(ctx context.Context, accountID, name string) (*Role, error) {
	r, err := s.store.RoleByName(ctx, accountID, name)
	if err != nil {
		return nil, err
	}
	return s.effectiveTrust(ctx, r)
}

// CheckManagedPolicies tells whether managed policies exist in (or are AWS
// managed and visible to) an account: nil, or a *PolicyNotFoundError
// naming the first that does not.
func (s *Service) CheckManagedPolicies(ctx context.Context, accountID string, arns []string) error {
	_, err := s.store.ManagedPolicyDocuments(ctx, accountID, arns)
	return err
}
