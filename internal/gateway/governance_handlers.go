package gateway

import (
	"context"
	"github.com/iamd/iamd/internal/authz"

	"github.com/iamd/iamd/internal/awsquery"
	"github.com/iamd/iamd/internal/iam"
)

// taggedUserXML is the User of CreateUser and GetUser, which carry the
// user's tags (ListUsers does not).
type taggedUserXML struct {
	userXML
	Tags awsquery.List[tagXML] `xml:"Tags,omitempty"`
}

func toTaggedUserXML(u *iam.User, tags []iam.Tag) taggedUserXML {
	x := taggedUserXML{userXML: toUserXML(u)}
	if len(tags) > 0 {
		x.Tags = toTagsXML(tags)
	}
	return x
}

type passwordPolicyXML struct {
	MinimumPasswordLength      int  `xml:"MinimumPasswordLength"`
	RequireSymbols             bool `xml:"RequireSymbols"`
	RequireNumbers             bool `xml:"RequireNumbers"`
	RequireUppercaseCharacters bool `xml:"RequireUppercaseCharacters"`
	RequireLowercaseCharacters bool `xml:"RequireLowercaseCharacters"`
	AllowUsersToChangePassword bool `xml:"AllowUsersToChangePassword"`
	ExpirePasswords            bool `xml:"ExpirePasswords"`
	MaxPasswordAge             int  `xml:"MaxPasswordAge,omitempty"`
	PasswordReusePrevention    int  `xml:"PasswordReusePrevention,omitempty"`
	HardExpiry                 bool `xml:"HardExpiry"`
}

type tagListResultXML struct {
	Tags        awsquery.List[tagXML] `xml:"Tags"`
	IsTruncated bool                  `xml:"IsTruncated"`
	Marker      string                `xml:"Marker,omitempty"`
}

// usage returns the recorder of access key use that New gave the
// authenticator.
func (s *Server) usage() *iam.UsageRecorder {
	r, _ := s.auth.LastUsed.(*iam.UsageRecorder)
	return r
}

// FlushUsage writes the access key uses waiting in memory to the store
// now (they are written a few seconds after they happen otherwise).
func (s *Server) FlushUsage(ctx context.Context) error {
	if r := s.usage(); r != nil {
		return r.Flush(ctx)
	}
	return nil
}

// Close writes what the server holds in memory (access key uses) to the
// store, logging a failure as well as returning it. Call it after the HTTP
// server has shut down, before the store is closed.
func (s *Server) Close() error {
	if r := s.usage(); r != nil {
		if err := r.Close(); err != nil {
			s.log.Error("write access key use at shutdown", "err", err)
			return err
		}
	}
	return nil
}

