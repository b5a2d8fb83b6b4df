package gateway

import (
	"context"
	"github.com/iamd/iamd/internal/authz"
	"time"

	"github.com/iamd/iamd/internal/awsquery"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/sts"
)

type tagXML struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type roleXML struct {
	Path       string        `xml:"Path"`
	RoleName   string        `xml:"RoleName"`
	RoleID     string        `xml:"RoleId"`
	Arn        string        `xml:"Arn"`
	CreateDate awsquery.Time `xml:"CreateDate"`
	// AssumeRolePolicyDocument is URL-encoded, as AWS sends it; boto3
	// decodes it, the Go SDK hands it over as it came.
	AssumeRolePolicyDocument string                `xml:"AssumeRolePolicyDocument,omitempty"`
	Description              string                `xml:"Description,omitempty"`
	MaxSessionDuration       int                   `xml:"MaxSessionDuration,omitempty"`
	Tags                     awsquery.List[tagXML] `xml:"Tags,omitempty"`
}

// toRoleXML renders a role; tags only when withTags (GetRole, CreateRole),
// since ListRoles never returns them.
func toRoleXML(r *iam.Role, withTags bool) roleXML {
	x := roleXML{Path: r.Path, RoleName: r.Name, RoleID: r.ID, Arn: r.ARN(), CreateDate: awsquery.Time{Time: r.CreatedAt},
		AssumeRolePolicyDocument: encodePolicyDocument(r.AssumeRolePolicy), Description: r.Description,
		MaxSessionDuration: r.MaxSessionDuration}
	if withTags {
		x.Tags = toTagsXML(r.Tags)
	}
	return x
}

func toTagsXML(tags []iam.Tag) awsquery.List[tagXML] {
	out := awsquery.List[tagXML]{}
	for _, t := range tags {
		out = append(out, tagXML{t.Key, t.Value})
	}
	return out
}

func tagsParam(in awsquery.Params) []iam.Tag {
	var tags []iam.Tag
	for _, t := range in.StructList("Tags") {
		tags = append(tags, iam.Tag{Key: t.String("Key"), Value: t.String("Value")})
	}
	return tags
}

type roleResultXML struct {
	Role roleXML `xml:"Role"`
}

// roleHandlers are the IAM operations on roles.
func (s *Server) roleHandlers() map[string]handler {
	return map[string]handler{
		"CreateRole": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			maxSession, _ := in.Int("MaxSessionDuration")
			r, err := s.iam.CreateRole(ctx, p, iam.CreateRoleInput{Path: in.String("Path"), RoleName: in.String("RoleName"),
				AssumeRolePolicyDocument: in.String("AssumeRolePolicyDocument"), Description: in.String("Description"),
				MaxSessionDuration: int(maxSession), PermissionsBoundary: in.String("PermissionsBoundary"), Tags: tagsParam(in)})
			if err != nil {
				return nil, err
			}
			x := toRoleXML(r, len(r.Tags) > 0)
			return &roleResultXML{x}, nil
		},
		"GetRole": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			r, err := s.iam.GetRole(ctx, p, in.String("RoleName"))
			if err != nil {
				return nil, err
			}
			return &roleResultXML{toRoleXML(r, len(r.Tags) > 0)}, nil
		},
		"ListRoles": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			roles, next, err := s.iam.ListRoles(ctx, p, in.String("PathPrefix"), in.String("Marker"), maxItems(in))
			if err != nil {
				return nil, err
			}
			out := &struct {
				Roles       awsquery.List[roleXML] `xml:"Roles"`
				IsTruncated bool                   `xml:"IsTruncated"`
				Marker      string                 `xml:"Marker,omitempty"`
			}{Roles: awsquery.List[roleXML]{}, IsTruncated: next != "", Marker: next}
			for i := range roles {
				out.Roles = append(out.Roles, toRoleXML(&roles[i], false))
			}
			return out, nil
		},
		"UpdateRole": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			var description *string
			if in.Has("Description") {
				d := in.String("Description")
				description = &d
			}
			var maxSession *int
			if v, ok := in.Int("MaxSessionDuration"); ok {
				n := int(v)
				maxSession = &n
			}
			if err := s.iam.UpdateRole(ctx, p, in.String("RoleName"), description, maxSession); err != nil {
				return nil, err
			}
			return &struct{}{}, nil // UpdateRole has an (empty) result element
		},
		"UpdateRoleDescription": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			r, err := s.iam.UpdateRoleDescription(ctx, p, in.String("RoleName"), in.String("Description"))
			if err != nil {
				return nil, err
			}
			return &roleResultXML{toRoleXML(r, len(r.Tags) > 0)}, nil
		},
		"DeleteRole": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.DeleteRole(ctx, p, in.String("RoleName"))
		},
		"UpdateAssumeRolePolicy": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.UpdateAssumeRolePolicy(ctx, p, in.String("RoleName"), in.String("PolicyDocument"))
		},
		"TagRole": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.TagRole(ctx, p, in.String("RoleName"), tagsParam(in))
		},
		"UntagRole": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.UntagRole(ctx, p, in.String("RoleName"), in.StringList("TagKeys"))
		},
		"ListRoleTags": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			tags, next, err := s.iam.ListRoleTags(ctx, p, in.String("RoleName"), in.String("Marker"), maxItems(in))
			if err != nil {
				return nil, err
			}
			return &struct {
				Tags        awsquery.List[tagXML] `xml:"Tags"`
				IsTruncated bool                  `xml:"IsTruncated"`
				Marker      string                `xml:"Marker,omitempty"`
			}{toTagsXML(tags), next != "", next}, nil
		},
	}
}

// stsRoleHandlers are the STS operations on roles (AssumeRole).
func (s *Server) stsRoleHandlers() map[string]handler {
	return map[string]handler{
		"AssumeRole": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			d, _ := in.Int("DurationSeconds")
			req := sts.AssumeRoleInput{RoleARN: in.String("RoleArn"), RoleSessionName: in.String("RoleSessionName"),
				Duration: time.Duration(d) * time.Second, SerialNumber: in.String("SerialNumber"), TokenCode: in.String("TokenCode"),
				ExternalID: in.String("ExternalId"), Policy: in.String("Policy"), Tags: tagsParam(in),
				TransitiveTagKeys: in.StringList("TransitiveTagKeys"), SourceIdentity: in.String("SourceIdentity")}
			for _, pa := range in.StructList("PolicyArns") {
				req.PolicyARNs = append(req.PolicyARNs, pa.String("arn"))
			}
			r, err := s.sts.AssumeRole(ctx, p, req)
			if err != nil {
				return nil, err
			}
			type assumedRoleUserXML struct {
				AssumedRoleID string `xml:"AssumedRoleId"`
				Arn           string `xml:"Arn"`
			}
			c := r.Credentials
			return &struct {
				Credentials      credsXML           `xml:"Credentials"`
				AssumedRoleUser  assumedRoleUserXML `xml:"AssumedRoleUser"`
				PackedPolicySize *int               `xml:"PackedPolicySize,omitempty"`
				SourceIdentity   string             `xml:"SourceIdentity,omitempty"`
			}{credsXML{c.AccessKeyID, c.SecretAccessKey, c.SessionToken, awsquery.Time{Time: c.Expiration}},
				assumedRoleUserXML{r.AssumedRoleID, r.ARN}, r.PackedPolicySize, r.SourceIdentity}, nil
		},
	}
}
