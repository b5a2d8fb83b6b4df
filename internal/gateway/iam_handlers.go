package gateway

import (
	"context"
	"fmt"
	"time"

	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/awsquery"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/sts"
)

// displayName is the UserName shown for an identity in MFA and key lists;
// for root, AWS shows the account id.
func displayName(u *iam.User) string {
	if u.Root {
		return u.AccountID
	}
	return u.Name
}

// iamHandlers gathers the IAM operations of every area.
func (s *Server) iamHandlers() map[string]handler {
	return merge("iam", s.coreIAMHandlers(), s.policyHandlers(), s.roleHandlers(), s.simulateHandlers(), s.governanceHandlers())
}

// stsHandlers gathers the STS operations.
func (s *Server) stsHandlers() map[string]handler {
	return merge("sts", s.coreSTSHandlers(), s.stsRoleHandlers())
}

// merge joins the operations of a service's areas; an operation served by
// two areas is a bug.
func merge(service string, areas ...map[string]handler) map[string]handler {
	m := map[string]handler{}
	for _, area := range areas {
		for action, h := range area {
			if _, dup := m[action]; dup {
				panic(fmt.Sprintf("gateway: %s %s is served by two areas", service, action))
			}
			m[action] = h
		}
	}
	return m
}

// coreIAMHandlers are users, keys, passwords and MFA devices. CreateUser,
// GetUser and CreateVirtualMFADevice, which carry tags, are in
// governanceHandlers.
func (s *Server) coreIAMHandlers() map[string]handler {
	return typedHandlers("iam",
		op(s.listUsers), op(s.deleteUser),
		op(s.createAccessKey), op(s.listAccessKeys), op(s.updateAccessKey), op(s.deleteAccessKey),
		op(s.createLoginProfile), op(s.getLoginProfile), op(s.updateLoginProfile), op(s.deleteLoginProfile), op(s.changePassword),
		op(s.enableMFADevice), op(s.resyncMFADevice), op(s.deactivateMFADevice), op(s.deleteVirtualMFADevice),
		op(s.listMFADevices), op(s.listVirtualMFADevices),
		op(s.getAccountSummary),
	)
}

// typedOp is a typed operation adapted to the dispatch, with the service
// and action its input belongs to.
type typedOp struct {
	service, action string
	h               handler
}

// op adapts a typed operation to the dispatch: the validated parameters
// are decoded into its input struct, and its output struct is rendered
// from the model. The action is the input's: no string names it, so a
// handler cannot be filed under another operation, and the output must be
// the same operation's.
func op[In, Out any, PIn interface {
	*In
	awsquery.Input
}, POut interface {
	*Out
	awsquery.Output
}](f func(context.Context, *authz.Principal, *In) (*Out, error)) typedOp {
	service, action := awsquery.OperationOf(PIn(new(In)))
	if os, oa := awsquery.OperationOf(POut(new(Out))); os != service || oa != action {
		panic(fmt.Sprintf("gateway: the %s %s handler returns the output of %s %s", service, action, os, oa))
	}
	return typedOp{service: service, action: action, h: func(ctx context.Context, p *authz.Principal, params awsquery.Params) (any, error) {
		in := new(In)
		awsquery.DecodeInput(PIn(in), params)
		out, err := f(ctx, p, in)
		if err != nil {
			return nil, err
		}
		return POut(out), nil
	}}
}

// typedHandlers files typed operations of one service by action.
func typedHandlers(service string, ops ...typedOp) map[string]handler {
	m := make(map[string]handler, len(ops))
	for _, o := range ops {
		if o.service != service {
			panic(fmt.Sprintf("gateway: %s %s is not a %s operation", o.service, o.action, service))
		}
		if _, dup := m[o.action]; dup {
			panic(fmt.Sprintf("gateway: %s %s has two handlers", service, o.action))
		}
		m[o.action] = o.h
	}
	return m
}

// ptr returns a pointer to v, for an optional output member that is set.
func ptr[T any](v T) *T { return &v }

