package iam

import (
	"context"
	"errors"
	"github.com/iamd/iamd/internal/authz"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/policy"
	"github.com/iamd/iamd/internal/policy/actions"
)

// AWSAccount is the account id of AWS managed policies in the store and in
// their ARNs (arn:aws:iam::aws:policy/…).
const AWSAccount = "aws"

// EntityKind names the kind of identity a policy is attached to; it is the
// ARN resource type and the store's entity_kind.
type EntityKind string

// The kinds of entity that have policies.
const (
	EntityUser  EntityKind = "user"
	EntityGroup EntityKind = "group"
	EntityRole  EntityKind = "role"
)

// title is the kind as it appears in action names (PutUserPolicy).
func (k EntityKind) title() string {
	switch k {
	case EntityUser:
		return "User"
	case EntityGroup:
		return "Group"
	}
	return "Role"
}

// Entity is a user, group or role that policies apply to.
type Entity struct {
	Kind EntityKind
	ID   string
	Name string
	Path string
}

// ARN returns the entity's ARN in an account.
func (e Entity) ARN(accountID string) string {
	return "arn:aws:iam::" + accountID + ":" + string(e.Kind) + e.Path + e.Name
}

// ManagedPolicy is a customer managed policy or, when AccountID is
// AWSAccount, an AWS managed one.
type ManagedPolicy struct {
	ARN            string
	ID             string // ANPA…
	AccountID      string
	Name           string
	Path           string
	Description    string
	DefaultVersion string // "v1", "v2", …
	// AttachmentCount counts the attachments in the account that read the
	// policy, not in every account.
	AttachmentCount int
	CreatedAt       time.Time
	// UpdatedAt is when the newest version was created.
	UpdatedAt time.Time
}

// AWSManaged tells whether the policy is one of AWS's.
func (p *ManagedPolicy) AWSManaged() bool { return p.AccountID == AWSAccount }

// PolicyARN returns a customer managed policy's ARN.
func PolicyARN(accountID, path, name string) string {
	return "arn:aws:iam::" + accountID + ":policy" + path + name
}

// PolicyVersion is one version of a managed policy. Document is empty in
// lists.
type PolicyVersion struct {
	PolicyARN string
	VersionID string
	Document  string
	IsDefault bool
	CreatedAt time.Time
}

// ListPolicies scopes.
const (
	ScopeAll   = "All"
	ScopeAWS   = "AWS"
	ScopeLocal = "Local"
)

// PolicyFilter selects managed policies in ListPolicies.
type PolicyFilter struct {
	Scope        string // ScopeAll (also ""), ScopeAWS or ScopeLocal
	OnlyAttached bool   // only policies attached to an entity of the account
	PathPrefix   string // "" or "/" for all
	// UsageFilter is "", PermissionsPolicy or PermissionsBoundary. iamd has
	// no permissions boundaries, so PermissionsBoundary selects nothing.
	UsageFilter string
}

// UsageBoundary is the PolicyUsageFilter value for permissions boundaries.
const UsageBoundary = "PermissionsBoundary"

// AttachedPolicy is a managed policy as entity attachment lists show it.
type AttachedPolicy struct {
	Name string
	ARN  string
}

// PolicyEntity is an entity a managed policy is attached to.
type PolicyEntity struct {
	Kind EntityKind
	Name string
	ID   string
}

// PolicyDocument is one policy that applies to an identity, with an id for
// reporting: a managed policy's ARN (e.g.
// "arn:aws:iam::aws:policy/IAMReadOnlyAccess"), or for an inline policy
// "KIND/ENTITY/inline/NAME" (e.g. "user/alice/inline/MyPolicy",
// "group/admins/inline/All").
type PolicyDocument struct {
	ID       string
	Document string
}

// InlinePolicyID is the PolicyDocument id of an inline policy.
func InlinePolicyID(kind EntityKind, entityName, policyName string) string {
	return string(kind) + "/" + entityName + "/inline/" + policyName
}

// PolicyUsage is what GetAccountSummary counts of groups and policies.
type PolicyUsage struct {
	Groups              int
	Policies            int // customer managed
	PolicyVersionsInUse int // attachments of managed policies
}

