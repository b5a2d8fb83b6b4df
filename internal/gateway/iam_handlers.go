package gateway

import (
	"context"
	"github.com/iamd/iamd/internal/authz"
	"sort"
	"time"

	"github.com/iamd/iamd/internal/awsquery"
	"github.com/iamd/iamd/internal/iam"
)

// XML shapes of IAM results, named and ordered as in the botocore model.

type userXML struct {
	Path             string         `xml:"Path,omitempty"`
	UserName         string         `xml:"UserName,omitempty"`
	UserID           string         `xml:"UserId"`
	Arn              string         `xml:"Arn"`
	CreateDate       awsquery.Time  `xml:"CreateDate"`
	PasswordLastUsed *awsquery.Time `xml:"PasswordLastUsed,omitempty"`
}

func toUserXML(u *iam.User) userXML {
	x := userXML{UserID: u.ID, Arn: u.ARN(), CreateDate: awsquery.Time{Time: u.CreatedAt}}
	if !u.Root {
		// AWS answers GetUser for root with only id, ARN and dates.
		x.Path, x.UserName = u.Path, u.Name
	}
	if !u.PasswordLastUsed.IsZero() {
		x.PasswordLastUsed = &awsquery.Time{Time: u.PasswordLastUsed}
	}
	return x
}

// displayName is the UserName shown for an identity in MFA and key lists;
// for root, AWS shows the account id.
func displayName(u *iam.User) string {
	if u.Root {
		return u.AccountID
	}
	return u.Name
}

type accessKeyMetaXML struct {
	UserName    string        `xml:"UserName"`
	AccessKeyID string        `xml:"AccessKeyId"`
	Status      string        `xml:"Status"`
	CreateDate  awsquery.Time `xml:"CreateDate"`
}

type loginProfileXML struct {
	UserName              string        `xml:"UserName"`
	CreateDate            awsquery.Time `xml:"CreateDate"`
	PasswordResetRequired bool          `xml:"PasswordResetRequired"`
}

type mfaDeviceXML struct {
	UserName     string        `xml:"UserName"`
	SerialNumber string        `xml:"SerialNumber"`
	EnableDate   awsquery.Time `xml:"EnableDate"`
}

type virtualMFADeviceXML struct {
	SerialNumber     string         `xml:"SerialNumber"`
	Base32StringSeed awsquery.Blob  `xml:"Base32StringSeed,omitempty"`
	QRCodePNG        awsquery.Blob  `xml:"QRCodePNG,omitempty"`
	User             *userXML       `xml:"User,omitempty"`
	EnableDate       *awsquery.Time `xml:"EnableDate,omitempty"`
}

func maxItems(in awsquery.Params) int {
	n, _ := in.Int("MaxItems")
	return int(n)
}

// iamHandlers gathers the IAM operations of every area.
func (s *Server) iamHandlers() map[string]handler {
	m := s.coreIAMHandlers()
	for _, area := range []map[string]handler{s.policyHandlers(), s.roleHandlers(), s.simulateHandlers(), s.governanceHandlers()} {
		for k, h := range area {
			m[k] = h
		}
	}
	return m
}

// credsXML is STS's Credentials shape.
type credsXML struct {
	AccessKeyID     string        `xml:"AccessKeyId"`
	SecretAccessKey string        `xml:"SecretAccessKey"`
	SessionToken    string        `xml:"SessionToken"`
	Expiration      awsquery.Time `xml:"Expiration"`
}

// stsHandlers gathers the STS operations.
func (s *Server) stsHandlers() map[string]handler {
	m := s.coreSTSHandlers()
	for k, h := range s.stsRoleHandlers() {
		m[k] = h
	}
	return m
}

