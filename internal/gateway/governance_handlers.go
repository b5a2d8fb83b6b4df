package gateway

import (
	"context"

	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/awsquery"
	"github.com/iamd/iamd/internal/iam"
)

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
// CreateVirtualMFADevice are here rather than in the core area, since they
// carry tags.
func (s *Server) governanceHandlers() map[string]handler {
	return typedHandlers("iam",
		op(s.getAccountPasswordPolicy), op(s.updateAccountPasswordPolicy), op(s.deleteAccountPasswordPolicy),
		op(s.createUser), op(s.getUser), op(s.updateUser), op(s.tagUser), op(s.untagUser), op(s.listUserTags),
		op(s.createVirtualMFADevice), op(s.tagMFADevice), op(s.untagMFADevice), op(s.listMFADeviceTags),
		op(s.getAccessKeyLastUsed), op(s.generateCredentialReport), op(s.getCredentialReport),
		op(s.createAccountAlias), op(s.listAccountAliases), op(s.deleteAccountAlias),
	)
}

func (s *Server) getAccountPasswordPolicy(ctx context.Context, p *authz.Principal, _ *awsquery.GetAccountPasswordPolicyInput) (*awsquery.GetAccountPasswordPolicyOutput, error) {
	pp, err := s.iam.GetAccountPasswordPolicy(ctx, p)
	if err != nil {
		return nil, err
	}
	return &awsquery.GetAccountPasswordPolicyOutput{PasswordPolicy: awsquery.PasswordPolicy{
		MinimumPasswordLength: pp.MinimumPasswordLength, RequireSymbols: ptr(pp.RequireSymbols),
		RequireNumbers: ptr(pp.RequireNumbers), RequireUppercaseCharacters: ptr(pp.RequireUppercaseCharacters),
		RequireLowercaseCharacters: ptr(pp.RequireLowercaseCharacters), AllowUsersToChangePassword: ptr(pp.AllowUsersToChangePassword),
		ExpirePasswords: ptr(pp.ExpirePasswords()), MaxPasswordAge: pp.MaxPasswordAge,
		PasswordReusePrevention: pp.PasswordReusePrevention, HardExpiry: ptr(pp.HardExpiry),
	}}, nil
}

// isTrue reads an optional boolean: absent is false.
func isTrue(b *bool) bool { return b != nil && *b }

func (s *Server) updateAccountPasswordPolicy(ctx context.Context, p *authz.Principal, in *awsquery.UpdateAccountPasswordPolicyInput) (*awsquery.UpdateAccountPasswordPolicyOutput, error) {
	return nil, s.iam.UpdateAccountPasswordPolicy(ctx, p, iam.PasswordPolicy{
		MinimumPasswordLength: in.MinimumPasswordLength, MaxPasswordAge: in.MaxPasswordAge, PasswordReusePrevention: in.PasswordReusePrevention,
		RequireSymbols: isTrue(in.RequireSymbols), RequireNumbers: isTrue(in.RequireNumbers),
		RequireUppercaseCharacters: isTrue(in.RequireUppercaseCharacters), RequireLowercaseCharacters: isTrue(in.RequireLowercaseCharacters),
		AllowUsersToChangePassword: isTrue(in.AllowUsersToChangePassword), HardExpiry: isTrue(in.HardExpiry),
	})
}

func (s *Server) deleteAccountPasswordPolicy(ctx context.Context, p *authz.Principal, _ *awsquery.DeleteAccountPasswordPolicyInput) (*awsquery.DeleteAccountPasswordPolicyOutput, error) {
	return nil, s.iam.DeleteAccountPasswordPolicy(ctx, p)
}

func (s *Server) createUser(ctx context.Context, p *authz.Principal, in *awsquery.CreateUserInput) (*awsquery.CreateUserOutput, error) {
	tags := fromTags(in.Tags)
	u, err := s.iam.CreateUser(ctx, p, in.Path, in.UserName, tags...)
	if err != nil {
		return nil, err
	}
	x := toUser(u)
	x.Tags = taggedOnly(tags)
	return &awsquery.CreateUserOutput{User: &x}, nil
}

func (s *Server) getUser(ctx context.Context, p *authz.Principal, in *awsquery.GetUserInput) (*awsquery.GetUserOutput, error) {
	u, err := s.iam.GetUser(ctx, p, in.UserName)
	if err != nil {
		return nil, err
	}
	x := toUser(u)
	x.Tags = taggedOnly(u.Tags)
	return &awsquery.GetUserOutput{User: x}, nil
}

func (s *Server) updateUser(ctx context.Context, p *authz.Principal, in *awsquery.UpdateUserInput) (*awsquery.UpdateUserOutput, error) {
	return nil, s.iam.UpdateUser(ctx, p, in.UserName, in.NewUserName, in.NewPath)
}

func (s *Server) tagUser(ctx context.Context, p *authz.Principal, in *awsquery.TagUserInput) (*awsquery.TagUserOutput, error) {
	return nil, s.iam.TagUser(ctx, p, in.UserName, fromTags(in.Tags))
}

func (s *Server) untagUser(ctx context.Context, p *authz.Principal, in *awsquery.UntagUserInput) (*awsquery.UntagUserOutput, error) {
	return nil, s.iam.UntagUser(ctx, p, in.UserName, in.TagKeys)
}