// Quota names of policies and groups, as GetAccountSummary reports them.
const (
	QuotaGroups                   = "GroupsQuota"
	QuotaGroupsPerUser            = "GroupsPerUserQuota"
	QuotaPolicies                 = "PoliciesQuota"
	QuotaPolicySize               = "PolicySizeQuota"
	QuotaVersionsPerPolicy        = "VersionsPerPolicyQuota"
	QuotaAttachedPoliciesPerUser  = "AttachedPoliciesPerUserQuota"
	QuotaAttachedPoliciesPerGroup = "AttachedPoliciesPerGroupQuota"
	QuotaAttachedPoliciesPerRole  = "AttachedPoliciesPerRoleQuota"
	QuotaUserPolicySize           = "UserPolicySizeQuota"
	QuotaGroupPolicySize          = "GroupPolicySizeQuota"
	QuotaRolePolicySize           = "RolePolicySizeQuota"
	// QuotaPolicyVersionsInUse limits the managed policy attachments of
	// the whole account.
	QuotaPolicyVersionsInUse = "PolicyVersionsInUseQuota"
)

// attachedQuota and inlineSizeQuota are the quotas of an entity kind.
func (k EntityKind) attachedQuota() string {
	switch k {
	case EntityUser:
		return QuotaAttachedPoliciesPerUser
	case EntityGroup:
		return QuotaAttachedPoliciesPerGroup
	}
	return QuotaAttachedPoliciesPerRole
}

func (k EntityKind) inlineSizeQuota() string {
	switch k {
	case EntityUser:
		return QuotaUserPolicySize
	case EntityGroup:
		return QuotaGroupPolicySize
	}
	return QuotaRolePolicySize
}

// deleteConflict turns a store conflict into AWS's DeleteConflict message
// for deleting a user, group or role.
func deleteConflict(c *ConflictError) error {
	switch c.What {
	case "inline policies":
		return awserr.New(awserr.DeleteConflict, "Cannot delete entity, must delete policies first.")
	case "managed policies":
		return awserr.New(awserr.DeleteConflict, "Cannot delete entity, must detach all policies first.")
	case "users":
		return awserr.New(awserr.DeleteConflict, "Cannot delete entity, must remove users from group first.")
	case "groups":
		return awserr.New(awserr.DeleteConflict, "Cannot delete entity, must remove user from all groups first.")
	}
	return awserr.New(awserr.DeleteConflict, "Cannot delete entity, must delete %s first.", c.What)
}

func policyDocError(err error) error {
	return awserr.New(awserr.MalformedPolicyDocument, "%s", err.Error())
}

// validatePolicyDoc validates a policy document of the given kind, and
// refuses one that tests a condition key iamd would not set where AWS
// does: a Deny on it would silently never apply.
func validatePolicyDoc(doc string, kind policy.Kind) error {
	d, err := policy.Parse(doc, kind)
	if err != nil {
		return policyDocError(err)
	}
	return checkKeys(d)
}

func checkKeys(d *policy.Document) error {
	if key, action := authz.CheckConditionKeys(d, actions.Names()); key != "" {
		return awserr.New(awserr.MalformedPolicyDocument, "Condition key %s is not supported by iamd for %s: "+
			"a statement that tests it would not apply as on AWS.", key, action)
	}
	return nil
}

func errNoPolicy(arn string) error {
	return awserr.New(awserr.NoSuchEntity, "Policy %s was not found.", arn)
}

func errNoPolicyVersion(arn, version string) error {
	return awserr.New(awserr.NoSuchEntity, "Policy %s version %s does not exist or is not attachable.", arn, version)
}

// checkPolicyARN accepts arn:aws:iam::ACCOUNT:policy/[PATH/]NAME with a
// 12-digit account or "aws", and returns the account.
func checkPolicyARN(arn string) (string, error) {
	bad := awserr.New(awserr.InvalidInput, "ARN %s is not valid.", arn)
	rest, ok := strings.CutPrefix(arn, "arn:aws:iam::")
	if !ok {
		return "", bad
	}
	account, res, ok := strings.Cut(rest, ":")
	if !ok || !(account == AWSAccount || accountIDPattern.MatchString(account)) {
		return "", bad
	}
	if !strings.HasPrefix(res, "policy/") || strings.HasSuffix(res, "/") {
		return "", bad
	}
	return account, nil
}

