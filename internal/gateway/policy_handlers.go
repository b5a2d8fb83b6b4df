package gateway

import (
	"context"
	"github.com/iamd/iamd/internal/authz"
	"net/url"
	"strings"

	"github.com/iamd/iamd/internal/awsquery"
	"github.com/iamd/iamd/internal/iam"
)

// encodePolicyDocument writes a policy document as IAM returns it: URL-encoded
// per RFC 3986 (a space is %20, never +), which botocore and the aws CLI
// decode and the Go SDK hands over as is.
func encodePolicyDocument(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

type policyXML struct {
	PolicyName                    string        `xml:"PolicyName"`
	PolicyID                      string        `xml:"PolicyId"`
	Arn                           string        `xml:"Arn"`
	Path                          string        `xml:"Path"`
	DefaultVersionID              string        `xml:"DefaultVersionId"`
	AttachmentCount               int           `xml:"AttachmentCount"`
	PermissionsBoundaryUsageCount int           `xml:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool          `xml:"IsAttachable"`
	Description                   string        `xml:"Description,omitempty"`
	CreateDate                    awsquery.Time `xml:"CreateDate"`
	UpdateDate                    awsquery.Time `xml:"UpdateDate"`
}

// toPolicyXML renders a policy; lists leave out the description, as AWS's
// ListPolicies does.
func toPolicyXML(p *iam.ManagedPolicy, withDescription bool) policyXML {
	x := policyXML{PolicyName: p.Name, PolicyID: p.ID, Arn: p.ARN, Path: p.Path, DefaultVersionID: p.DefaultVersion,
		AttachmentCount: p.AttachmentCount, IsAttachable: true,
		CreateDate: awsquery.Time{Time: p.CreatedAt}, UpdateDate: awsquery.Time{Time: p.UpdatedAt}}
	if withDescription {
		x.Description = p.Description
	}
	return x
}

type policyVersionXML struct {
	Document         string        `xml:"Document,omitempty"`
	VersionID        string        `xml:"VersionId"`
	IsDefaultVersion bool          `xml:"IsDefaultVersion"`
	CreateDate       awsquery.Time `xml:"CreateDate"`
}

func toPolicyVersionXML(v *iam.PolicyVersion) policyVersionXML {
	x := policyVersionXML{VersionID: v.VersionID, IsDefaultVersion: v.IsDefault, CreateDate: awsquery.Time{Time: v.CreatedAt}}
	if v.Document != "" {
		x.Document = encodePolicyDocument(v.Document)
	}
	return x
}

type groupXML struct {
	Path       string        `xml:"Path"`
	GroupName  string        `xml:"GroupName"`
	GroupID    string        `xml:"GroupId"`
	Arn        string        `xml:"Arn"`
	CreateDate awsquery.Time `xml:"CreateDate"`
}

func toGroupXML(g *iam.Group) groupXML {
	return groupXML{Path: g.Path, GroupName: g.Name, GroupID: g.ID, Arn: g.ARN(), CreateDate: awsquery.Time{Time: g.CreatedAt}}
}

func groupList(groups []iam.Group) awsquery.List[groupXML] {
	out := awsquery.List[groupXML]{}
	for i := range groups {
		out = append(out, toGroupXML(&groups[i]))
	}
	return out
}

type attachedPolicyXML struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

// pagedTail is the pagination tail of every list result.
type pagedTail struct {
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}

func pagedTailOf(next string) pagedTail { return pagedTail{IsTruncated: next != "", Marker: next} }

// policyEntityKinds are the kinds with inline and attached policies, with
// the name of the parameter that names the entity.
var policyEntityKinds = []struct {
	kind  iam.EntityKind
	title string
	param string
}{
	{iam.EntityUser, "User", "UserName"},
	{iam.EntityGroup, "Group", "GroupName"},
	{iam.EntityRole, "Role", "RoleName"},
}

// policyHandlers are the IAM operations on groups, managed and inline
// policies, and attachments.
func (s *Server) policyHandlers() map[string]handler {
	m := map[string]handler{
		"CreatePolicy": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			mp, err := s.iam.CreatePolicy(ctx, p, in.String("Path"), in.String("PolicyName"), in.String("PolicyDocument"), in.String("Description"))
			if err != nil {
				return nil, err
			}
			return &struct {
				Policy policyXML `xml:"Policy"`
			}{toPolicyXML(mp, true)}, nil
		},
		"GetPolicy": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			mp, err := s.iam.GetPolicy(ctx, p, in.String("PolicyArn"))
			if err != nil {
				return nil, err
			}
			return &struct {
				Policy policyXML `xml:"Policy"`
			}{toPolicyXML(mp, true)}, nil
		},
		"DeletePolicy": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.DeletePolicy(ctx, p, in.String("PolicyArn"))
		},
		"ListPolicies": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			onlyAttached, _ := in.Bool("OnlyAttached")
			f := iam.PolicyFilter{Scope: in.String("Scope"), OnlyAttached: onlyAttached, PathPrefix: in.String("PathPrefix"),
				UsageFilter: in.String("PolicyUsageFilter")}
			policies, next, err := s.iam.ListPolicies(ctx, p, f, in.String("Marker"), maxItems(in))
			if err != nil {
				return nil, err
			}
			out := &struct {
				Policies awsquery.List[policyXML] `xml:"Policies"`
				pagedTail
			}{Policies: awsquery.List[policyXML]{}, pagedTail: pagedTailOf(next)}
			for i := range policies {
				out.Policies = append(out.Policies, toPolicyXML(&policies[i], false))
			}
			return out, nil
		},
		"CreatePolicyVersion": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			setDefault, _ := in.Bool("SetAsDefault")
			v, err := s.iam.CreatePolicyVersion(ctx, p, in.String("PolicyArn"), in.String("PolicyDocument"), setDefault)
			if err != nil {
				return nil, err
			}
			x := toPolicyVersionXML(v)
			x.Document = "" // AWS answers without the document
			return &struct {
				PolicyVersion policyVersionXML `xml:"PolicyVersion"`
			}{x}, nil
		},
		"GetPolicyVersion": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			v, err := s.iam.GetPolicyVersion(ctx, p, in.String("PolicyArn"), in.String("VersionId"))
			if err != nil {
				return nil, err
			}
			return &struct {
				PolicyVersion policyVersionXML `xml:"PolicyVersion"`
			}{toPolicyVersionXML(v)}, nil
		},
		"ListPolicyVersions": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			vs, next, err := s.iam.ListPolicyVersions(ctx, p, in.String("PolicyArn"), in.String("Marker"), maxItems(in))
			if err != nil {
				return nil, err
			}
			out := &struct {
				Versions awsquery.List[policyVersionXML] `xml:"Versions"`
				pagedTail
			}{Versions: awsquery.List[policyVersionXML]{}, pagedTail: pagedTailOf(next)}
			for i := range vs {
				out.Versions = append(out.Versions, toPolicyVersionXML(&vs[i]))
			}
			return out, nil
		},
		"SetDefaultPolicyVersion": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.SetDefaultPolicyVersion(ctx, p, in.String("PolicyArn"), in.String("VersionId"))
		},
		"DeletePolicyVersion": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.DeletePolicyVersion(ctx, p, in.String("PolicyArn"), in.String("VersionId"))
		},
		"ListEntitiesForPolicy": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			es, next, err := s.iam.ListEntitiesForPolicy(ctx, p, in.String("PolicyArn"), in.String("EntityFilter"),
				in.String("PolicyUsageFilter"), in.String("PathPrefix"), in.String("Marker"), maxItems(in))
			if err != nil {
				return nil, err
			}
			type groupRef struct {
				GroupName string `xml:"GroupName"`
				GroupID   string `xml:"GroupId"`
			}
			type userRef struct {
				UserName string `xml:"UserName"`
				UserID   string `xml:"UserId"`
			}
			type roleRef struct {
				RoleName string `xml:"RoleName"`
				RoleID   string `xml:"RoleId"`
			}
			out := &struct {
				PolicyGroups awsquery.List[groupRef] `xml:"PolicyGroups"`
				PolicyUsers  awsquery.List[userRef]  `xml:"PolicyUsers"`
				PolicyRoles  awsquery.List[roleRef]  `xml:"PolicyRoles"`
				pagedTail
			}{PolicyGroups: awsquery.List[groupRef]{}, PolicyUsers: awsquery.List[userRef]{}, PolicyRoles: awsquery.List[roleRef]{},
				pagedTail: pagedTailOf(next)}
			for _, e := range es {
				switch e.Kind {
				case iam.EntityGroup:
					out.PolicyGroups = append(out.PolicyGroups, groupRef{e.Name, e.ID})
				case iam.EntityUser:
					out.PolicyUsers = append(out.PolicyUsers, userRef{e.Name, e.ID})
				case iam.EntityRole:
					out.PolicyRoles = append(out.PolicyRoles, roleRef{e.Name, e.ID})
				}
			}
			return out, nil
		},

		"CreateGroup": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			g, err := s.iam.CreateGroup(ctx, p, in.String("Path"), in.String("GroupName"))
			if err != nil {
				return nil, err
			}
			return &struct {
				Group groupXML `xml:"Group"`
			}{toGroupXML(g)}, nil
		},
		"GetGroup": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			g, users, next, err := s.iam.GetGroup(ctx, p, in.String("GroupName"), in.String("Marker"), maxItems(in))
			if err != nil {
				return nil, err
			}
			out := &struct {
				Group groupXML               `xml:"Group"`
				Users awsquery.List[userXML] `xml:"Users"`
				pagedTail
			}{Group: toGroupXML(g), Users: awsquery.List[userXML]{}, pagedTail: pagedTailOf(next)}
			for i := range users {
				out.Users = append(out.Users, toUserXML(&users[i]))
			}
			return out, nil
		},
		"UpdateGroup": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.UpdateGroup(ctx, p, in.String("GroupName"), in.String("NewGroupName"), in.String("NewPath"))
		},
		"DeleteGroup": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.DeleteGroup(ctx, p, in.String("GroupName"))
		},
		"ListGroups": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			groups, next, err := s.iam.ListGroups(ctx, p, in.String("PathPrefix"), in.String("Marker"), maxItems(in))
			if err != nil {
				return nil, err
			}
			return &struct {
				Groups awsquery.List[groupXML] `xml:"Groups"`
				pagedTail
			}{groupList(groups), pagedTailOf(next)}, nil
		},
		"AddUserToGroup": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.AddUserToGroup(ctx, p, in.String("GroupName"), in.String("UserName"))
		},
		"RemoveUserFromGroup": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.RemoveUserFromGroup(ctx, p, in.String("GroupName"), in.String("UserName"))
		},
		"ListGroupsForUser": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			groups, next, err := s.iam.ListGroupsForUser(ctx, p, in.String("UserName"), in.String("Marker"), maxItems(in))
			if err != nil {
				return nil, err
			}
			return &struct {
				Groups awsquery.List[groupXML] `xml:"Groups"`
				pagedTail
			}{groupList(groups), pagedTailOf(next)}, nil
		},
	}
	for _, k := range policyEntityKinds {
		m["Put"+k.title+"Policy"] = func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.PutInlinePolicy(ctx, p, k.kind, in.String(k.param), in.String("PolicyName"), in.String("PolicyDocument"))
		}
		m["Get"+k.title+"Policy"] = func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			e, doc, err := s.iam.GetInlinePolicy(ctx, p, k.kind, in.String(k.param), in.String("PolicyName"))
			if err != nil {
				return nil, err
			}
			// Exactly one of the entity names is set: the one of the kind.
			out := &struct {
				UserName       string `xml:"UserName,omitempty"`
				GroupName      string `xml:"GroupName,omitempty"`
				RoleName       string `xml:"RoleName,omitempty"`
				PolicyName     string `xml:"PolicyName"`
				PolicyDocument string `xml:"PolicyDocument"`
			}{PolicyName: in.String("PolicyName"), PolicyDocument: encodePolicyDocument(doc)}
			switch k.kind {
			case iam.EntityUser:
				out.UserName = e.Name
			case iam.EntityGroup:
				out.GroupName = e.Name
			case iam.EntityRole:
				out.RoleName = e.Name
			}
			return out, nil
		}
		m["Delete"+k.title+"Policy"] = func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.DeleteInlinePolicy(ctx, p, k.kind, in.String(k.param), in.String("PolicyName"))
		}
		m["List"+k.title+"Policies"] = func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			names, next, err := s.iam.ListInlinePolicies(ctx, p, k.kind, in.String(k.param), in.String("Marker"), maxItems(in))
			if err != nil {
				return nil, err
			}
			out := &struct {
				PolicyNames awsquery.List[string] `xml:"PolicyNames"`
				pagedTail
			}{PolicyNames: awsquery.List[string]{}, pagedTail: pagedTailOf(next)}
			out.PolicyNames = append(out.PolicyNames, names...)
			return out, nil
		}
		m["Attach"+k.title+"Policy"] = func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.AttachPolicy(ctx, p, k.kind, in.String(k.param), in.String("PolicyArn"))
		}
		m["Detach"+k.title+"Policy"] = func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.DetachPolicy(ctx, p, k.kind, in.String(k.param), in.String("PolicyArn"))
		}
		m["ListAttached"+k.title+"Policies"] = func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			ps, next, err := s.iam.ListAttachedPolicies(ctx, p, k.kind, in.String(k.param), in.String("PathPrefix"),
				in.String("Marker"), maxItems(in))
			if err != nil {
				return nil, err
			}
			out := &struct {
				AttachedPolicies awsquery.List[attachedPolicyXML] `xml:"AttachedPolicies"`
				pagedTail
			}{AttachedPolicies: awsquery.List[attachedPolicyXML]{}, pagedTail: pagedTailOf(next)}
			for _, ap := range ps {
				out.AttachedPolicies = append(out.AttachedPolicies, attachedPolicyXML{ap.Name, ap.ARN})
			}
			return out, nil
		}
	}
	return m
}