// governanceHandlers are the IAM operations of account governance:
// password policy, user updates and tags, MFA device tags, access key last
// use, credential reports and account aliases. CreateUser, GetUser and
// CreateVirtualMFADevice are here too, replacing the core area's, since
// they carry tags.
func (s *Server) governanceHandlers() map[string]handler {
	return map[string]handler{
		"GetAccountPasswordPolicy": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			pp, err := s.iam.GetAccountPasswordPolicy(ctx, p)
			if err != nil {
				return nil, err
			}
			return &struct {
				PasswordPolicy passwordPolicyXML `xml:"PasswordPolicy"`
			}{passwordPolicyXML{
				MinimumPasswordLength: pp.MinimumPasswordLength, RequireSymbols: pp.RequireSymbols,
				RequireNumbers: pp.RequireNumbers, RequireUppercaseCharacters: pp.RequireUppercaseCharacters,
				RequireLowercaseCharacters: pp.RequireLowercaseCharacters, AllowUsersToChangePassword: pp.AllowUsersToChangePassword,
				ExpirePasswords: pp.ExpirePasswords(), MaxPasswordAge: pp.MaxPasswordAge,
				PasswordReusePrevention: pp.PasswordReusePrevention, HardExpiry: pp.HardExpiry,
			}}, nil
		},
		"UpdateAccountPasswordPolicy": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			var pp iam.PasswordPolicy
			n, _ := in.Int("MinimumPasswordLength")
			pp.MinimumPasswordLength = int(n)
			n, _ = in.Int("MaxPasswordAge")
			pp.MaxPasswordAge = int(n)
			n, _ = in.Int("PasswordReusePrevention")
			pp.PasswordReusePrevention = int(n)
			pp.RequireSymbols, _ = in.Bool("RequireSymbols")
			pp.RequireNumbers, _ = in.Bool("RequireNumbers")
			pp.RequireUppercaseCharacters, _ = in.Bool("RequireUppercaseCharacters")
			pp.RequireLowercaseCharacters, _ = in.Bool("RequireLowercaseCharacters")
			pp.AllowUsersToChangePassword, _ = in.Bool("AllowUsersToChangePassword")
			pp.HardExpiry, _ = in.Bool("HardExpiry")
			return nil, s.iam.UpdateAccountPasswordPolicy(ctx, p, pp)
		},
		"DeleteAccountPasswordPolicy": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.DeleteAccountPasswordPolicy(ctx, p)
		},

		"CreateUser": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			tags := tagsParam(in)
			u, err := s.iam.CreateUser(ctx, p, in.String("Path"), in.String("UserName"), tags...)
			if err != nil {
				return nil, err
			}
			return &struct {
				User taggedUserXML `xml:"User"`
			}{toTaggedUserXML(u, tags)}, nil
		},
		"GetUser": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			u, err := s.iam.GetUser(ctx, p, in.String("UserName"))
			if err != nil {
				return nil, err
			}
			return &struct {
				User taggedUserXML `xml:"User"`
			}{toTaggedUserXML(u, u.Tags)}, nil
		},
		"UpdateUser": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.UpdateUser(ctx, p, in.String("UserName"), in.String("NewUserName"), in.String("NewPath"))
		},
		"TagUser": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.TagUser(ctx, p, in.String("UserName"), tagsParam(in))
		},
		"UntagUser": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.UntagUser(ctx, p, in.String("UserName"), in.StringList("TagKeys"))
		},
		"ListUserTags": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			tags, next, err := s.iam.ListUserTags(ctx, p, in.String("UserName"), in.String("Marker"), maxItems(in))
			if err != nil {
				return nil, err
			}
			return &tagListResultXML{toTagsXML(tags), next != "", next}, nil
		},

		"CreateVirtualMFADevice": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			d, tags, err := s.iam.CreateTaggedVirtualMFADevice(ctx, p, in.String("Path"), in.String("VirtualMFADeviceName"), tagsParam(in))
			if err != nil {
				return nil, err
			}
			type taggedDeviceXML struct {
				virtualMFADeviceXML
				Tags awsquery.List[tagXML] `xml:"Tags,omitempty"`
			}
			x := taggedDeviceXML{virtualMFADeviceXML: virtualMFADeviceXML{SerialNumber: d.Serial,
				Base32StringSeed: awsquery.Blob(d.Base32StringSeed), QRCodePNG: d.QRCodePNG}}
			if len(tags) > 0 {
				x.Tags = toTagsXML(tags)
			}
			return &struct {
				VirtualMFADevice taggedDeviceXML `xml:"VirtualMFADevice"`
			}{x}, nil
		},
		"TagMFADevice": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.TagMFADevice(ctx, p, in.String("SerialNumber"), tagsParam(in))
		},
		"UntagMFADevice": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.UntagMFADevice(ctx, p, in.String("SerialNumber"), in.StringList("TagKeys"))
		},
		"ListMFADeviceTags": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			tags, next, err := s.iam.ListMFADeviceTags(ctx, p, in.String("SerialNumber"), in.String("Marker"), maxItems(in))
			if err != nil {
				return nil, err
			}
			return &tagListResultXML{toTagsXML(tags), next != "", next}, nil
		},

		"GetAccessKeyLastUsed": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			lu, err := s.iam.GetAccessKeyLastUsed(ctx, p, in.String("AccessKeyId"))
			if err != nil {
				return nil, err
			}
			// Never used: no date, and "N/A" for service and region, as AWS
			// answers.
			type lastUsedXML struct {
				LastUsedDate awsquery.Time `xml:"LastUsedDate"`
				ServiceName  string        `xml:"ServiceName"`
				Region       string        `xml:"Region"`
			}
			x := lastUsedXML{ServiceName: "N/A", Region: "N/A"}
			if u := lu.Use; !u.At.IsZero() {
				x.LastUsedDate = awsquery.Time{Time: u.At}
				if u.Service != "" {
					x.ServiceName = u.Service
				}
				if u.Region != "" {
					x.Region = u.Region
				}
			}
			return &struct {
				UserName          string      `xml:"UserName"`
				AccessKeyLastUsed lastUsedXML `xml:"AccessKeyLastUsed"`
			}{displayName(lu.User), x}, nil
		},

		"GenerateCredentialReport": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			state, err := s.iam.GenerateCredentialReport(ctx, p)
			if err != nil {
				return nil, err
			}
			return &struct {
				State       string `xml:"State"`
				Description string `xml:"Description,omitempty"`
			}{State: state}, nil
		},
		"GetCredentialReport": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			r, err := s.iam.GetCredentialReport(ctx, p)
			if err != nil {
				return nil, err
			}
			return &struct {
				Content       awsquery.Blob `xml:"Content"`
				ReportFormat  string        `xml:"ReportFormat"`
				GeneratedTime awsquery.Time `xml:"GeneratedTime"`
			}{awsquery.Blob(r.Content), "text/csv", awsquery.Time{Time: r.GeneratedAt}}, nil
		},

		"CreateAccountAlias": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.CreateAccountAlias(ctx, p, in.String("AccountAlias"))
		},
		"ListAccountAliases": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			aliases, err := s.iam.ListAccountAliases(ctx, p)
			if err != nil {
				return nil, err
			}
			return &struct {
				AccountAliases awsquery.List[string] `xml:"AccountAliases"`
				IsTruncated    bool                  `xml:"IsTruncated"`
			}{AccountAliases: aliases}, nil
		},
		"DeleteAccountAlias": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.DeleteAccountAlias(ctx, p, in.String("AccountAlias"))
		},
	}
}