// awsManagedDenied is the answer to changing an AWS managed policy: it
// belongs to another account, which no policy of the caller's can grant.
func awsManagedDenied(p *authz.Principal, action, arn string) error {
	return awserr.New(awserr.AccessDenied, "User: %s is not authorized to perform: %s on resource: policy %s", p.ARN(), action, arn)
}

// policyFor authorises action on a policy ARN and, unless the action only
// reads, refuses AWS managed policies.
func (s *Service) policyFor(ctx context.Context, p *authz.Principal, action, arn string, write bool) error {
	account, err := checkPolicyARN(arn)
	if err != nil {
		return err
	}
	if err := s.authz.Authorize(ctx, p, action, arn); err != nil {
		return err
	}
	if write && account == AWSAccount {
		return awsManagedDenied(p, action, arn)
	}
	return nil
}

// loadPolicy returns a policy visible to the caller's account.
func (s *Service) loadPolicy(ctx context.Context, p *authz.Principal, arn string) (*ManagedPolicy, error) {
	mp, err := s.store.Policy(ctx, p.AccountID, arn)
	if errors.Is(err, ErrNotFound) {
		return nil, errNoPolicy(arn)
	}
	if err != nil {
		return nil, internal("policy", err)
	}
	return mp, nil
}

// checkManagedDocument validates a managed policy version and its size.
func (s *Service) checkManagedDocument(ctx context.Context, accountID, doc string) error {
	max, err := s.quota(ctx, accountID, QuotaPolicySize)
	if err != nil {
		return err
	}
	if policy.Size(doc) > max {
		return limitExceeded("PolicySize", max)
	}
	return validatePolicyDoc(doc, policy.ManagedPolicy)
}

func (s *Service) policyNow() time.Time { return s.clock.Now().UTC().Truncate(time.Second) }

// CreatePolicy creates a customer managed policy whose document is its
// default version v1.
func (s *Service) CreatePolicy(ctx context.Context, p *authz.Principal, path, name, document, description string) (*ManagedPolicy, error) {
	if path == "" {
		path = "/"
	}
	arn := PolicyARN(p.AccountID, path, name)
	if err := s.authz.Authorize(ctx, p, "iam:CreatePolicy", arn); err != nil {
		return nil, err
	}
	if err := s.checkManagedDocument(ctx, p.AccountID, document); err != nil {
		return nil, err
	}
	max, err := s.quota(ctx, p.AccountID, QuotaPolicies)
	if err != nil {
		return nil, err
	}
	id, err := NewID(s.rand, "ANPA", 17)
	if err != nil {
		return nil, internal("new id", err)
	}
	now := s.policyNow()
	mp := &ManagedPolicy{ARN: arn, ID: id, AccountID: p.AccountID, Name: name, Path: path, Description: description,
		DefaultVersion: "v1", CreatedAt: now, UpdatedAt: now}
	switch err := s.store.CreatePolicy(ctx, mp, document, max); {
	case errors.Is(err, ErrExists):
		return nil, awserr.New(awserr.EntityAlreadyExists, "A policy called %s already exists. Duplicate names are not allowed.", name)
	case errors.Is(err, ErrLimit):
		return nil, limitExceeded("PoliciesPerAccount", max)
	case err != nil:
		return nil, internal("create policy", err)
	}
	s.log.Info("policy created", "account", p.AccountID, "policy", arn, "by", p.ARN())
	return mp, nil
}

// GetPolicy returns a customer or AWS managed policy.
func (s *Service) GetPolicy(ctx context.Context, p *authz.Principal, arn string) (*ManagedPolicy, error) {
	if err := s.policyFor(ctx, p, "iam:GetPolicy", arn, false); err != nil {
		return nil, err
	}
	return s.loadPolicy(ctx, p, arn)
}