// optional returns a pointer to v, or nil when v is zero: an optional
// output member AWS leaves out when it is empty.
func optional[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// toUser renders a user without its tags (ListUsers, GetGroup; CreateUser
// and GetUser add them).
func toUser(u *iam.User) awsquery.User {
	x := awsquery.User{UserId: u.ID, Arn: u.ARN(), CreateDate: u.CreatedAt, PasswordLastUsed: u.PasswordLastUsed}
	if !u.Root {
		// AWS answers GetUser for root with only id, ARN and dates.
		x.Path, x.UserName = u.Path, u.Name
	}
	return x
}

func toUsers(users []iam.User) []awsquery.User {
	out := make([]awsquery.User, 0, len(users))
	for i := range users {
		out = append(out, toUser(&users[i]))
	}
	return out
}

func (s *Server) listUsers(ctx context.Context, p *authz.Principal, in *awsquery.ListUsersInput) (*awsquery.ListUsersOutput, error) {
	users, next, err := s.iam.ListUsers(ctx, p, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &awsquery.ListUsersOutput{Users: toUsers(users), IsTruncated: ptr(next != ""), Marker: optional(next)}, nil
}

func (s *Server) deleteUser(ctx context.Context, p *authz.Principal, in *awsquery.DeleteUserInput) (*awsquery.DeleteUserOutput, error) {
	return nil, s.iam.DeleteUser(ctx, p, in.UserName)
}

func (s *Server) createAccessKey(ctx context.Context, p *authz.Principal, in *awsquery.CreateAccessKeyInput) (*awsquery.CreateAccessKeyOutput, error) {
	k, u, err := s.iam.CreateAccessKey(ctx, p, in.UserName)
	if err != nil {
		return nil, err
	}
	return &awsquery.CreateAccessKeyOutput{AccessKey: awsquery.AccessKey{UserName: displayName(u), AccessKeyId: k.ID, Status: k.Status,
		SecretAccessKey: awsquery.Secret(k.Secret), CreateDate: k.CreatedAt}}, nil
}

func (s *Server) listAccessKeys(ctx context.Context, p *authz.Principal, in *awsquery.ListAccessKeysInput) (*awsquery.ListAccessKeysOutput, error) {
	keys, u, err := s.iam.ListAccessKeys(ctx, p, in.UserName)
	if err != nil {
		return nil, err
	}
	out := &awsquery.ListAccessKeysOutput{AccessKeyMetadata: []awsquery.AccessKeyMetadata{}, IsTruncated: ptr(false)}
	for _, k := range keys {
		out.AccessKeyMetadata = append(out.AccessKeyMetadata, awsquery.AccessKeyMetadata{UserName: displayName(u), AccessKeyId: k.ID,
			Status: k.Status, CreateDate: k.CreatedAt})
	}
	return out, nil
}

func (s *Server) updateAccessKey(ctx context.Context, p *authz.Principal, in *awsquery.UpdateAccessKeyInput) (*awsquery.UpdateAccessKeyOutput, error) {
	return nil, s.iam.UpdateAccessKey(ctx, p, in.UserName, in.AccessKeyId, in.Status)
}

func (s *Server) deleteAccessKey(ctx context.Context, p *authz.Principal, in *awsquery.DeleteAccessKeyInput) (*awsquery.DeleteAccessKeyOutput, error) {
	return nil, s.iam.DeleteAccessKey(ctx, p, in.UserName, in.AccessKeyId)
}

func toLoginProfile(u *iam.User, lp *iam.LoginProfile) awsquery.LoginProfile {
	return awsquery.LoginProfile{UserName: u.Name, CreateDate: lp.CreatedAt, PasswordResetRequired: ptr(lp.PasswordResetRequired)}
}

func (s *Server) createLoginProfile(ctx context.Context, p *authz.Principal, in *awsquery.CreateLoginProfileInput) (*awsquery.CreateLoginProfileOutput, error) {
	lp, u, err := s.iam.CreateLoginProfile(ctx, p, in.UserName, string(in.Password), in.PasswordResetRequired != nil && *in.PasswordResetRequired)
	if err != nil {
		return nil, err
	}
	return &awsquery.CreateLoginProfileOutput{LoginProfile: toLoginProfile(u, lp)}, nil
}

func (s *Server) getLoginProfile(ctx context.Context, p *authz.Principal, in *awsquery.GetLoginProfileInput) (*awsquery.GetLoginProfileOutput, error) {
	lp, u, err := s.iam.GetLoginProfile(ctx, p, in.UserName)
	if err != nil {
		return nil, err
	}
	return &awsquery.GetLoginProfileOutput{LoginProfile: toLoginProfile(u, lp)}, nil
}

func (s *Server) updateLoginProfile(ctx context.Context, p *authz.Principal, in *awsquery.UpdateLoginProfileInput) (*awsquery.UpdateLoginProfileOutput, error) {
	// Password cannot be sent empty: "" is its absence.
	var password *string
	if in.Password != "" {
		password = ptr(string(in.Password))
	}
	return nil, s.iam.UpdateLoginProfile(ctx, p, in.UserName, password, in.PasswordResetRequired)
}

func (s *Server) deleteLoginProfile(ctx context.Context, p *authz.Principal, in *awsquery.DeleteLoginProfileInput) (*awsquery.DeleteLoginProfileOutput, error) {
	return nil, s.iam.DeleteLoginProfile(ctx, p, in.UserName)
}

func (s *Server) changePassword(ctx context.Context, p *authz.Principal, in *awsquery.ChangePasswordInput) (*awsquery.ChangePasswordOutput, error) {
	return nil, s.iam.ChangePassword(ctx, p, string(in.OldPassword), string(in.NewPassword))
}

func (s *Server) enableMFADevice(ctx context.Context, p *authz.Principal, in *awsquery.EnableMFADeviceInput) (*awsquery.EnableMFADeviceOutput, error) {
	return nil, s.iam.EnableMFADevice(ctx, p, in.UserName, in.SerialNumber, string(in.AuthenticationCode1), string(in.AuthenticationCode2))
}

func (s *Server) resyncMFADevice(ctx context.Context, p *authz.Principal, in *awsquery.ResyncMFADeviceInput) (*awsquery.ResyncMFADeviceOutput, error) {
	return nil, s.iam.ResyncMFADevice(ctx, p, in.UserName, in.SerialNumber, string(in.AuthenticationCode1), string(in.AuthenticationCode2))
}

func (s *Server) deactivateMFADevice(ctx context.Context, p *authz.Principal, in *awsquery.DeactivateMFADeviceInput) (*awsquery.DeactivateMFADeviceOutput, error) {
	return nil, s.iam.DeactivateMFADevice(ctx, p, in.UserName, in.SerialNumber)
}

func (s *Server) deleteVirtualMFADevice(ctx context.Context, p *authz.Principal, in *awsquery.DeleteVirtualMFADeviceInput) (*awsquery.DeleteVirtualMFADeviceOutput, error) {
	return nil, s.iam.DeleteVirtualMFADevice(ctx, p, in.SerialNumber)
}

func (s *Server) listMFADevices(ctx context.Context, p *authz.Principal, in *awsquery.ListMFADevicesInput) (*awsquery.ListMFADevicesOutput, error) {
	ds, u, next, err := s.iam.ListMFADevices(ctx, p, in.UserName, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &awsquery.ListMFADevicesOutput{MFADevices: []awsquery.MFADevice{}, IsTruncated: ptr(next != ""), Marker: optional(next)}
	for _, d := range ds {
		out.MFADevices = append(out.MFADevices, awsquery.MFADevice{UserName: displayName(u), SerialNumber: d.Serial, EnableDate: d.EnabledAt})
	}
	return out, nil
}

func (s *Server) listVirtualMFADevices(ctx context.Context, p *authz.Principal, in *awsquery.ListVirtualMFADevicesInput) (*awsquery.ListVirtualMFADevicesOutput, error) {
	ds, next, err := s.iam.ListVirtualMFADevices(ctx, p, in.AssignmentStatus, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &awsquery.ListVirtualMFADevicesOutput{VirtualMFADevices: []awsquery.VirtualMFADevice{}, IsTruncated: ptr(next != ""), Marker: optional(next)}
	for _, dw := range ds {
		x := awsquery.VirtualMFADevice{SerialNumber: dw.Device.Serial}
		if dw.User != nil {
			x.User = ptr(toUser(dw.User))
			x.EnableDate = dw.Device.EnabledAt
		}
		out.VirtualMFADevices = append(out.VirtualMFADevices, x)
	}
	return out, nil
}

func (s *Server) getAccountSummary(ctx context.Context, p *authz.Principal, _ *awsquery.GetAccountSummaryInput) (*awsquery.GetAccountSummaryOutput, error) {
	m, err := s.iam.GetAccountSummary(ctx, p)
	if err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]int{}
	}
	// Rendered in key order.
	return &awsquery.GetAccountSummaryOutput{SummaryMap: m}, nil
}

func (s *Server) coreSTSHandlers() map[string]handler {
	return typedHandlers("sts", op(s.getCallerIdentity), op(s.getSessionToken))
}

func (s *Server) getCallerIdentity(ctx context.Context, p *authz.Principal, _ *awsquery.GetCallerIdentityInput) (*awsquery.GetCallerIdentityOutput, error) {
	id := s.sts.GetCallerIdentity(ctx, p)
	return &awsquery.GetCallerIdentityOutput{UserId: ptr(id.UserID), Account: ptr(id.Account), Arn: id.ARN}, nil
}

// toCredentials renders temporary credentials.
func toCredentials(c *sts.Credentials) *awsquery.Credentials {
	return &awsquery.Credentials{AccessKeyId: c.AccessKeyID, SecretAccessKey: awsquery.Secret(c.SecretAccessKey),
		SessionToken: awsquery.Secret(c.SessionToken), Expiration: c.Expiration}
}

func (s *Server) getSessionToken(ctx context.Context, p *authz.Principal, in *awsquery.GetSessionTokenInput) (*awsquery.GetSessionTokenOutput, error) {
	c, err := s.sts.GetSessionToken(ctx, p, time.Duration(in.DurationSeconds)*time.Second, in.SerialNumber, string(in.TokenCode))
	if err != nil {
		return nil, err
	}
	return &awsquery.GetSessionTokenOutput{Credentials: toCredentials(c)}, nil
}
