package gateway

import (
	"context"
	"net/url"
	"strings"

	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/awsquery"
	"github.com/iamd/iamd/internal/iam"
)

// encodePolicyDocument writes a policy document as IAM returns it: URL-encoded
// per RFC 3986 (a space is %20, never +), which botocore and the aws CLI
// decode and the Go SDK hands over as is.
func encodePolicyDocument(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

// toPolicy renders a policy; lists leave out the description, as AWS's
// ListPolicies does.
func toPolicy(p *iam.ManagedPolicy, withDescription bool) awsquery.Policy {
	x := awsquery.Policy{PolicyName: p.Name, PolicyId: p.ID, Arn: p.ARN, Path: p.Path, DefaultVersionId: ptr(p.DefaultVersion),
		AttachmentCount: ptr(p.AttachmentCount), PermissionsBoundaryUsageCount: ptr(0), IsAttachable: ptr(true),
		CreateDate: p.CreatedAt, UpdateDate: p.UpdatedAt}
	if withDescription {
		x.Description = optional(p.Description)
	}
	return x
}

func toPolicyVersion(v *iam.PolicyVersion) awsquery.PolicyVersion {
	x := awsquery.PolicyVersion{VersionId: ptr(v.VersionID), IsDefaultVersion: ptr(v.IsDefault), CreateDate: v.CreatedAt}
	if v.Document != "" {
		x.Document = encodePolicyDocument(v.Document)
	}
	return x
}

func toGroup(g *iam.Group) awsquery.Group {
	return awsquery.Group{Path: g.Path, GroupName: g.Name, GroupId: g.ID, Arn: g.ARN(), CreateDate: g.CreatedAt}
}

func toGroups(groups []iam.Group) []awsquery.Group {
	out := make([]awsquery.Group, 0, len(groups))
	for i := range groups {
		out = append(out, toGroup(&groups[i]))
	}
	return out
}

// policyHandlers are the IAM operations on groups, managed and inline
// policies, and attachments.
func (s *Server) policyHandlers() map[string]handler {
	return typedHandlers("iam",
		op(s.createPolicy), op(s.getPolicy), op(s.deletePolicy), op(s.listPolicies),
		op(s.createPolicyVersion), op(s.getPolicyVersion), op(s.listPolicyVersions), op(s.setDefaultPolicyVersion), op(s.deletePolicyVersion),
		op(s.listEntitiesForPolicy),
		op(s.createGroup), op(s.getGroup), op(s.updateGroup), op(s.deleteGroup), op(s.listGroups),
		op(s.addUserToGroup), op(s.removeUserFromGroup), op(s.listGroupsForUser),

		// Inline policies and attachments of users, groups and roles: one
		// operation of each kind, the same domain call.
		op(func(ctx context.Context, p *authz.Principal, in *awsquery.PutUserPolicyInput) (*awsquery.PutUserPolicyOutput, error) {
			return nil, s.iam.PutInlinePolicy(ctx, p, iam.EntityUser, in.UserName, in.PolicyName, in.PolicyDocument)
		}),
		op(func(ctx context.Context, p *authz.Principal, in *awsquery.PutGroupPolicyInput) (*awsquery.PutGroupPolicyOutput, error) {
			return nil, s.iam.PutInlinePolicy(ctx, p, iam.EntityGroup, in.GroupName, in.PolicyName, in.PolicyDocument)
		}),
		op(func(ctx context.Context, p *authz.Principal, in *awsquery.PutRolePolicyInput) (*awsquery.PutRolePolicyOutput, error) {
			return nil, s.iam.PutInlinePolicy(ctx, p, iam.EntityRole, in.RoleName, in.PolicyName, in.PolicyDocument)
		}),
		op(func(ctx context.Context, p *authz.Principal, in *awsquery.GetUserPolicyInput) (*awsquery.GetUserPolicyOutput, error) {
			e, doc, err := s.iam.GetInlinePolicy(ctx, p, iam.EntityUser, in.UserName, in.PolicyName)
			if err != nil {
				return nil, err
			}
			return &awsquery.GetUserPolicyOutput{UserName: e.Name, PolicyName: in.PolicyName, PolicyDocument: encodePolicyDocument(doc)}, nil
		}),
		op(func(ctx context.Context, p *authz.Principal, in *awsquery.GetGroupPolicyInput) (*awsquery.GetGroupPolicyOutput, error) {
			e, doc, err := s.iam.GetInlinePolicy(ctx, p, iam.EntityGroup, in.GroupName, in.PolicyName)
			if err != nil {
				return nil, err
			}
			return &awsquery.GetGroupPolicyOutput{GroupName: e.Name, PolicyName: in.PolicyName, PolicyDocument: encodePolicyDocument(doc)}, nil
		}),
		op(func(ctx context.Context, p *authz.Principal, in *awsquery.GetRolePolicyInput) (*awsquery.GetRolePolicyOutput, error) {
			e, doc, err := s.iam.GetInlinePolicy(ctx, p, iam.EntityRole, in.RoleName, in.PolicyName)
			if err != nil {
				return nil, err
			}
			return &awsquery.GetRolePolicyOutput{RoleName: e.Name, PolicyName: in.PolicyName, PolicyDocument: encodePolicyDocument(doc)}, nil
		}),
		op(func(ctx context.Context, p *authz.Principal, in *awsquery.DeleteUserPolicyInput) (*awsquery.DeleteUserPolicyOutput, error) {
			return nil, s.iam.DeleteInlinePolicy(ctx, p, iam.EntityUser, in.UserName, in.PolicyName)
		}),
		op(func(ctx context.Context, p *authz.Principal, in *awsquery.DeleteGroupPolicyInput) (*awsquery.DeleteGroupPolicyOutput, error) {
			return nil, s.iam.DeleteInlinePolicy(ctx, p, iam.EntityGroup, in.GroupName, in.PolicyName)
		}),
		op(func(ctx context.Context, p *authz.Principal, in *awsquery.DeleteRolePolicyInput) (*awsquery.DeleteRolePolicyOutput, error) {
			return nil, s.iam.DeleteInlinePolicy(ctx, p, iam.EntityRole, in.RoleName, in.PolicyName)
		}),
		op(func(ctx context.Context, p *authz.Principal, in *awsquery.ListUserPoliciesInput) (*awsquery.ListUserPoliciesOutput, error) {
			return s.listInlinePolicies(ctx, p, iam.EntityUser, in.UserName, in.Marker, in.MaxItems)
		}),
		op(func(ctx context.Context, p *authz.Principal, in *awsquery.ListGroupPoliciesInput) (*awsquery.ListGroupPoliciesOutput, error) {
			out, err := s.listInlinePolicies(ctx, p, iam.EntityGroup, in.GroupName, in.Marker, in.MaxItems)
			return (*awsquery.ListGroupPoliciesOutput)(out), err
		}),
		op(func(ctx context.Context, p *authz.Principal, in *awsquery.ListRolePoliciesInput) (*awsquery.ListRolePoliciesOutput, error) {
			out, err := s.listInlinePolicies(ctx, p, iam.EntityRole, in.RoleName, in.Marker, in.MaxItems)
			return (*awsquery.ListRolePoliciesOutput)(out), err
		}),
		op(func(ctx context.Context, p *authz.Principal, in *awsquery.AttachUserPolicyInput) (*awsquery.AttachUserPolicyOutput, error) {
			return nil, s.iam.AttachPolicy(ctx, p, iam.EntityUser, in.UserName, in.PolicyArn)
		}),
		op(func(ctx context.Context, p *authz.Principal, in *awsquery.AttachGroupPolicyInput) (*awsquery.AttachGroupPolicyOutput, error) {
			return nil, s.iam.AttachPolicy(ctx, p, iam.EntityGroup, in.GroupName, in.PolicyArn)
		}),
		op(func(ctx context.Context, p *authz.Principal, in *awsquery.AttachRolePolicyInput) (*awsquery.AttachRolePolicyOutput, error) {
			return nil, s.iam.AttachPolicy(ctx, p, iam.EntityRole, in.RoleName, in.PolicyArn)
		}),
		op(func(ctx context.Context, p *authz.Principal, in *awsquery.DetachUserPolicyInput) (*awsquery.DetachUserPolicyOutput, error) {
			return nil, s.iam.DetachPolicy(ctx, p, iam.EntityUser, in.UserName, in.PolicyArn)
		}),
		op(func(ctx context.Context, p *authz.Principal, in *awsquery.DetachGroupPolicyInput) (*awsquery.DetachGroupPolicyOutput, error) {
			return nil, s.iam.DetachPolicy(ctx, p, iam.EntityGroup, in.GroupName, in.PolicyArn)
		}),
		op(func(ctx context.Context, p *authz.Principal, in *awsquery.DetachRolePolicyInput) (*awsquery.DetachRolePolicyOutput, error) {
			return nil, s.iam.DetachPolicy(ctx, p, iam.EntityRole, in.RoleName, in.PolicyArn)
		}),
		op(func(ctx context.Context, p *authz.Principal, in *awsquery.ListAttachedUserPoliciesInput) (*awsquery.ListAttachedUserPoliciesOutput, error) {
			return s.listAttachedPolicies(ctx, p, iam.EntityUser, in.UserName, in.PathPrefix, in.Marker, in.MaxItems)
		}),
		op(func(ctx context.Context, p *authz.Principal, in *awsquery.ListAttachedGroupPoliciesInput) (*awsquery.ListAttachedGroupPoliciesOutput, error) {
			out, err := s.listAttachedPolicies(ctx, p, iam.EntityGroup, in.GroupName, in.PathPrefix, in.Marker, in.MaxItems)
			return (*awsquery.ListAttachedGroupPoliciesOutput)(out), err
		}),
		op(func(ctx context.Context, p *authz.Principal, in *awsquery.ListAttachedRolePoliciesInput) (*awsquery.ListAttachedRolePoliciesOutput, error) {
			out, err := s.listAttachedPolicies(ctx, p, iam.EntityRole, in.RoleName, in.PathPrefix, in.Marker, in.MaxItems)
			return (*awsquery.ListAttachedRolePoliciesOutput)(out), err
		}),
	)
}

// listInlinePolicies lists the inline policy names of an entity of any
// kind. The three List*Policies outputs have the same members, so the
// group's and role's are conversions of the user's.
func (s *Server) listInlinePolicies(ctx context.Context, p *authz.Principal, kind iam.EntityKind, name, marker string, maxItems int) (*awsquery.ListUserPoliciesOutput, error) {
	names, next, err := s.iam.ListInlinePolicies(ctx, p, kind, name, marker, maxItems)
	if err != nil {
		return nil, err
	}
	if names == nil {
		names = []string{}
	}
	return &awsquery.ListUserPoliciesOutput{PolicyNames: names, IsTruncated: ptr(next != ""), Marker: optional(next)}, nil
}

// listAttachedPolicies lists the managed policies attached to an entity
// of any kind, in the user's output (see listInlinePolicies).
func (s *Server) listAttachedPolicies(ctx context.Context, p *authz.Principal, kind iam.EntityKind, name, pathPrefix, marker string, maxItems int) (*awsquery.ListAttachedUserPoliciesOutput, error) {
	ps, next, err := s.iam.ListAttachedPolicies(ctx, p, kind, name, pathPrefix, marker, maxItems)
	if err != nil {
		return nil, err
	}
	out := &awsquery.ListAttachedUserPoliciesOutput{AttachedPolicies: []awsquery.AttachedPolicy{}, IsTruncated: ptr(next != ""), Marker: optional(next)}
	for _, ap := range ps {
		out.AttachedPolicies = append(out.AttachedPolicies, awsquery.AttachedPolicy{PolicyName: ap.Name, PolicyArn: ap.ARN})
	}
	return out, nil
}

func (s *Server) createPolicy(ctx context.Context, p *authz.Principal, in *awsquery.CreatePolicyInput) (*awsquery.CreatePolicyOutput, error) {
	if len(in.Tags) > 0 {
		// Kept nowhere, they would also leave a Deny on aws:RequestTag
		// without the tags it tests.
		return nil, awserr.New(awserr.InvalidInput, "iamd does not keep tags on managed policies; create the policy without Tags.")
	}
	var description string
	if in.Description != nil {
		description = *in.Description
	}
	mp, err := s.iam.CreatePolicy(ctx, p, in.Path, in.PolicyName, in.PolicyDocument, description)
	if err != nil {
		return nil, err
	}
	return &awsquery.CreatePolicyOutput{Policy: ptr(toPolicy(mp, true))}, nil
}

func (s *Server) getPolicy(ctx context.Context, p *authz.Principal, in *awsquery.GetPolicyInput) (*awsquery.GetPolicyOutput, error) {
	mp, err := s.iam.GetPolicy(ctx, p, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return &awsquery.GetPolicyOutput{Policy: ptr(toPolicy(mp, true))}, nil
}

func (s *Server) deletePolicy(ctx context.Context, p *authz.Principal, in *awsquery.DeletePolicyInput) (*awsquery.DeletePolicyOutput, error) {
	return nil, s.iam.DeletePolicy(ctx, p, in.PolicyArn)
}

func (s *Server) listPolicies(ctx context.Context, p *authz.Principal, in *awsquery.ListPoliciesInput) (*awsquery.ListPoliciesOutput, error) {
	f := iam.PolicyFilter{Scope: in.Scope, OnlyAttached: in.OnlyAttached != nil && *in.OnlyAttached, PathPrefix: in.PathPrefix,
		UsageFilter: in.PolicyUsageFilter}
	policies, next, err := s.iam.ListPolicies(ctx, p, f, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &awsquery.ListPoliciesOutput{Policies: []awsquery.Policy{}, IsTruncated: ptr(next != ""), Marker: optional(next)}
	for i := range policies {
		out.Policies = append(out.Policies, toPolicy(&policies[i], false))
	}
	return out, nil
}

func (s *Server) createPolicyVersion(ctx context.Context, p *authz.Principal, in *awsquery.CreatePolicyVersionInput) (*awsquery.CreatePolicyVersionOutput, error) {
	v, err := s.iam.CreatePolicyVersion(ctx, p, in.PolicyArn, in.PolicyDocument, in.SetAsDefault != nil && *in.SetAsDefault)
	if err != nil {
		return nil, err
	}
	x := toPolicyVersion(v)
	x.Document = "" // AWS answers without the document
	return &awsquery.CreatePolicyVersionOutput{PolicyVersion: &x}, nil
}

func (s *Server) getPolicyVersion(ctx context.Context, p *authz.Principal, in *awsquery.GetPolicyVersionInput) (*awsquery.GetPolicyVersionOutput, error) {
	v, err := s.iam.GetPolicyVersion(ctx, p, in.PolicyArn, in.VersionId)
	if err != nil {
		return nil, err
	}
	return &awsquery.GetPolicyVersionOutput{PolicyVersion: ptr(toPolicyVersion(v))}, nil
}

func (s *Server) listPolicyVersions(ctx context.Context, p *authz.Principal, in *awsquery.ListPolicyVersionsInput) (*awsquery.ListPolicyVersionsOutput, error) {
	vs, next, err := s.iam.ListPolicyVersions(ctx, p, in.PolicyArn, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &awsquery.ListPolicyVersionsOutput{Versions: []awsquery.PolicyVersion{}, IsTruncated: ptr(next != ""), Marker: optional(next)}
	for i := range vs {
		out.Versions = append(out.Versions, toPolicyVersion(&vs[i]))
	}
	return out, nil
}

func (s *Server) setDefaultPolicyVersion(ctx context.Context, p *authz.Principal, in *awsquery.SetDefaultPolicyVersionInput) (*awsquery.SetDefaultPolicyVersionOutput, error) {
	return nil, s.iam.SetDefaultPolicyVersion(ctx, p, in.PolicyArn, in.VersionId)
}

func (s *Server) deletePolicyVersion(ctx context.Context, p *authz.Principal, in *awsquery.DeletePolicyVersionInput) (*awsquery.DeletePolicyVersionOutput, error) {
	return nil, s.iam.DeletePolicyVersion(ctx, p, in.PolicyArn, in.VersionId)
}

func (s *Server) listEntitiesForPolicy(ctx context.Context, p *authz.Principal, in *awsquery.ListEntitiesForPolicyInput) (*awsquery.ListEntitiesForPolicyOutput, error) {
	es, next, err := s.iam.ListEntitiesForPolicy(ctx, p, in.PolicyArn, in.EntityFilter, in.PolicyUsageFilter, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &awsquery.ListEntitiesForPolicyOutput{PolicyGroups: []awsquery.PolicyGroup{}, PolicyUsers: []awsquery.PolicyUser{},
		PolicyRoles: []awsquery.PolicyRole{}, IsTruncated: ptr(next != ""), Marker: optional(next)}
	for _, e := range es {
		switch e.Kind {
		case iam.EntityGroup:
			out.PolicyGroups = append(out.PolicyGroups, awsquery.PolicyGroup{GroupName: e.Name, GroupId: e.ID})
		case iam.EntityUser:
			out.PolicyUsers = append(out.PolicyUsers, awsquery.PolicyUser{UserName: e.Name, UserId: e.ID})
		case iam.EntityRole:
			out.PolicyRoles = append(out.PolicyRoles, awsquery.PolicyRole{RoleName: e.Name, RoleId: e.ID})
		}
	}
	return out, nil
}

func (s *Server) createGroup(ctx context.Context, p *authz.Principal, in *awsquery.CreateGroupInput) (*awsquery.CreateGroupOutput, error) {
	g, err := s.iam.CreateGroup(ctx, p, in.Path, in.GroupName)
	if err != nil {
		return nil, err
	}
	return &awsquery.CreateGroupOutput{Group: toGroup(g)}, nil
}

func (s *Server) getGroup(ctx context.Context, p *authz.Principal, in *awsquery.GetGroupInput) (*awsquery.GetGroupOutput, error) {
	g, users, next, err := s.iam.GetGroup(ctx, p, in.GroupName, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &awsquery.GetGroupOutput{Group: toGroup(g), Users: toUsers(users), IsTruncated: ptr(next != ""), Marker: optional(next)}, nil
}

func (s *Server) updateGroup(ctx context.Context, p *authz.Principal, in *awsquery.UpdateGroupInput) (*awsquery.UpdateGroupOutput, error) {
	return nil, s.iam.UpdateGroup(ctx, p, in.GroupName, in.NewGroupName, in.NewPath)
}

func (s *Server) deleteGroup(ctx context.Context, p *authz.Principal, in *awsquery.DeleteGroupInput) (*awsquery.DeleteGroupOutput, error) {
	return nil, s.iam.DeleteGroup(ctx, p, in.GroupName)
}

func (s *Server) listGroups(ctx context.Context, p *authz.Principal, in *awsquery.ListGroupsInput) (*awsquery.ListGroupsOutput, error) {
	groups, next, err := s.iam.ListGroups(ctx, p, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &awsquery.ListGroupsOutput{Groups: toGroups(groups), IsTruncated: ptr(next != ""), Marker: optional(next)}, nil
}

func (s *Server) addUserToGroup(ctx context.Context, p *authz.Principal, in *awsquery.AddUserToGroupInput) (*awsquery.AddUserToGroupOutput, error) {
	return nil, s.iam.AddUserToGroup(ctx, p, in.GroupName, in.UserName)
}

func (s *Server) removeUserFromGroup(ctx context.Context, p *authz.Principal, in *awsquery.RemoveUserFromGroupInput) (*awsquery.RemoveUserFromGroupOutput, error) {
	return nil, s.iam.RemoveUserFromGroup(ctx, p, in.GroupName, in.UserName)
}

func (s *Server) listGroupsForUser(ctx context.Context, p *authz.Principal, in *awsquery.ListGroupsForUserInput) (*awsquery.ListGroupsForUserOutput, error) {
	groups, next, err := s.iam.ListGroupsForUser(ctx, p, in.UserName, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &awsquery.ListGroupsForUserOutput{Groups: toGroups(groups), IsTruncated: ptr(next != ""), Marker: optional(next)}, nil
}