// DeletePolicy deletes a customer managed policy that is attached nowhere
// and has only its default version.
func (s *Service) DeletePolicy(ctx context.Context, p *authz.Principal, arn string) error {
	if err := s.policyFor(ctx, p, "iam:DeletePolicy", arn, true); err != nil {
		return err
	}
	err := s.store.DeletePolicy(ctx, p.AccountID, arn)
	var conflict *ConflictError
	switch {
	case errors.As(err, &conflict) && conflict.What == "versions":
		return awserr.New(awserr.DeleteConflict, "This policy has more than one version. Before you delete a policy, "+
			"you must delete the policy's versions. The default version is deleted with the policy.")
	case errors.As(err, &conflict):
		return awserr.New(awserr.DeleteConflict, "Cannot delete a policy attached to entities.")
	case errors.Is(err, ErrNotFound):
		return errNoPolicy(arn)
	case err != nil:
		return internal("delete policy", err)
	}
	s.log.Info("policy deleted", "account", p.AccountID, "policy", arn, "by", p.ARN())
	return nil
}

// ListPolicies lists the account's and AWS's managed policies.
func (s *Service) ListPolicies(ctx context.Context, p *authz.Principal, f PolicyFilter, marker string, maxItems int) ([]ManagedPolicy, string, error) {
	if err := s.authz.Authorize(ctx, p, "iam:ListPolicies", "*"); err != nil {
		return nil, "", err
	}
	if f.UsageFilter == UsageBoundary {
		return nil, "", nil
	}
	policies, next, err := s.store.ListPolicies(ctx, p.AccountID, f, page(marker, maxItems))
	if err != nil {
		return nil, "", pagedListError("list policies", err)
	}
	return policies, next, nil
}

// pagedListError maps a list's store error: a bad marker is the caller's.
func pagedListError(op string, err error) error {
	if errors.Is(err, ErrInvalidMarker) {
		return markerError(err)
	}
	return internal(op, err)
}

// CreatePolicyVersion adds a version to a customer managed policy.
func (s *Service) CreatePolicyVersion(ctx context.Context, p *authz.Principal, arn, document string, setAsDefault bool) (*PolicyVersion, error) {
	if err := s.policyFor(ctx, p, "iam:CreatePolicyVersion", arn, true); err != nil {
		return nil, err
	}
	if err := s.checkManagedDocument(ctx, p.AccountID, document); err != nil {
		return nil, err
	}
	max, err := s.quota(ctx, p.AccountID, QuotaVersionsPerPolicy)
	if err != nil {
		return nil, err
	}
	v, err := s.store.CreatePolicyVersion(ctx, p.AccountID, arn, document, setAsDefault, s.policyNow(), max)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, errNoPolicy(arn)
	case errors.Is(err, ErrLimit):
		return nil, awserr.New(awserr.LimitExceeded, "A managed policy can have up to %d versions. "+
			"Before you create a new version, you must delete an existing version.", max)
	case err != nil:
		return nil, internal("create policy version", err)
	}
	s.log.Info("policy version created", "account", p.AccountID, "policy", arn, "version", v.VersionID, "default", v.IsDefault, "by", p.ARN())
	return v, nil
}

// GetPolicyVersion returns one version of a managed policy, with its
// document.
func (s *Service) GetPolicyVersion(ctx context.Context, p *authz.Principal, arn, versionID string) (*PolicyVersion, error) {
	if err := s.policyFor(ctx, p, "iam:GetPolicyVersion", arn, false); err != nil {
		return nil, err
	}
	v, err := s.store.PolicyVersion(ctx, p.AccountID, arn, versionID)
	if errors.Is(err, ErrNotFound) {
		if _, err := s.loadPolicy(ctx, p, arn); err != nil {
			return nil, err
		}
		return nil, errNoPolicyVersion(arn, versionID)
	}
	if err != nil {
		return nil, internal("policy version", err)
	}
	return v, nil
}

// ListPolicyVersions lists a managed policy's versions, newest first.
func (s *Service) ListPolicyVersions(ctx context.Context, p *authz.Principal, arn, marker string, maxItems int) ([]PolicyVersion, string, error) {
	if err := s.policyFor(ctx, p, "iam:ListPolicyVersions", arn, false); err != nil {
		return nil, "", err
	}
	vs, next, err := s.store.ListPolicyVersions(ctx, p.AccountID, arn, page(marker, maxItems))
	if errors.Is(err, ErrNotFound) {
		return nil, "", errNoPolicy(arn)
	}
	if err != nil {
		return nil, "", pagedListError("list policy versions", err)
	}
	return vs, next, nil
}