func (s *Server) listUserTags(ctx context.Context, p *authz.Principal, in *awsquery.ListUserTagsInput) (*awsquery.ListUserTagsOutput, error) {
	tags, next, err := s.iam.ListUserTags(ctx, p, in.UserName, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &awsquery.ListUserTagsOutput{Tags: toTags(tags), IsTruncated: ptr(next != ""), Marker: optional(next)}, nil
}

func (s *Server) createVirtualMFADevice(ctx context.Context, p *authz.Principal, in *awsquery.CreateVirtualMFADeviceInput) (*awsquery.CreateVirtualMFADeviceOutput, error) {
	d, tags, err := s.iam.CreateTaggedVirtualMFADevice(ctx, p, in.Path, in.VirtualMFADeviceName, fromTags(in.Tags))
	if err != nil {
		return nil, err
	}
	return &awsquery.CreateVirtualMFADeviceOutput{VirtualMFADevice: awsquery.VirtualMFADevice{SerialNumber: d.Serial,
		Base32StringSeed: awsquery.SecretBlob(d.Base32StringSeed), QRCodePNG: d.QRCodePNG, Tags: taggedOnly(tags)}}, nil
}

func (s *Server) tagMFADevice(ctx context.Context, p *authz.Principal, in *awsquery.TagMFADeviceInput) (*awsquery.TagMFADeviceOutput, error) {
	return nil, s.iam.TagMFADevice(ctx, p, in.SerialNumber, fromTags(in.Tags))
}

func (s *Server) untagMFADevice(ctx context.Context, p *authz.Principal, in *awsquery.UntagMFADeviceInput) (*awsquery.UntagMFADeviceOutput, error) {
	return nil, s.iam.UntagMFADevice(ctx, p, in.SerialNumber, in.TagKeys)
}

func (s *Server) listMFADeviceTags(ctx context.Context, p *authz.Principal, in *awsquery.ListMFADeviceTagsInput) (*awsquery.ListMFADeviceTagsOutput, error) {
	tags, next, err := s.iam.ListMFADeviceTags(ctx, p, in.SerialNumber, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &awsquery.ListMFADeviceTagsOutput{Tags: toTags(tags), IsTruncated: ptr(next != ""), Marker: optional(next)}, nil
}

func (s *Server) getAccessKeyLastUsed(ctx context.Context, p *authz.Principal, in *awsquery.GetAccessKeyLastUsedInput) (*awsquery.GetAccessKeyLastUsedOutput, error) {
	lu, err := s.iam.GetAccessKeyLastUsed(ctx, p, in.AccessKeyId)
	if err != nil {
		return nil, err
	}
	// Never used: no date, and "N/A" for service and region, as AWS
	// answers.
	x := &awsquery.AccessKeyLastUsed{ServiceName: "N/A", Region: "N/A"}
	if u := lu.Use; !u.At.IsZero() {
		x.LastUsedDate = u.At
		if u.Service != "" {
			x.ServiceName = u.Service
		}
		if u.Region != "" {
			x.Region = u.Region
		}
	}
	return &awsquery.GetAccessKeyLastUsedOutput{UserName: displayName(lu.User), AccessKeyLastUsed: x}, nil
}

func (s *Server) generateCredentialReport(ctx context.Context, p *authz.Principal, _ *awsquery.GenerateCredentialReportInput) (*awsquery.GenerateCredentialReportOutput, error) {
	state, err := s.iam.GenerateCredentialReport(ctx, p)
	if err != nil {
		return nil, err
	}
	return &awsquery.GenerateCredentialReportOutput{State: state}, nil
}

func (s *Server) getCredentialReport(ctx context.Context, p *authz.Principal, _ *awsquery.GetCredentialReportInput) (*awsquery.GetCredentialReportOutput, error) {
	r, err := s.iam.GetCredentialReport(ctx, p)
	if err != nil {
		return nil, err
	}
	content := r.Content
	if content == nil {
		content = []byte{}
	}
	return &awsquery.GetCredentialReportOutput{Content: content, ReportFormat: "text/csv", GeneratedTime: r.GeneratedAt}, nil
}

func (s *Server) createAccountAlias(ctx context.Context, p *authz.Principal, in *awsquery.CreateAccountAliasInput) (*awsquery.CreateAccountAliasOutput, error) {
	return nil, s.iam.CreateAccountAlias(ctx, p, in.AccountAlias)
}

func (s *Server) listAccountAliases(ctx context.Context, p *authz.Principal, _ *awsquery.ListAccountAliasesInput) (*awsquery.ListAccountAliasesOutput, error) {
	aliases, err := s.iam.ListAccountAliases(ctx, p)
	if err != nil {
		return nil, err
	}
	return &awsquery.ListAccountAliasesOutput{AccountAliases: aliases, IsTruncated: ptr(false)}, nil
}

func (s *Server) deleteAccountAlias(ctx context.Context, p *authz.Principal, in *awsquery.DeleteAccountAliasInput) (*awsquery.DeleteAccountAliasOutput, error) {
	return nil, s.iam.DeleteAccountAlias(ctx, p, in.AccountAlias)
}
