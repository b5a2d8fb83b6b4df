package gateway

import (
	"context"
	"time"

	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/awsquery"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/sts"
)

// toRole renders a role; tags only when withTags (GetRole, CreateRole),
// since ListRoles never returns them.
func toRole(r *iam.Role, withTags bool) awsquery.Role {
	x := awsquery.Role{Path: r.Path, RoleName: r.Name, RoleId: r.ID, Arn: r.ARN(), CreateDate: r.CreatedAt,
		// URL-encoded, as AWS sends it; boto3 decodes it, the Go SDK hands
		// it over as it came.
		AssumeRolePolicyDocument: encodePolicyDocument(r.AssumeRolePolicy), Description: optional(r.Description),
		MaxSessionDuration: r.MaxSessionDuration}
	if withTags {
		x.Tags = toTags(r.Tags)
	}
	return x
}

// toTags renders tags, as an empty list when there are none.
func toTags(tags []iam.Tag) []awsquery.Tag {
	out := make([]awsquery.Tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, awsquery.Tag{Key: t.Key, Value: t.Value})
	}
	return out
}

// taggedOnly renders tags, or leaves them out when there are none.
func taggedOnly(tags []iam.Tag) []awsquery.Tag {
	if len(tags) == 0 {
		return nil
	}
	return toTags(tags)
}

// fromTags reads the tags of a request.
func fromTags(tags []awsquery.Tag) []iam.Tag {
	var out []iam.Tag
	for _, t := range tags {
		out = append(out, iam.Tag{Key: t.Key, Value: t.Value})
	}
	return out
}

// roleHandlers are the IAM operations on roles.
func (s *Server) roleHandlers() map[string]handler {
	return typedHandlers("iam",
		op(s.createRole), op(s.getRole), op(s.listRoles), op(s.updateRole), op(s.updateRoleDescription), op(s.deleteRole),
		op(s.updateAssumeRolePolicy), op(s.tagRole), op(s.untagRole), op(s.listRoleTags),
	)
}

func (s *Server) createRole(ctx context.Context, p *authz.Principal, in *awsquery.CreateRoleInput) (*awsquery.CreateRoleOutput, error) {
	var description string
	if in.Description != nil {
		description = *in.Description
	}
	r, err := s.iam.CreateRole(ctx, p, iam.CreateRoleInput{Path: in.Path, RoleName: in.RoleName,
		AssumeRolePolicyDocument: in.AssumeRolePolicyDocument, Description: description,
		MaxSessionDuration: in.MaxSessionDuration, PermissionsBoundary: in.PermissionsBoundary, Tags: fromTags(in.Tags)})
	if err != nil {
		return nil, err
	}
	return &awsquery.CreateRoleOutput{Role: toRole(r, len(r.Tags) > 0)}, nil
}

func (s *Server) getRole(ctx context.Context, p *authz.Principal, in *awsquery.GetRoleInput) (*awsquery.GetRoleOutput, error) {
	r, err := s.iam.GetRole(ctx, p, in.RoleName)
	if err != nil {
		return nil, err
	}
	return &awsquery.GetRoleOutput{Role: toRole(r, len(r.Tags) > 0)}, nil
}

func (s *Server) listRoles(ctx context.Context, p *authz.Principal, in *awsquery.ListRolesInput) (*awsquery.ListRolesOutput, error) {
	roles, next, err := s.iam.ListRoles(ctx, p, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &awsquery.ListRolesOutput{Roles: []awsquery.Role{}, IsTruncated: ptr(next != ""), Marker: optional(next)}
	for i := range roles {
		out.Roles = append(out.Roles, toRole(&roles[i], false))
	}
	return out, nil
}

func (s *Server) updateRole(ctx context.Context, p *authz.Principal, in *awsquery.UpdateRoleInput) (*awsquery.UpdateRoleOutput, error) {
	if err := s.iam.UpdateRole(ctx, p, in.RoleName, in.Description, optional(in.MaxSessionDuration)); err != nil {
		return nil, err
	}
	return &awsquery.UpdateRoleOutput{}, nil // UpdateRole has an (empty) result element
}

func (s *Server) updateRoleDescription(ctx context.Context, p *authz.Principal, in *awsquery.UpdateRoleDescriptionInput) (*awsquery.UpdateRoleDescriptionOutput, error) {
	r, err := s.iam.UpdateRoleDescription(ctx, p, in.RoleName, in.Description)
	if err != nil {
		return nil, err
	}
	return &awsquery.UpdateRoleDescriptionOutput{Role: ptr(toRole(r, len(r.Tags) > 0))}, nil
}

func (s *Server) deleteRole(ctx context.Context, p *authz.Principal, in *awsquery.DeleteRoleInput) (*awsquery.DeleteRoleOutput, error) {
	return nil, s.iam.DeleteRole(ctx, p, in.RoleName)
}

func (s *Server) updateAssumeRolePolicy(ctx context.Context, p *authz.Principal, in *awsquery.UpdateAssumeRolePolicyInput) (*awsquery.UpdateAssumeRolePolicyOutput, error) {
	return nil, s.iam.UpdateAssumeRolePolicy(ctx, p, in.RoleName, in.PolicyDocument)
}

func (s *Server) tagRole(ctx context.Context, p *authz.Principal, in *awsquery.TagRoleInput) (*awsquery.TagRoleOutput, error) {
	return nil, s.iam.TagRole(ctx, p, in.RoleName, fromTags(in.Tags))
}

func (s *Server) untagRole(ctx context.Context, p *authz.Principal, in *awsquery.UntagRoleInput) (*awsquery.UntagRoleOutput, error) {
	return nil, s.iam.UntagRole(ctx, p, in.RoleName, in.TagKeys)
}

func (s *Server) listRoleTags(ctx context.Context, p *authz.Principal, in *awsquery.ListRoleTagsInput) (*awsquery.ListRoleTagsOutput, error) {
	tags, next, err := s.iam.ListRoleTags(ctx, p, in.RoleName, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &awsquery.ListRoleTagsOutput{Tags: toTags(tags), IsTruncated: ptr(next != ""), Marker: optional(next)}, nil
}

// stsRoleHandlers are the STS operations on roles (AssumeRole).
func (s *Server) stsRoleHandlers() map[string]handler {
	return typedHandlers("sts", op(s.assumeRole))
}

func (s *Server) assumeRole(ctx context.Context, p *authz.Principal, in *awsquery.AssumeRoleInput) (*awsquery.AssumeRoleOutput, error) {
	req := sts.AssumeRoleInput{RoleARN: in.RoleArn, RoleSessionName: in.RoleSessionName,
		Duration: time.Duration(in.DurationSeconds) * time.Second, SerialNumber: in.SerialNumber, TokenCode: string(in.TokenCode),
		ExternalID: in.ExternalId, Policy: in.Policy, Tags: fromTags(in.Tags), TransitiveTagKeys: in.TransitiveTagKeys,
		SourceIdentity: in.SourceIdentity}
	for _, pa := range in.PolicyArns {
		req.PolicyARNs = append(req.PolicyARNs, pa.Arn)
	}
	r, err := s.sts.AssumeRole(ctx, p, req)
	if err != nil {
		return nil, err
	}
	return &awsquery.AssumeRoleOutput{Credentials: toCredentials(r.Credentials),
		AssumedRoleUser:  &awsquery.AssumedRoleUser{AssumedRoleId: r.AssumedRoleID, Arn: r.ARN},
		PackedPolicySize: r.PackedPolicySize, SourceIdentity: r.SourceIdentity}, nil
}