// SetDefaultPolicyVersion makes a version the one in force.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, p *authz.Principal, arn, versionID string) error {
	if err := s.policyFor(ctx, p, "iam:SetDefaultPolicyVersion", arn, true); err != nil {
		return err
	}
	if _, err := s.loadPolicy(ctx, p, arn); err != nil {
		return err
	}
	switch err := s.store.SetDefaultPolicyVersion(ctx, p.AccountID, arn, versionID); {
	case errors.Is(err, ErrNotFound):
		return errNoPolicyVersion(arn, versionID)
	case err != nil:
		return internal("set default policy version", err)
	}
	s.log.Info("policy default version set", "account", p.AccountID, "policy", arn, "version", versionID, "by", p.ARN())
	return nil
}

// DeletePolicyVersion deletes a version that is not the default.
func (s *Service) DeletePolicyVersion(ctx context.Context, p *authz.Principal, arn, versionID string) error {
	if err := s.policyFor(ctx, p, "iam:DeletePolicyVersion", arn, true); err != nil {
		return err
	}
	if _, err := s.loadPolicy(ctx, p, arn); err != nil {
		return err
	}
	err := s.store.DeletePolicyVersion(ctx, p.AccountID, arn, versionID)
	var conflict *ConflictError
	switch {
	case errors.As(err, &conflict):
		return awserr.New(awserr.DeleteConflict, "Cannot delete the default version of a policy.")
	case errors.Is(err, ErrNotFound):
		return errNoPolicyVersion(arn, versionID)
	case err != nil:
		return internal("delete policy version", err)
	}
	s.log.Info("policy version deleted", "account", p.AccountID, "policy", arn, "version", versionID, "by", p.ARN())
	return nil
}

// Entity filters of ListEntitiesForPolicy.
const (
	EntityFilterUser  = "User"
	EntityFilterGroup = "Group"
	EntityFilterRole  = "Role"
)

// ListEntitiesForPolicy lists the account's groups, roles and users a
// managed policy is attached to. entityFilter is "" (all), User, Group or
// Role; LocalManagedPolicy and AWSManagedPolicy, which name no entity kind,
// filter nothing. usageFilter PermissionsBoundary selects nothing.
func (s *Service) ListEntitiesForPolicy(ctx context.Context, p *authz.Principal, arn, entityFilter, usageFilter, pathPrefix, marker string, maxItems int) ([]PolicyEntity, string, error) {
	if err := s.policyFor(ctx, p, "iam:ListEntitiesForPolicy", arn, false); err != nil {
		return nil, "", err
	}
	if _, err := s.loadPolicy(ctx, p, arn); err != nil {
		return nil, "", err
	}
	if usageFilter == UsageBoundary {
		return nil, "", nil
	}
	var kinds []EntityKind
	switch entityFilter {
	case EntityFilterUser:
		kinds = []EntityKind{EntityUser}
	case EntityFilterGroup:
		kinds = []EntityKind{EntityGroup}
	case EntityFilterRole:
		kinds = []EntityKind{EntityRole}
	}
	es, next, err := s.store.ListEntitiesForPolicy(ctx, p.AccountID, arn, kinds, pathPrefix, page(marker, maxItems))
	if err != nil {
		return nil, "", pagedListError("list entities for policy", err)
	}
	return es, next, nil
}

func errNoGroupNamed(name string) error {
	return awserr.New(awserr.NoSuchEntity, "The group with name %s cannot be found.", name)
}

func errNoEntityNamed(kind EntityKind, name string) error {
	switch kind {
	case EntityUser:
		return notFoundUser(name)
	case EntityGroup:
		return errNoGroupNamed(name)
	}
	return noSuchRole(name)
}