// coreIAMHandlers are users, keys, passwords and MFA devices. CreateUser,
// GetUser and CreateVirtualMFADevice, which carry tags, are in
// governanceHandlers.
func (s *Server) coreIAMHandlers() map[string]handler {
	return map[string]handler{
		"ListUsers": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			users, next, err := s.iam.ListUsers(ctx, p, in.String("PathPrefix"), in.String("Marker"), maxItems(in))
			if err != nil {
				return nil, err
			}
			out := &struct {
				Users       awsquery.List[userXML] `xml:"Users"`
				IsTruncated bool                   `xml:"IsTruncated"`
				Marker      string                 `xml:"Marker,omitempty"`
			}{Users: awsquery.List[userXML]{}, IsTruncated: next != "", Marker: next}
			for i := range users {
				out.Users = append(out.Users, toUserXML(&users[i]))
			}
			return out, nil
		},
		"DeleteUser": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.DeleteUser(ctx, p, in.String("UserName"))
		},
		"CreateAccessKey": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			k, u, err := s.iam.CreateAccessKey(ctx, p, in.String("UserName"))
			if err != nil {
				return nil, err
			}
			type accessKeyXML struct {
				UserName        string        `xml:"UserName"`
				AccessKeyID     string        `xml:"AccessKeyId"`
				Status          string        `xml:"Status"`
				SecretAccessKey string        `xml:"SecretAccessKey"`
				CreateDate      awsquery.Time `xml:"CreateDate"`
			}
			return &struct {
				AccessKey accessKeyXML `xml:"AccessKey"`
			}{accessKeyXML{displayName(u), k.ID, k.Status, k.Secret, awsquery.Time{Time: k.CreatedAt}}}, nil
		},
		"ListAccessKeys": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			keys, u, err := s.iam.ListAccessKeys(ctx, p, in.String("UserName"))
			if err != nil {
				return nil, err
			}
			out := &struct {
				AccessKeyMetadata awsquery.List[accessKeyMetaXML] `xml:"AccessKeyMetadata"`
				IsTruncated       bool                            `xml:"IsTruncated"`
			}{AccessKeyMetadata: awsquery.List[accessKeyMetaXML]{}}
			for _, k := range keys {
				out.AccessKeyMetadata = append(out.AccessKeyMetadata, accessKeyMetaXML{displayName(u), k.ID, k.Status, awsquery.Time{Time: k.CreatedAt}})
			}
			return out, nil
		},
		"UpdateAccessKey": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.UpdateAccessKey(ctx, p, in.String("UserName"), in.String("AccessKeyId"), in.String("Status"))
		},
		"DeleteAccessKey": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.DeleteAccessKey(ctx, p, in.String("UserName"), in.String("AccessKeyId"))
		},
		"CreateLoginProfile": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			reset, _ := in.Bool("PasswordResetRequired")
			lp, u, err := s.iam.CreateLoginProfile(ctx, p, in.String("UserName"), in.String("Password"), reset)
			if err != nil {
				return nil, err
			}
			return &struct {
				LoginProfile loginProfileXML `xml:"LoginProfile"`
			}{loginProfileXML{u.Name, awsquery.Time{Time: lp.CreatedAt}, lp.PasswordResetRequired}}, nil
		},
		"GetLoginProfile": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			lp, u, err := s.iam.GetLoginProfile(ctx, p, in.String("UserName"))
			if err != nil {
				return nil, err
			}
			return &struct {
				LoginProfile loginProfileXML `xml:"LoginProfile"`
			}{loginProfileXML{u.Name, awsquery.Time{Time: lp.CreatedAt}, lp.PasswordResetRequired}}, nil
		},
		"UpdateLoginProfile": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			var password *string
			if in.Has("Password") {
				v := in.String("Password")
				password = &v
			}
			var reset *bool
			if v, ok := in.Bool("PasswordResetRequired"); ok {
				reset = &v
			}
			return nil, s.iam.UpdateLoginProfile(ctx, p, in.String("UserName"), password, reset)
		},
		"DeleteLoginProfile": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.DeleteLoginProfile(ctx, p, in.String("UserName"))
		},
		"ChangePassword": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.ChangePassword(ctx, p, in.String("OldPassword"), in.String("NewPassword"))
		},
		"EnableMFADevice": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.EnableMFADevice(ctx, p, in.String("UserName"), in.String("SerialNumber"),
				in.String("AuthenticationCode1"), in.String("AuthenticationCode2"))
		},
		"ResyncMFADevice": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.ResyncMFADevice(ctx, p, in.String("UserName"), in.String("SerialNumber"),
				in.String("AuthenticationCode1"), in.String("AuthenticationCode2"))
		},
		"DeactivateMFADevice": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.DeactivateMFADevice(ctx, p, in.String("UserName"), in.String("SerialNumber"))
		},
		"DeleteVirtualMFADevice": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			return nil, s.iam.DeleteVirtualMFADevice(ctx, p, in.String("SerialNumber"))
		},
		"ListMFADevices": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			ds, u, next, err := s.iam.ListMFADevices(ctx, p, in.String("UserName"), in.String("Marker"), maxItems(in))
			if err != nil {
				return nil, err
			}
			out := &struct {
				MFADevices  awsquery.List[mfaDeviceXML] `xml:"MFADevices"`
				IsTruncated bool                        `xml:"IsTruncated"`
				Marker      string                      `xml:"Marker,omitempty"`
			}{MFADevices: awsquery.List[mfaDeviceXML]{}, IsTruncated: next != "", Marker: next}
			for _, d := range ds {
				out.MFADevices = append(out.MFADevices, mfaDeviceXML{displayName(u), d.Serial, awsquery.Time{Time: d.EnabledAt}})
			}
			return out, nil
		},
		"ListVirtualMFADevices": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			ds, next, err := s.iam.ListVirtualMFADevices(ctx, p, in.String("AssignmentStatus"), in.String("Marker"), maxItems(in))
			if err != nil {
				return nil, err
			}
			out := &struct {
				VirtualMFADevices awsquery.List[virtualMFADeviceXML] `xml:"VirtualMFADevices"`
				IsTruncated       bool                               `xml:"IsTruncated"`
				Marker            string                             `xml:"Marker,omitempty"`
			}{VirtualMFADevices: awsquery.List[virtualMFADeviceXML]{}, IsTruncated: next != "", Marker: next}
			for _, dw := range ds {
				x := virtualMFADeviceXML{SerialNumber: dw.Device.Serial}
				if dw.User != nil {
					ux := toUserXML(dw.User)
					x.User = &ux
					x.EnableDate = &awsquery.Time{Time: dw.Device.EnabledAt}
				}
				out.VirtualMFADevices = append(out.VirtualMFADevices, x)
			}
			return out, nil
		},
		"GetAccountSummary": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			m, err := s.iam.GetAccountSummary(ctx, p)
			if err != nil {
				return nil, err
			}
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			out := &struct {
				SummaryMap awsquery.Map[int] `xml:"SummaryMap"`
			}{}
			for _, k := range keys {
				out.SummaryMap = append(out.SummaryMap, awsquery.MapEntry[int]{Key: k, Value: m[k]})
			}
			return out, nil
		},
	}
}

func (s *Server) coreSTSHandlers() map[string]handler {
	return map[string]handler{
		"GetCallerIdentity": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			id := s.sts.GetCallerIdentity(ctx, p)
			return &struct {
				UserID  string `xml:"UserId"`
				Account string `xml:"Account"`
				Arn     string `xml:"Arn"`
			}{id.UserID, id.Account, id.ARN}, nil
		},
		"GetSessionToken": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			d, _ := in.Int("DurationSeconds")
			c, err := s.sts.GetSessionToken(ctx, p, time.Duration(d)*time.Second, in.String("SerialNumber"), in.String("TokenCode"))
			if err != nil {
				return nil, err
			}
			return &struct {
				Credentials credsXML `xml:"Credentials"`
			}{credsXML{c.AccessKeyID, c.SecretAccessKey, c.SessionToken, awsquery.Time{Time: c.Expiration}}}, nil
		},
	}
}