// authorizedEntity resolves a user, group or role of the caller's account
// by name and authorises action on it (with the user's or role's tags, as
// every action on a taggable resource is); action has %s where the kind
// goes (e.g. "iam:Put%sPolicy").
func (s *Service) authorizedEntity(ctx context.Context, p *authz.Principal, kind EntityKind, name, action string) (Entity, string, error) {
	action = strings.Replace(action, "%s", kind.title(), 1)
	switch kind {
	case EntityUser:
		if name == "" {
			return Entity{}, "", awserr.New(awserr.ValidationError, "Must specify userName.")
		}
		u, err := s.authorizedUser(ctx, p, name, action)
		if err != nil {
			return Entity{}, "", err
		}
		return Entity{Kind: kind, ID: u.ID, Name: u.Name, Path: u.Path}, action, nil
	case EntityGroup:
		g, err := s.group(ctx, p, name, action)
		if err != nil {
			return Entity{}, "", err
		}
		return Entity{Kind: kind, ID: g.ID, Name: g.Name, Path: g.Path}, action, nil
	case EntityRole:
		r, err := s.authorizedRole(ctx, p, name, action)
		if err != nil {
			return Entity{}, "", err
		}
		return Entity{Kind: kind, ID: r.ID, Name: r.Name, Path: r.Path}, action, nil
	}
	return Entity{}, "", internal("entity", errors.New("unknown entity kind "+string(kind)))
}

// PutInlinePolicy creates or replaces an inline policy of a user, group or
// role (PutUserPolicy, PutGroupPolicy, PutRolePolicy).
func (s *Service) PutInlinePolicy(ctx context.Context, p *authz.Principal, kind EntityKind, entityName, policyName, document string) error {
	e, _, err := s.authorizedEntity(ctx, p, kind, entityName, "iam:Put%sPolicy")
	if err != nil {
		return err
	}
	max, err := s.quota(ctx, p.AccountID, kind.inlineSizeQuota())
	if err != nil {
		return err
	}
	tooBig := awserr.New(awserr.LimitExceeded, "Maximum policy size of %d bytes exceeded for %s %s", max, kind, e.Name)
	if policy.Size(document) > max {
		return tooBig
	}
	if err := validatePolicyDoc(document, policy.IdentityPolicy); err != nil {
		return err
	}
	switch err := s.store.PutInlinePolicy(ctx, p.AccountID, e, policyName, document, policy.Size, max); {
	case errors.Is(err, ErrLimit):
		return tooBig
	case errors.Is(err, ErrNotFound):
		return errNoEntityNamed(kind, e.Name)
	case err != nil:
		return internal("put inline policy", err)
	}
	s.log.Info("inline policy put", "account", p.AccountID, "entity", e.ARN(p.AccountID), "policy", policyName, "by", p.ARN())
	return nil
}

func errNoInlinePolicy(kind EntityKind, name string) error {
	return awserr.New(awserr.NoSuchEntity, "The %s policy with name %s cannot be found.", kind, name)
}

// GetInlinePolicy returns an inline policy's document and the entity's
// name as stored.
func (s *Service) GetInlinePolicy(ctx context.Context, p *authz.Principal, kind EntityKind, entityName, policyName string) (Entity, string, error) {
	e, _, err := s.authorizedEntity(ctx, p, kind, entityName, "iam:Get%sPolicy")
	if err != nil {
		return Entity{}, "", err
	}
	doc, err := s.store.InlinePolicy(ctx, p.AccountID, e, policyName)
	if errors.Is(err, ErrNotFound) {
		return Entity{}, "", errNoInlinePolicy(kind, policyName)
	}
	if err != nil {
		return Entity{}, "", internal("inline policy", err)
	}
	return e, doc, nil
}

// DeleteInlinePolicy deletes an inline policy.
func (s *Service) DeleteInlinePolicy(ctx context.Context, p *authz.Principal, kind EntityKind, entityName, policyName string) error {
	e, _, err := s.authorizedEntity(ctx, p, kind, entityName, "iam:Delete%sPolicy")
	if err != nil {
		return err
	}
	switch err := s.store.DeleteInlinePolicy(ctx, p.AccountID, e, policyName); {
	case errors.Is(err, ErrNotFound):
		return errNoInlinePolicy(kind, policyName)
	case err != nil:
		return internal("delete inline policy", err)
	}
	s.log.Info("inline policy deleted", "account", p.AccountID, "entity", e.ARN(p.AccountID), "policy", policyName, "by", p.ARN())
	return nil
}

// ListInlinePolicies lists the names of an entity's inline policies.
func (s *Service) ListInlinePolicies(ctx context.Context, p *authz.Principal, kind EntityKind, entityName, marker string, maxItems int) ([]string, string, error) {
	e, _, err := s.authorizedEntity(ctx, p, kind, entityName, "iam:List%sPolicies")
	if err != nil {
		return nil, "", err
	}
	names, next, err := s.store.ListInlinePolicies(ctx, p.AccountID, e, page(marker, maxItems))
	if err != nil {
		return nil, "", pagedListError("list inline policies", err)
	}
	return names, next, nil
}

// AttachPolicy attaches a customer or AWS managed policy to an entity.
func (s *Service) AttachPolicy(ctx context.Context, p *authz.Principal, kind EntityKind, entityName, arn string) error {
	if _, err := checkPolicyARN(arn); err != nil {
		return err
	}
	e, _, err := s.authorizedEntity(authz.WithPolicyARN(ctx, arn), p, kind, entityName, "iam:Attach%sPolicy")
	if err != nil {
		return err
	}
	max, err := s.quota(ctx, p.AccountID, kind.attachedQuota())
	if err != nil {
		return err
	}
	if err := s.checkAttachmentsInUse(ctx, p.AccountID, e, arn); err != nil {
		return err
	}
	switch err := s.store.AttachPolicy(ctx, p.AccountID, e, arn, max); {
	case errors.Is(err, ErrNotFound):
		return awserr.New(awserr.NoSuchEntity, "Policy %s does not exist or is not attachable.", arn)
	case errors.Is(err, ErrLimit):
		return limitExceeded("PoliciesPer"+kind.title(), max)
	case err != nil:
		return internal("attach policy", err)
	}
	s.log.Info("policy attached", "account", p.AccountID, "entity", e.ARN(p.AccountID), "policy", arn, "by", p.ARN())
	return nil
}

// checkAttachmentsInUse refuses a new attachment when the account has
// PolicyVersionsInUseQuota attachments already. Attaching a policy that is
// attached already changes nothing and is not refused. The count is taken
// before the store's write, not in its transaction, so concurrent attaches
// may pass it together; the per-entity quotas, checked in the write, still
// hold.
func (s *Service) checkAttachmentsInUse(ctx context.Context, accountID string, e Entity, arn string) error {
	max, err := s.quota(ctx, accountID, QuotaPolicyVersionsInUse)
	if err != nil {
		return err
	}
	u, err := s.store.PolicyUsage(ctx, accountID)
	if err != nil {
		return internal("policy usage", err)
	}
	if u.PolicyVersionsInUse < max {
		return nil
	}
	for pg := (Page{MaxItems: 1000}); ; {
		attached, next, err := s.store.ListAttachedPolicies(ctx, accountID, e, "/", pg)
		if err != nil {
			return internal("attached policies", err)
		}
		for _, a := range attached {
			if a.ARN == arn {
				return nil
			}
		}
		if next == "" {
			return limitExceeded("PolicyVersionsInUse", max)
		}
		pg.Marker = next
	}
}

// DetachPolicy detaches a managed policy from an entity.
func (s *Service) DetachPolicy(ctx context.Context, p *authz.Principal, kind EntityKind, entityName, arn string) error {
	if _, err := checkPolicyARN(arn); err != nil {
		return err
	}
	e, _, err := s.authorizedEntity(authz.WithPolicyARN(ctx, arn), p, kind, entityName, "iam:Detach%sPolicy")
	if err != nil {
		return err
	}
	switch err := s.store.DetachPolicy(ctx, p.AccountID, e, arn); {
	case errors.Is(err, ErrNotFound):
		return errNoPolicy(arn)
	case err != nil:
		return internal("detach policy", err)
	}
	s.log.Info("policy detached", "account", p.AccountID, "entity", e.ARN(p.AccountID), "policy", arn, "by", p.ARN())
	return nil
}

// ListAttachedPolicies lists the managed policies attached to an entity.
func (s *Service) ListAttachedPolicies(ctx context.Context, p *authz.Principal, kind EntityKind, entityName, pathPrefix, marker string, maxItems int) ([]AttachedPolicy, string, error) {
	e, _, err := s.authorizedEntity(ctx, p, kind, entityName, "iam:ListAttached%sPolicies")
	if err != nil {
		return nil, "", err
	}
	ps, next, err := s.store.ListAttachedPolicies(ctx, p.AccountID, e, pathPrefix, page(marker, maxItems))
	if err != nil {
		return nil, "", pagedListError("list attached policies", err)
	}
	return ps, next, nil
}
